"""Gold: runs the dbt project over the current Silver snapshot (`build`) and answers
read-only SQL over the result (`query`)."""

from __future__ import annotations

from lakehouse.transform.query import QueryResult, gold_database_path, run_query
from lakehouse.transform.runner import BuildResult, NodeResult, build

__all__ = ["BuildResult", "NodeResult", "QueryResult", "build", "gold_database_path", "run_query"]
