"""End to end: generate → load → refine → build, checked against the generator's truth.

The same file is also loaded in six parts, each followed by refine and an incremental
build (default lookback 0, so only the watermarks find late events and re-stitched
identities; later parts rebuild only their last days, continuing sessions across the
boundary, and patch the rows of re-stitched identities on earlier days);
every Gold table must then equal the one-shot full refresh, apart from the times the
rows were received, refined and built (the two lakes ran at different moments).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from lakehouse.clock import NOW_ENV
from lakehouse.config import Settings, load_settings
from lakehouse.ingest.loader import load_files
from lakehouse.silver.refine import refine
from lakehouse.simulate import generate, load_truth, truth_path
from lakehouse.simulate.scenarios import EXPECTED_CHANNEL
from lakehouse.transform.query import gold_database_path, run_query
from lakehouse.transform.runner import build

pytestmark = pytest.mark.e2e

EVENTS = 6000
SEED = 11
DAYS = 8
PARTS = 6
SKIP_TESTS = "resource_type:test resource_type:unit_test"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("gen") / "events.ndjson"
    generate(EVENTS, SEED, out, start=date(2026, 10, 1), days=DAYS)
    return out, load_truth(truth_path(out))


def _land(settings: Settings, path: Path) -> None:
    load_files(settings, [path])
    refine(settings)


@pytest.fixture(scope="module")
def full_lake(
    generated: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    settings = load_settings(tmp_path_factory.mktemp("full") / "lake").ensure()
    _land(settings, generated[0])
    build(settings, full_refresh=True)
    return settings


@pytest.fixture(scope="module")
def incremental_lake(
    generated: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    base = tmp_path_factory.mktemp("incremental")
    settings = load_settings(base / "lake").ensure()
    lines = generated[0].read_bytes().splitlines(keepends=True)
    size = -(-len(lines) // PARTS)
    with pytest.MonkeyPatch.context() as clock:
        for n in range(PARTS):  # delivery order: later parts carry late events and new logins
            part = base / f"part-{n}.ndjson"
            part.write_bytes(b"".join(lines[n * size : (n + 1) * size]))
            # each part arrives, is refined and built in an arrival hour of its own
            clock.setenv(NOW_ENV, f"2026-10-09T{3 * n:02d}:00:00Z")
            load_files(settings, [part])
            clock.setenv(NOW_ENV, f"2026-10-09T{3 * n:02d}:10:00Z")
            refine(settings)
            clock.setenv(NOW_ENV, f"2026-10-09T{3 * n:02d}:40:00Z")
            last = n == PARTS - 1  # data tests once, on the final state
            build(settings, exclude=None if last else SKIP_TESTS)
    return settings


def _one(settings: Settings, sql: str) -> Any:
    return run_query(settings, sql).rows[0][0]


def test_gold_matches_the_generated_truth(
    full_lake: Settings, generated: tuple[Path, dict[str, Any]]
) -> None:
    truth = generated[1]
    q = run_query
    # duplicates counted once, invalid events absent
    assert _one(full_lake, "select count(*) from fact_events") == truth["valid_events"]
    assert (
        dict(q(full_lake, "select event_name, count(*) from fact_events group by 1").rows)
        == truth["events_by_name"]
    )
    assert _one(full_lake, "select count(*) from fact_orders") == truth["orders"]
    assert _one(full_lake, "select sum(amount_cents) from fact_orders") == truth["gmv_cents"]
    gmv_by_day = q(full_lake, "select order_dt, sum(gmv_cents) from kpi_gmv_daily group by 1").rows
    assert {d.isoformat(): v for d, v in gmv_by_day} == {
        k: v for k, v in truth["gmv_cents_by_day"].items() if v
    }
    assert q(full_lake, "select count(*), sum(amount_cents) from fact_refunds").rows == [
        (truth["refunds"], truth["refunded_cents"] or None)
    ]
    assert q(full_lake, "select count(*), sum(amount_cents) from fact_payouts").rows == [
        (truth["payouts"], truth["payout_cents"] or None)
    ]
    assert _one(full_lake, "select count(*) from fact_disputes") == truth["disputes_opened"]
    assert (
        _one(full_lake, "select count(*) from fact_disputes where dispute_status = 'lost'")
        == truth["disputes_lost"]
    )
    # identities (ID-1): every user once, anonymous-only visitors by their anon id — as
    # Silver keeps them: consent-off events carry no identifiers (PRIV-2)
    seen = truth["identified"]
    assert seen["sessions"] < truth["sessions_planted"] and truth["consent_off_users"]
    assert (
        _one(full_lake, "select count(*) from dim_identity where not is_anonymous") == seen["users"]
    )
    assert (
        _one(full_lake, "select count(*) from dim_identity where is_anonymous")
        == seen["anon_only_visitors"]
    )
    for user_id in seen["multi_device_users"]:
        assert (
            _one(full_lake, f"select n_anon_ids from dim_identity where identity_id = '{user_id}'")
            >= 2
        )
    # sessions and the ordered funnel (SES-1, FUN-1) reproduce the planted client sessions
    assert _one(full_lake, "select count(*) from fact_sessions") == seen["sessions"]
    funnel = q(
        full_lake,
        "select sum(n_reached_search), sum(n_reached_view), sum(n_reached_message), "
        "sum(n_reached_checkout_start), sum(n_reached_checkout_complete) from kpi_conversion_funnel",
    ).rows[0]
    steps = ("search.query", "profile.view", "message.sent", "checkout.start", "checkout.complete")
    assert dict(zip(steps, funnel, strict=True)) == seen["funnel_sessions"]
    referrals = q(
        full_lake,
        "select count(*), sum(is_qualified::int), sum(is_clawed_back::int) from fact_referrals",
    )
    assert referrals.rows == [
        (
            truth["referrals"]["signups"],
            truth["referrals"]["qualified"],
            truth["referrals"]["clawbacks"],
        )
    ]


def test_attribution_recovers_every_planted_channel(
    full_lake: Settings, generated: tuple[Path, dict[str, Any]]
) -> None:
    """ATT-1…6 on generated data: each order gets the channel the generator planted (its
    reference implementation, lakehouse.simulate.attribution), each scripted scenario the
    channel its script names, and the fraud filter discards exactly the planted touches."""
    truth = generated[1]
    got = dict(run_query(full_lake, "select order_id, channel from fact_attribution_checkout").rows)
    assert len(got) == truth["orders"]
    wrong = {o: (c, got.get(o)) for o, c in truth["order_channel"].items() if got.get(o) != c}
    assert not wrong, f"{len(wrong)} of {len(got)} orders misattributed (planted, got): {wrong}"
    scripted = truth["attribution_scenarios"]
    assert len(scripted) >= 6, "the generator scripts the attribution rules"
    for name, orders in scripted.items():
        assert {got[o] for o in orders} == {EXPECTED_CHANNEL[name]}, name
    assert (
        _one(full_lake, "select count(*) from fact_attribution_invalid_touches")
        == truth["fraud_invalid_touches"]
    )
    referrals = run_query(
        full_lake,
        "select count(*), sum(is_awarded::int), sum(is_clawed_back::int) "
        "from fact_attribution_referral",
    ).rows
    planted = truth["referrals"]
    assert referrals == [(planted["qualified"], planted["qualified"], planted["clawbacks"])]


def test_no_dead_letter_reaches_gold(full_lake: Settings) -> None:
    dead = set()
    for path in full_lake.dlq_dir.rglob("*.ndjson"):
        for line in path.read_bytes().splitlines():
            if event_id := orjson.loads(line).get("event_id"):
                dead.add(event_id)
    assert dead, "the generator plants invalid events"
    listed = ", ".join(f"'{e}'" for e in sorted(dead))
    assert _one(full_lake, f"select count(*) from fact_events where event_id in ({listed})") == 0


def _gold_tables(con: duckdb.DuckDBPyConnection, alias: str) -> list[tuple[str, str]]:
    return con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? "
        "and schema_name in ('main', 'main_intermediate') "
        # ops_* describe the runs themselves (arrival hours, lag, run log), and nrt_* the
        # build clock's "today" and refresh time, which differ between the two lakes;
        # the volume and loss counts are of Silver alone, and incremental too
        "and (not starts_with(table_name, 'ops_') "
        "or table_name in ('ops_volume_hourly', 'ops_loss_hourly')) "
        "and not starts_with(table_name, 'nrt_') "
        "order by 1, 2",
        [alias],
    ).fetchall()


def test_incremental_runs_equal_a_full_refresh(
    full_lake: Settings, incremental_lake: Settings
) -> None:
    con = duckdb.connect()
    con.execute(f"attach '{gold_database_path(full_lake)}' as full_gold (read_only)")
    con.execute(f"attach '{gold_database_path(incremental_lake)}' as inc_gold (read_only)")
    tables = _gold_tables(con, "full_gold")
    assert tables == _gold_tables(con, "inc_gold")
    assert ("main", "fact_sessions") in tables and (
        "main_intermediate",
        "int_events_sessionized",
    ) in tables
    for schema, table in tables:
        cols = [
            c for (c,) in con.execute(
                "select column_name from duckdb_columns() where database_name = 'full_gold' "
                "and schema_name = ? and table_name = ? and column_name not in "
                "('received_at', 'silver_loaded_at', 'gold_built_at') order by column_index",
                [schema, table],
            ).fetchall()
        ]  # fmt: skip
        select = ", ".join(f'"{c}"' for c in cols)
        a, b = f"full_gold.{schema}.{table}", f"inc_gold.{schema}.{table}"
        count = con.execute(f"select count(*) from {a}").fetchone()
        missing = con.execute(
            f"select count(*) from (select {select} from {a} except all select {select} from {b})"
        ).fetchone()
        extra = con.execute(
            f"select count(*) from (select {select} from {b} except all select {select} from {a})"
        ).fetchone()
        assert (missing, extra) == ((0,), (0,)), f"{schema}.{table} ({count} rows) differs"


def test_incremental_lag_hours_equal_a_recount(incremental_lake: Settings) -> None:
    """ops_lag_hourly, kept hour by hour over six builds (each part arrives in an hour of
    its own), equals one recount of it in the same lake: every row was published by one of
    those builds (in the run log), so a recount gives each row the same lags. (The last test
    on this lake: it rebuilds a model.)"""
    columns = "received_hour, n_events, silver_lag_p95_s, gold_lag_p95_s, is_gold_lag_breached"
    sql = f"select {columns} from ops_lag_hourly order by received_hour"
    kept = run_query(incremental_lake, sql).rows
    build(incremental_lake, full_refresh=True, select="ops_lag_hourly", exclude=SKIP_TESTS)
    recounted = run_query(incremental_lake, sql).rows
    assert [row[0].hour for row in kept] == [3 * n for n in range(PARTS)]  # one per part
    assert kept == recounted
