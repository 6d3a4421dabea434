"""Gold: runs the dbt project over the current Silver snapshot (`runner.build`) and answers
read-only SQL over the result (`query.run_query`)."""
