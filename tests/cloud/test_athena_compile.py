"""CLOUD-2: the whole project compiles for Athena offline (moto on loopback), both branches
of every incremental model, and every compiled statement and metric passes the lint."""

from __future__ import annotations

import re
from typing import Any

import yaml
from click.testing import CliRunner

from lakehouse.cli import main
from lakehouse.config import PROJECT_ROOT


def test_sql_check_passes_on_the_project() -> None:
    res = CliRunner().invoke(main, ["sql", "check"])
    assert res.exit_code == 0, res.output
    summary = res.stdout.strip().splitlines()[-1]
    counts = re.search(
        r"checked (\d+) metrics and (\d+) compiled model statements .* and (\d+) data tests "
        r"for Athena: 0 portability warning", summary
    )  # fmt: skip
    assert counts, summary
    # every metric file; every model + the incremental branch of each incremental one
    models = sorted((PROJECT_ROOT / "models").rglob("*.sql"))
    in_project = _incremental_in_project_yml()
    # incremental by their own config (the upsert_config macro) or by dbt_project.yml's
    incremental = [
        m for m in models
        if "upsert_config(" in m.read_text() or "materialized='incremental'" in m.read_text()
        or m.stem in in_project
    ]  # fmt: skip
    assert in_project and in_project <= {m.stem for m in incremental}
    metrics = list((PROJECT_ROOT / "metrics").glob("*.sql"))
    assert len(incremental) >= 5
    assert (int(counts[1]), int(counts[2])) == (len(metrics), len(models) + len(incremental))
    assert int(counts[3]) > 300
    assert "warning" not in res.stderr.replace("0 portability warning", "")


def _incremental_in_project_yml() -> set[str]:
    """Models dbt_project.yml names with `+materialized: incremental` (by model name)."""
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())
    found: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                if value.get("+materialized") == "incremental":
                    found.add(key)
                walk(value)

    walk(project["models"])
    return found
