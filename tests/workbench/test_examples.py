"""The analyses in examples/ run as analysts run them (subprocesses on the fixture lake) and
print the numbers an independent SQL computation (or the generator's truth) gives."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from typing import Any

from lakehouse.config import Settings
from tests.conftest import ROOT
from tests.workbench.conftest import lakehouse_cli

DAYS = 7
REPEATS = f"""
with ranked as (
    select identity_id, order_dt,
           row_number() over (partition by identity_id order by ordered_at) as n
    from fact_orders
),
buyers as (
    select identity_id, min(order_dt) filter (where n = 1) as cohort_dt,
           min(order_dt) filter (where n = 2) as second_dt
    from ranked group by 1
)
select cohort_dt, count(*) as buyers,
       {", ".join(f"count(*) filter (where second_dt - cohort_dt <= {d}) as r{d}" for d in range(DAYS + 1))}
from buyers group by 1 order by 1
"""


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_cohort_repeat_booking_curve(wb_lake: Settings) -> None:
    env = {**os.environ, "LAKEHOUSE_HOME": str(wb_lake.home)}
    res = subprocess.run([sys.executable, "examples/cohort_repeat_booking.py", "--days", str(DAYS)],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert res.returncode == 0, res.stderr
    curve = _rows(res.stdout)
    expected = _rows(lakehouse_cli(wb_lake.home, "query", REPEATS, "--format", "csv").stdout)
    assert [(r["cohort_dt"], int(r["buyers"])) for r in curve] == [
        (r["cohort_dt"], int(r["buyers"])) for r in expected
    ]
    for mine, theirs in zip(curve, expected, strict=True):
        buyers = int(theirs["buyers"])
        for d in range(DAYS + 1):
            assert float(mine[f"repeat_d{d}"]) == round(int(theirs[f"r{d}"]) / buyers, 4)
    assert any(int(r[f"r{DAYS}"]) for r in expected), "the fixture must have repeat buyers"


def test_funnel_by_city(wb_lake: Settings, truth: dict[str, Any]) -> None:
    sql = (ROOT / "examples" / "funnel_by_city.sql").read_text()
    funnel = _rows(lakehouse_cli(wb_lake.home, "shell", "--format", "csv", "-c", sql).stdout)
    by_city = lakehouse_cli(wb_lake.home, "query", "--format", "csv",
        "select coalesce(city_name, '(unknown)') as city_name, count(*) as sessions, "
        "count(*) filter (where reached_search) as searched, "
        "count(*) filter (where reached_checkout_complete) as ordered "
        "from fact_sessions group by 1 order by 2 desc, 1",
    ).stdout  # fmt: skip
    assert [(r["city_name"], r["sessions"], r["searched"], r["ordered"]) for r in funnel] == [
        (r["city_name"], r["sessions"], r["searched"], r["ordered"]) for r in _rows(by_city)
    ]
    steps = {"searched": "search.query", "viewed": "profile.view", "messaged": "message.sent",
             "checkout_started": "checkout.start", "ordered": "checkout.complete"}  # fmt: skip
    for column, step in steps.items():
        assert sum(int(r[column]) for r in funnel) == truth["identified"]["funnel_sessions"][step]
    berlin = next(r for r in funnel if r["city_name"] == "Berlin")
    assert float(berlin["session_conversion"]) == round(
        int(berlin["ordered"]) / int(berlin["sessions"]), 4
    )
