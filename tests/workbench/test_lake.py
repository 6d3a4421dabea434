"""`lakehouse.open()`: answers equal `lakehouse query` (run as a real subprocess) and the
generator's planted truth; one-day scans read only that day's files; clear empty-lake errors."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import lakehouse
from lakehouse.config import Settings, load_settings
from lakehouse.errors import InvalidArgumentError, LakeEmptyError
from lakehouse.simulate import generate
from lakehouse.transform.output import to_csv
from lakehouse.transform.query import QueryResult
from lakehouse.workbench import METRICS, Lake
from tests.workbench.conftest import START, lakehouse_cli, split_load

DAY = date(2026, 10, 3)


def _csv(frame: pl.DataFrame) -> str:
    """A frame rendered exactly like `lakehouse query --format csv` renders rows."""
    return to_csv(QueryResult(frame.columns, frame.rows()))


def _query_csv(settings: Settings, sql: str) -> str:
    return lakehouse_cli(settings.home, "query", sql, "--format", "csv").stdout


def test_open_uses_lakehouse_home(wb_lake: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_HOME", str(wb_lake.home))
    with lakehouse.open() as lake:
        assert lake.settings.home == wb_lake.home
        assert list(lake.silver) == ["lake.events"]


@pytest.mark.parametrize(
    "sql",
    [
        "select currency, count(*) as n, sum(amount_cents) as cents from fact_orders group by 1 order by 1",
        "select session_dt, city_name, n_sessions from kpi_conversion_funnel order by 1, 2, 3 limit 20",
        "select * from kpi_take_rate order by order_dt, city_id, currency",
    ],
)
def test_sql_over_gold_equals_lakehouse_query(lake: Lake, wb_lake: Settings, sql: str) -> None:
    assert _csv(lake.sql(sql).pl()) == _query_csv(wb_lake, sql)


def test_table_equals_lakehouse_query(lake: Lake, wb_lake: Settings) -> None:
    keys = ["order_dt", "city_id", "currency"]
    mine = lake.table("kpi_gmv_daily").sort(keys)
    theirs = _query_csv(wb_lake, "select * from kpi_gmv_daily order by order_dt, city_id, currency")
    assert _csv(mine) == theirs
    assert mine.height > 10


def test_silver_view_and_events_match_the_generator(lake: Lake, truth: dict[str, Any]) -> None:
    by_sql = dict(lake.sql("select event_name, count(*) from lake.events group by 1").fetchall())
    by_polars = dict(lake.events().group_by("event_name").len().collect().iter_rows())
    assert by_sql == by_polars == truth["events_by_name"]
    one_day = lake.events(DAY, DAY, columns=["event_id"]).collect()
    assert (
        one_day.height
        == lake.sql("select count(*) from lake.events where event_dt = ?", params=[DAY]).fetchone()[
            0
        ]
    )  # type: ignore[index]


def test_events_filters_by_name_and_selects_columns(lake: Lake) -> None:
    frame = lake.events("2026-10-02", "2026-10-04", names=["search.query", "profile.view"],
                        columns=["event_name", "event_dt"]).collect()  # fmt: skip
    assert frame.columns == ["event_name", "event_dt"]
    expected = lake.sql(
        "select event_name, event_dt, count(*) from lake.events where event_dt between "
        "'2026-10-02' and '2026-10-04' and event_name in ('search.query', 'profile.view') "
        "group by all order by all"
    ).fetchall()
    got = frame.group_by("event_name", "event_dt").len().sort("event_name", "event_dt").rows()
    assert got == expected and len(expected) == 6
    assert lake.events(names="search.query").select("event_name").unique().collect().item() == (
        "search.query"
    )


def _scanned_files(plan: str) -> int:
    """Files in polars' `Parquet SCAN [a, b, ... N other sources]` plan line."""
    line = next(ln for ln in plan.splitlines() if "Parquet SCAN [" in ln)
    listed = line.split("[", 1)[1].rsplit("]", 1)[0]
    more = re.search(r"\.\.\. (\d+) other sources", listed)
    shown = [p for p in listed.split(", ") if p.startswith("file://")]
    return len(shown) + (int(more.group(1)) if more else 0)


def test_one_day_scan_reads_only_that_days_files(lake: Lake, wb_lake: Settings) -> None:
    data = wb_lake.silver_dir / "lake" / "events" / "data"
    on_disk = sorted(data.rglob("*.parquet"))
    that_day = sorted(f"file://{p}" for p in (data / f"event_dt={DAY}").glob("*.parquet"))
    assert len(that_day) == 2 and len(on_disk) == 12  # two refines; see conftest
    # Iceberg's plan for the same filter names exactly the day's files
    assert lake.event_files(DAY, DAY) == that_day
    assert len(lake.event_files()) == len(on_disk)
    # and polars' optimized plan scans only those
    plan = lake.events(DAY, DAY).explain()
    assert _scanned_files(plan) == 2
    assert all(uri in plan for uri in that_day[:1])
    assert _scanned_files(lake.events().explain()) == 12


def test_event_name_filter_is_pushed_into_the_scan(lake: Lake) -> None:
    plan = lake.events(DAY, DAY, names="search.query").explain()
    scan = plan[plan.index("Parquet SCAN") :]
    assert re.search(r'SELECTION: .*col\("event_name"\)\.is_in', scan), plan


def test_unknown_column_lists_the_real_ones(lake: Lake) -> None:
    with pytest.raises(
        InvalidArgumentError, match=r"no column\(s\) nope; its columns are: event_id"
    ):
        lake.events(columns=["event_id", "nope"])
    with pytest.raises(InvalidArgumentError, match="not a date"):
        lake.events(start="yesterday")


def test_tables_have_counts_and_dbt_descriptions(lake: Lake, truth: dict[str, Any]) -> None:
    tables = lake.tables()
    row = tables.filter(pl.col("name") == "fact_orders").row(0, named=True)
    assert row["rows"] == truth["orders"]
    assert row["schema"] == "main"
    assert row["description"].startswith("One row per order (its first checkout.complete)")
    kpis = {p.stem for p in Path("models/marts/kpi").glob("*.sql")}
    assert kpis <= set(tables["name"]) and len(kpis) >= 6
    assert tables.filter(pl.col("name") == "int_events_sessionized")["schema"].item() == (
        "main_intermediate"
    )
    with pytest.raises(
        InvalidArgumentError, match=r"no table 'fact_order'; known tables: .*fact_orders"
    ):
        lake.table("fact_order")


def test_metric_gmv_equals_query_and_truth(
    lake: Lake, wb_lake: Settings, truth: dict[str, Any]
) -> None:
    gmv = lake.metric("gmv_cents", START, "2026-10-08")
    assert gmv.columns == ["date", "currency", "gmv_cents"]
    sql = "select order_dt, currency, sum(gmv_cents) from kpi_gmv_daily group by 1, 2 order by 1, 2"
    assert _csv(gmv).splitlines()[1:] == _query_csv(wb_lake, sql).splitlines()[1:]
    per_day = gmv.group_by("date").agg(pl.col("gmv_cents").sum())
    assert {d.isoformat(): v for d, v in per_day.iter_rows()} == {
        d: v for d, v in truth["gmv_cents_by_day"].items() if v
    }
    assert lake.metric("orders", DAY, DAY)["orders"].to_list() == [truth["orders_by_day"][str(DAY)]]


def test_rate_metrics_are_ratios_of_sums(lake: Lake, wb_lake: Settings) -> None:
    # computed independently from the fact tables the KPI marts are built from
    conversion = lake.metric("conversion_rate", START, "2026-10-08")
    sql = (
        "select started_dt, round(avg(reached_checkout_complete::int), 10) from fact_sessions "
        "group by 1 order by 1"
    )
    expected = [line.split(",") for line in _query_csv(wb_lake, sql).splitlines()[1:]]
    got = [(d.isoformat(), round(v, 10)) for d, v in conversion.iter_rows()]
    assert got == [(d, float(v)) for d, v in expected] and len(got) == 8
    take = lake.metric("take_rate", START, "2026-10-08").drop_nulls()
    sql = (
        "select order_dt, currency, round(sum(amount_cents - payout_cents) / sum(amount_cents), 10) "
        "from fact_orders where is_paid_out group by 1, 2 order by 1, 2"
    )
    expected = [line.split(",") for line in _query_csv(wb_lake, sql).splitlines()[1:]]
    assert [(d.isoformat(), c, round(v, 10)) for d, c, v in take.iter_rows()] == [
        (d, c, float(v)) for d, c, v in expected
    ]
    assert len(expected) > 3


def test_metric_window_is_inclusive(lake: Lake) -> None:
    assert lake.metric("sessions", DAY, DAY)["date"].to_list() == [DAY]
    assert lake.metric("sessions", "2026-10-02", DAY).height == 2


def test_unknown_metric_lists_known_names(lake: Lake) -> None:
    with pytest.raises(InvalidArgumentError, match="unknown metric 'gmv'; known metrics: ") as err:
        lake.metric("gmv", START, DAY)
    assert all(name in str(err.value) for name in METRICS)


def test_every_metric_reads_an_existing_column(lake: Lake) -> None:
    for name in METRICS:
        frame = lake.metric(name, START, "2026-10-08")
        assert frame.columns[0] == "date" and frame.columns[-1] == name
        assert frame.height > 0, name


# -- empty and missing lakes ----------------------------------------------------------


def test_missing_lake_names_the_commands_that_fill_it(tmp_path: Path) -> None:
    with pytest.raises(
        LakeEmptyError, match=r"no lake at .*nowhere.*`lakehouse refine`.*`lakehouse build`"
    ):
        lakehouse.open(tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()


def test_empty_lake_names_the_commands_that_fill_it(settings: Settings) -> None:
    with pytest.raises(
        LakeEmptyError,
        match=r"is empty .*`lakehouse load <file.ndjson>` then `lakehouse refine` and `lakehouse build`",
    ):
        lakehouse.open(settings.home)


@pytest.fixture(scope="module")
def silver_only(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    base = tmp_path_factory.mktemp("silver-only")
    generate(600, 3, base / "small.ndjson", start=START, days=2)
    settings = load_settings(base / "lake").ensure()
    split_load(settings, base / "small.ndjson", parts=1)
    return settings, base


def test_lake_without_gold_says_run_build(silver_only: tuple[Settings, Path]) -> None:
    with lakehouse.open(silver_only[0].home) as lake:
        assert lake.events().select(pl.len()).collect().item() > 500
        for call in (lambda: lake.table("fact_orders"), lambda: lake.metric("orders", START, DAY)):
            with pytest.raises(LakeEmptyError, match=r"Gold is not built .*run `lakehouse build`"):
                call()
        with pytest.raises(
            LakeEmptyError, match=r"(?s)fact_orders.*no Gold yet: run `lakehouse build`"
        ):
            lake.sql("select * from fact_orders")
    res = lakehouse_cli(silver_only[0].home, "shell", "-c", "select count(*) from lake.events")
    assert int(res.stdout.split("│")[-2]) > 500


def test_snapshot_is_pinned_until_refresh(silver_only: tuple[Settings, Path]) -> None:
    settings, base = silver_only
    generate(300, 4, base / "more.ndjson", start=START, days=2)
    with lakehouse.open(settings.home) as lake:
        before = lake.sql("select count(*) from lake.events").fetchone()
        split_load(settings, base / "more.ndjson", parts=1)
        assert lake.sql("select count(*) from lake.events").fetchone() == before
        assert lake.events().select(pl.len()).collect().item() == before[0]  # type: ignore[index]
        after = lake.refresh().sql("select count(*) from lake.events").fetchone()
        assert after[0] > before[0] + 250  # type: ignore[index]
