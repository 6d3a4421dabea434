"""CLOUD-2: the whole project compiles for Athena offline (moto on loopback), both branches
of every incremental model, and every compiled statement and metric passes the lint."""

from __future__ import annotations

import re

from click.testing import CliRunner

from lakehouse.cli import main


def test_sql_check_passes_on_the_project() -> None:
    res = CliRunner().invoke(main, ["sql", "check"])
    assert res.exit_code == 0, res.output
    summary = res.stdout.strip().splitlines()[-1]
    counts = re.search(
        r"checked (\d+) metrics and (\d+) compiled model statements .* and (\d+) data tests "
        r"for Athena: 0 portability warning", summary
    )  # fmt: skip
    assert counts, summary
    # 15 metric files; 48 models + the incremental branch of the 5 incremental ones
    assert (int(counts[1]), int(counts[2])) == (15, 53)
    assert int(counts[3]) > 300
    assert "warning" not in res.stderr.replace("0 portability warning", "")
