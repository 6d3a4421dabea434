"""The app tests read the Gold that tests/dbt builds from its hand-made scenario."""

from tests.dbt.conftest import gold, scenario_lake  # noqa: F401  (pytest fixtures)
