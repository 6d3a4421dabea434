"""`lakehouse build` around dbt: clear errors, Gold swapped in only when dbt succeeds."""

from __future__ import annotations

import gc
import re
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from lakehouse.config import Settings
from lakehouse.errors import ConfigError, LakeEmptyError, PipelineError
from lakehouse.transform import runner
from lakehouse.transform.checks import plan_checks
from lakehouse.transform.runner import (
    NodeResult,
    _failure_message,
    _first_day_loaded_since,
    _last_build_file,
    _project_hash,
    build,
    dbt_dirs,
)
from tests.dbt.silver_fixture import silver_row, write_silver


def test_empty_silver_is_a_clear_error(settings: Settings) -> None:
    with pytest.raises(LakeEmptyError, match=r"Silver is empty .* `lakehouse refine`"):
        build(settings)
    assert not settings.gold_path.exists()


def test_prod_needs_athena_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAKEHOUSE_ATHENA_REGION", raising=False)
    monkeypatch.delenv("LAKEHOUSE_ATHENA_S3_STAGING_DIR", raising=False)
    prod = Settings(home=settings.home, target="prod")
    with pytest.raises(
        ConfigError, match="LAKEHOUSE_ATHENA_REGION, LAKEHOUSE_ATHENA_S3_STAGING_DIR"
    ):
        build(prod)


def test_dbt_files_stay_under_the_lake(settings: Settings) -> None:
    target, logs = dbt_dirs(settings)
    assert target.is_relative_to(settings.home) and logs.is_relative_to(settings.home)


def test_failure_message_names_nodes_and_dbt_messages() -> None:
    msg = _failure_message(
        [
            NodeResult("fact_orders", "model", "error", 0.4, "Binder Error:\n  column x not found"),
            NodeResult("unique_fact_orders_order_id", "test", "fail", 0.1, "Got 2 results"),
        ]
    )
    assert msg.splitlines() == [
        "dbt build failed (2 node(s)); Gold was left unchanged:",
        "  model fact_orders: error: Binder Error: column x not found",
        "  test unique_fact_orders_order_id: fail: Got 2 results",
    ]


def test_a_failing_build_names_the_model_and_keeps_gold(settings: Settings, tmp_path: Path) -> None:
    con = duckdb.connect(str(settings.gold_path))  # an earlier Gold, which must survive
    con.execute("create table previous_gold as select 1 as n")
    con.close()
    before = settings.gold_path.read_bytes()
    missing = (tmp_path / "gone.metadata.json").as_uri()
    with pytest.raises(PipelineError) as err:
        build(settings, silver_metadata=missing, select="stg_silver__messages")
    text = str(err.value)
    assert "model stg_silver__messages: error:" in text
    assert "gone.metadata.json" in text
    assert "Traceback" not in text
    assert settings.gold_path.read_bytes() == before
    assert not list(settings.home.glob("*.building*"))


def test_a_failing_data_test_is_reported(settings: Settings) -> None:
    rows = [
        silver_row("evt_1", "message.sent", "2026-10-01T10:00:00", anon_id="a1",
                   payload={"thread_id": "thr_1"})  # to_profile_id is missing
    ]  # fmt: skip
    write_silver(settings, rows)
    with pytest.raises(
        PipelineError, match=r"test not_null_stg_silver__messages_to_profile_id: fail"
    ):
        build(settings, select="stg_silver__messages")
    assert not settings.gold_path.exists()


def test_dbt_log_has_dbts_info_lines_and_no_sql(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_silver(settings, [_bad_message("2026-10-01T11:00:00")])
    log = dbt_dirs(settings)[1] / "dbt.log"
    with pytest.raises(PipelineError, match="Gold was left unchanged"):
        build(settings, select="stg_silver__messages")
    lines = log.read_text().splitlines()
    test = "not_null_stg_silver__messages_to_profile_id"
    # dbt's own line format: time, level, thread, message
    assert any(
        re.fullmatch(
            rf"\d\d:\d\d:\d\d\.\d{{6}} \[error\] \[Thread-\d.{{0,3}}\s*\]: .*FAIL 1 {test}.*", line
        )
        for line in lines
    ), lines
    assert any(f"Failure in test {test}" in line for line in lines)
    assert any(
        "OK created sql view model main_staging.stg_silver__messages" in line for line in lines
    )
    assert not [line for line in lines if "[debug]" in line or "select" in line.lower()]
    # any other level is dbt's to write, debug lines (each statement's SQL) included
    monkeypatch.setenv("LAKEHOUSE_DBT_FILE_LOG", "debug")
    log.unlink()
    with pytest.raises(PipelineError):
        build(settings, select="stg_silver__messages")
    text = log.read_text()
    assert "[debug]" in text and "select" in text.lower()


def test_the_cyclic_gc_pauses_while_dbt_runs_only(settings: Settings) -> None:
    write_silver(settings, [_bad_message("2026-10-01T11:00:00")])
    during: list[bool] = []
    with pytest.raises(PipelineError):  # and a failed build enables it again too
        build(
            settings, select="stg_silver__messages", on_node=lambda _: during.append(gc.isenabled())
        )
    assert len(during) >= 2 and not any(during)  # the view and its tests
    assert gc.isenabled()


def test_the_few_exclusions_leave_out_what_naming_every_node_would(settings: Settings) -> None:
    """dbt's own selection is the judge: `dbt ls` with the handful of selectors an
    incremental build excludes (views, a seed folder, model YAML files, test kinds) lists
    the same nodes as with every left-out node named, at a fraction of the selectors."""
    from dbt.cli.main import dbtRunner

    def dbt(*args: str) -> Any:
        with runner._dbt_environment(settings, {}):
            outcome = dbtRunner().invoke([*args, *runner._common_args(settings)])
        assert outcome.success, outcome.exception
        return outcome.result

    dbt("parse")
    manifest = orjson.loads((dbt_dirs(settings)[0] / "manifest.json").read_bytes())
    plan = plan_checks(manifest)
    same_result = runner.code_only_keys(manifest)
    few = [*runner._code_only_nodes(manifest, same_result).split(), *plan.exclude]
    folded = {test for tests in plan.by_relation.values() for test in tests}
    declarations = {
        key for key, node in manifest["nodes"].items()
        if (node.get("test_metadata") or {}).get("name") == "column_checks"
    }  # fmt: skip
    left_out = same_result | folded | declarations
    names = sorted(manifest["nodes"][key]["name"] for key in left_out)
    every = ["resource_type:seed", "resource_type:unit_test", *names]
    assert len(few) * 5 < len(every)

    def listed(exclude: list[str]) -> set[str]:
        args = ["--resource-type", "all", "--indirect-selection", "empty", "--exclude"]
        return set(dbt("ls", "--output", "name", *args, *exclude))

    kept = listed(few)
    assert kept == listed(every)
    carriers = {"column_checks_core", "column_checks_all"}
    assert {"fact_events", *carriers} <= kept
    assert not {n for n in kept if n.startswith("column_checks_")} - carriers


def _bad_message(loaded_at: str) -> dict[str, object]:
    return silver_row("evt_bad", "message.sent", "2026-10-01T10:00:00", anon_id="a1",
                      payload={"thread_id": "thr_1"}, loaded_at=loaded_at)  # fmt: skip


def test_an_incremental_build_tests_the_rows_loaded_since_the_last_build(
    settings: Settings,
) -> None:
    """The scope var (set by the runner from the last build's start) selects Silver rows by
    silver_loaded_at: a bad row loaded before it is out of scope, one loaded after fails."""
    write_silver(settings, [_bad_message("2026-10-01T12:00:00")])
    build(settings, select="stg_silver__messages",
          extra_vars={"lakehouse__test_rows_since": "2026-10-02 00:00:00"})  # fmt: skip
    with pytest.raises(PipelineError, match="not_null_stg_silver__messages_to_profile_id: fail"):
        build(settings, select="stg_silver__messages",
              extra_vars={"lakehouse__test_rows_since": "2026-10-01 11:00:00"})  # fmt: skip


def test_the_runner_scopes_tests_after_a_build_unless_test_all(settings: Settings) -> None:
    write_silver(settings, [_bad_message("2026-10-01T12:00:00")])
    _last_build_file(settings).write_text('{"started_at": "2026-10-02 00:00:00.000000"}')
    build(settings, select="stg_silver__messages")  # the bad row predates the last build
    with pytest.raises(PipelineError, match="not_null_stg_silver__messages_to_profile_id: fail"):
        build(settings, select="stg_silver__messages", test_all=True)
    with pytest.raises(PipelineError, match="not_null_stg_silver__messages_to_profile_id: fail"):
        build(settings, select="stg_silver__messages", full_refresh=True)


def test_the_project_hash_follows_project_files_and_vars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seeds and unit tests are skipped while this hash is unchanged: any edit to a file
    they depend on, or other vars, must change it; files elsewhere must not."""
    for name in ("dbt_project.yml", "models/a.sql", "seeds/cities.csv", "lakehouse/x.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("v1")
    monkeypatch.setattr(runner, "PROJECT_ROOT", tmp_path)
    first = _project_hash(None)
    assert _project_hash({}) == first
    (tmp_path / "lakehouse/x.py").write_text("v2")
    assert _project_hash(None) == first
    (tmp_path / "seeds/cities.csv").write_text("v2")
    second = _project_hash(None)
    assert second != first
    (tmp_path / "models/b.sql").write_text("")
    assert _project_hash(None) != second
    assert _project_hash({"lakehouse__session_idle_minutes": 10}) != _project_hash(None)


def test_the_test_scope_starts_at_the_first_day_loaded_since(settings: Settings) -> None:
    """Rows loaded after the last build: the earliest event day among them, late or not."""
    meta = write_silver(
        settings,
        [
            silver_row(
                "evt_1", "page.view", "2026-10-01T10:00:00", loaded_at="2026-10-01T11:00:00"
            ),
            silver_row(
                "evt_2", "page.view", "2026-10-05T10:00:00", loaded_at="2026-10-06T09:00:00"
            ),
            silver_row(
                "evt_3", "page.view", "2026-10-03T10:00:00", loaded_at="2026-10-06T09:00:00"
            ),
        ],
    )
    assert _first_day_loaded_since(meta, "2026-10-06 00:00:00.000000") == "2026-10-03"
    assert _first_day_loaded_since(meta, "2026-10-01 10:00:00.000000") == "2026-10-01"
    # nothing loaded since: the bound is the build's own day (any bound selects nothing)
    assert _first_day_loaded_since(meta, "2026-10-07 00:00:00.000000") == "2026-10-07"
    assert _first_day_loaded_since(None, "2026-10-07 00:00:00.000000") == ""


def test_a_refund_before_its_order_warns_and_the_build_goes_on(settings: Settings) -> None:
    """The buyer's checkout.complete can arrive after the server's refund (a late client):
    the relationships test is severity warn, so Gold is published with the refund and the
    warning is reported, not raised."""
    rows = [
        silver_row("evt_r1", "order.refunded", "2026-10-01T10:00:00", user_id="usr_1",
                   event_source="server", payload={"order_id": "ord_late", "amount_cents": 500})
    ]  # fmt: skip
    write_silver(settings, rows)
    result = build(settings, select="+fact_refunds +fact_orders")
    warned = [n for n in result.nodes if n.status == "warn"]
    assert [n.name for n in warned] == [
        "relationships_fact_refunds_order_id__order_id__ref_fact_orders_"
    ]
    assert result.failures == []
    con = duckdb.connect(str(settings.gold_path), read_only=True)
    assert con.execute("select event_id, order_id, amount_cents from fact_refunds").fetchall() == [
        ("evt_r1", "ord_late", 500)
    ]


def test_an_unchanged_project_rebuilds_only_what_reads_new_rows(settings: Settings) -> None:
    """After a whole-project build, an incremental build of the same code leaves out what
    would come out the same (seeds, unit tests, views, tables built from seeds alone, and
    their tests) but still runs the tests on the staging views: those check new Silver
    rows, and a bad one loaded since fails the build."""
    good = silver_row("evt_ok", "page.view", "2026-10-01T09:00:00", anon_id="a1",
                      loaded_at="2026-10-01T09:30:00")  # fmt: skip
    write_silver(settings, [good])
    first = build(settings)
    ran_first = {n.name for n in first.nodes}
    assert {"cities", "dim_city", "stg_silver__messages", "fact_events"} <= ran_first
    assert first.count("unit_test") > 0
    write_silver(settings, [_bad_message("2099-01-01T00:00:00")])
    # what is left out comes from the last build's own manifest, not whatever dbt ran since
    (dbt_dirs(settings)[0] / "manifest.json").write_text('{"nodes": {}, "sources": {}}')
    ran: list[NodeResult] = []
    with pytest.raises(PipelineError, match="not_null_stg_silver__messages_to_profile_id: fail"):
        build(settings, on_node=ran.append)
    names = {n.name for n in ran}
    assert {"fact_events", "int_events_sessionized"} <= names
    # the single-table tests ran as one query per carrier (checks.py), and the failing one
    # is still reported by its own name (above)
    carriers = {"column_checks_core", "column_checks_all"}
    assert carriers <= names
    assert not {n for n in names if n.startswith("column_checks_")} - carriers
    assert not [n for n in names if n.startswith("not_null_")]
    assert not names & {"cities", "dim_city", "dim_profile", "stg_silver__messages",
                        "stg_silver__events", "unique_dim_city_city_id",
                        "unique_cities_city_id"}  # fmt: skip
    assert not [n for n in ran if n.resource_type in ("seed", "unit_test")]
    # a relationships test from an event table to a seed dimension runs folded too (the
    # event table's column_checks names the dimension in `after`)
    assert not [n for n in names if n.startswith("relationships_fact_checkouts_")]
    # the relationships tests that only warn keep their nodes: folded tests fail on any
    # row (checks.py leaves the others out with one test_name,severity intersection)
    assert {n for n in names if n.startswith("relationships_")} == {
        f"relationships_fact_{name}_order_id__order_id__ref_fact_orders_"
        for name in ("refunds", "payouts", "disputes", "referrals_qualifying")
    }


def test_a_folded_relationships_test_that_fails_is_named(settings: Settings) -> None:
    """A checkout for a profile dim_profile does not have fails the relationships test
    folded into a carrier, reported under the test's own name."""
    write_silver(settings, [silver_row("evt_ok", "page.view", "2026-10-01T09:00:00",
                                       anon_id="a1", loaded_at="2026-10-01T09:30:00")])  # fmt: skip
    build(settings)
    checkout = {"checkout_id": "chk_1", "profile_id": "pro_nowhere", "amount_cents": 9900,
                "currency": "EUR"}  # fmt: skip
    write_silver(settings, [silver_row("evt_chk", "checkout.start", "2026-10-01T10:00:00",
                                       anon_id="a1", payload=checkout,
                                       loaded_at="2026-10-01T10:30:00")])  # fmt: skip
    ran: list[NodeResult] = []
    with pytest.raises(PipelineError) as failed:
        build(settings, on_node=ran.append)
    assert (
        "relationships_fact_checkouts_profile_id__profile_id__ref_dim_profile_: fail: "
        "1 failing row(s), found by column_checks_core" in str(failed.value)
    )
    assert "relationships_fact_checkouts_profile_id__profile_id__ref_dim_profile_" not in {
        n.name for n in ran
    }


def test_silver_source_tests_cover_new_rows_and_their_ids(settings: Settings) -> None:
    """After a build, Silver's own tests read the rows loaded since, but `unique` groups
    every row sharing an id with them: a duplicate pair loaded before is out of scope, a
    new row repeating an old id fails (alone among the new rows, it is unique)."""

    def page(event_id: str, loaded_at: str) -> dict[str, object]:
        return silver_row(event_id, "page.view", "2026-10-01T10:00:00", anon_id="a1",
                          loaded_at=loaded_at)  # fmt: skip

    old = "2026-10-01T11:00:00"
    write_silver(settings, [page("evt_1", old), page("evt_1", old), page("evt_0", old)])
    _last_build_file(settings).write_text('{"started_at": "2026-10-02 00:00:00.000000"}')
    source = "source:silver.events"
    build(settings, select=source)  # the old pair predates the last build
    write_silver(settings, [page("evt_2", "2026-10-03T09:00:00")])
    build(settings, select=source)  # a new, distinct id
    write_silver(settings, [page("evt_0", "2026-10-03T09:00:00")])
    with pytest.raises(PipelineError, match="source_unique_silver_events_event_id: fail"):
        build(settings, select=source)
    with pytest.raises(PipelineError, match="source_unique_silver_events_event_id: fail"):
        build(settings, select=source, test_all=True)


def test_a_full_refresh_starts_gold_afresh_and_keeps_tables_dbt_does_not_write(
    settings: Settings,
) -> None:
    """A whole-project full refresh builds into an empty file, so Gold holds no freed
    blocks of the tables it replaced, and carries over what `lakehouse analyze` wrote."""
    rows = [silver_row(f"evt_{n}", "page.view", "2026-10-01T09:00:00", anon_id=f"a{n}",
                       loaded_at="2026-10-01T09:30:00") for n in range(3)]  # fmt: skip
    write_silver(settings, rows)
    build(settings, exclude="resource_type:test resource_type:unit_test")
    with runner.gold_write(settings) as path:  # as `lakehouse analyze` writes its results
        con = duckdb.connect(str(path))
        con.execute("create table fact_experiment_result as select 42 as n")
        con.close()

    def free_blocks() -> int:
        con = duckdb.connect(str(settings.gold_path), read_only=True)
        try:
            (free,) = con.execute("select free_blocks from pragma_database_size()").fetchone()
            (events,) = con.execute("select count(*) from fact_events").fetchone()
            (kept,) = con.execute("select n from fact_experiment_result").fetchone()
        finally:
            con.close()
        assert (events, kept) == (3, 42)
        return int(free)

    # an incremental build starts from a copy: replaced tables leave free blocks behind
    build(settings, exclude="resource_type:test resource_type:unit_test")
    copied = free_blocks()
    build(settings, full_refresh=True, exclude="resource_type:test resource_type:unit_test")
    # (20 free blocks against 1 in this run: dbt's own swap of one table frees a block)
    assert free_blocks() <= 1 < copied


def test_a_changed_incremental_model_rebuilds_gold_in_full(settings: Settings) -> None:
    """When an incremental model's SQL differs from the last build's (an upgrade), the rows
    it kept follow the old SQL: the next build runs as a full refresh and says why; the one
    after is incremental again."""
    write_silver(settings, [silver_row("evt_1", "page.view", "2026-10-01T09:00:00",
                                       anon_id="a1", loaded_at="2026-10-01T09:30:00")])  # fmt: skip
    build(settings)
    # the kept manifest as an older fact_events.sql left it
    kept = runner._last_build_manifest(settings)
    manifest = orjson.loads(kept.read_bytes())
    node = manifest["nodes"]["model.lakehouse.fact_events"]
    node["checksum"]["checksum"] = "0" * 64
    kept.write_bytes(orjson.dumps(manifest))
    notices: list[str] = []
    ran: list[NodeResult] = []
    result = build(settings, on_node=ran.append, on_notice=notices.append)
    assert result.full_refresh_reason is not None
    assert notices == [result.full_refresh_reason]
    assert "fact_events changed since the last build" in notices[0]
    assert "cities" in {n.name for n in ran}  # a full refresh runs the seeds again
    again = build(settings)
    assert again.full_refresh_reason is None
    assert again.count("seed") == 0
