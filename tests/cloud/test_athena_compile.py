"""CLOUD-2: the whole project compiles for Athena offline (moto on loopback), both branches
of every incremental model, and every compiled statement and metric passes the lint."""

from __future__ import annotations

import re

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
    incremental = [m for m in models if "materialized='incremental'" in m.read_text()]
    metrics = list((PROJECT_ROOT / "metrics").glob("*.sql"))
    assert len(incremental) >= 5
    assert (int(counts[1]), int(counts[2])) == (len(metrics), len(models) + len(incremental))
    assert int(counts[3]) > 300
    assert "warning" not in res.stderr.replace("0 portability warning", "")
