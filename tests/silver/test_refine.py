"""`refine` end to end on small hand-made lakes: exactly-once loading, dedup (first
received wins), late events, payload map, unknown fields, PII redaction, the empty lake."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pytest
from click.testing import CliRunner

from lakehouse.config import SCHEMAS_DIR, Settings
from lakehouse.errors import PipelineError
from lakehouse.ingest.logfile import SealedFile
from lakehouse.ingest.registry import default_registry, load_registry
from lakehouse.silver.catalog import load_catalog
from lakehouse.silver.cli import refine as refine_cmd
from lakehouse.silver.duck import connect
from lakehouse.silver.refine import NOTHING_IN_BRONZE, refine
from lakehouse.silver.tables import (
    current_metadata_location,
    ensure_events_table,
    load_events_table,
)
from lakehouse.silver.transform import BatchRefiner, split_files
from tests.silver.conftest import event, land, land_bronze_lines, rb_files, silver


def test_refine_loads_each_bronze_file_once(settings: Settings) -> None:
    land(settings, [event(), event(), event()])
    first = refine(settings)
    assert (first.files, first.rows_in, first.rows_written, first.duplicates) == (1, 3, 3, 0)
    assert "rows_written=3" in first.summary()

    second = refine(settings)  # nothing new: loads nothing, changes nothing
    assert (second.files, second.rows_in, second.rows_written) == (0, 0, 0)
    assert second.message.startswith("Silver is up to date")
    assert len(silver(settings)) == 3

    land(settings, [event()])  # a new file: only it is loaded
    third = refine(settings)
    assert (third.files, third.rows_written) == (1, 1)
    assert len(silver(settings)) == 4


def test_duplicates_across_files_keep_the_first_received(settings: Settings) -> None:
    e1 = event(page_path="/first")
    a = land(settings, [e1])
    b = land(settings, [{**e1, "page_path": "/second"}, event()])  # a retry of e1, later
    result = refine(settings)
    assert (result.rows_in, result.rows_written, result.dup_in_batch) == (3, 2, 1)
    rows = {r["event_id"]: r for r in silver(settings)}
    assert len(rows) == 2
    kept = rows[e1["event_id"]]
    assert kept["page_path"] == "/first"
    assert kept["bronze_file"] == a.rel != b.rel
    first_received = orjson.loads(a.path.read_bytes().splitlines()[0])["received_at"]
    assert kept["received_at"] == datetime.fromisoformat(first_received)


def test_duplicates_across_runs_keep_the_copy_already_in_silver(settings: Settings) -> None:
    e1 = event(page_path="/first")
    a = land(settings, [e1])
    refine(settings)
    land(settings, [{**e1, "page_path": "/retry"}, event()])
    result = refine(settings)
    assert (result.rows_in, result.rows_written, result.dup_in_silver) == (2, 1, 1)
    rows = {r["event_id"]: r for r in silver(settings)}
    assert len(rows) == 2
    assert rows[e1["event_id"]]["page_path"] == "/first"
    assert rows[e1["event_id"]]["bronze_file"] == a.rel


def test_duplicate_lines_in_one_request_keep_the_first_line(settings: Settings) -> None:
    e1 = event(page_path="/line-1")
    land(settings, [e1, {**e1, "page_path": "/line-2"}, event()])  # same received_at
    result = refine(settings)
    assert (result.rows_written, result.dup_in_batch) == (2, 1)
    assert {r["page_path"] for r in silver(settings) if r["event_id"] == e1["event_id"]} == {
        "/line-1"
    }


def test_late_event_lands_in_its_own_event_dt(settings: Settings) -> None:
    late = event(event_ts="2026-09-01T23:59:59.999Z")
    near_midnight = event(event_ts="2026-10-06T01:30:00+02:00")  # 2026-10-05 23:30 UTC
    west = event(event_ts="2026-10-06T20:15:00-05:00")  # 2026-10-07 01:15 UTC
    land(settings, [event(), late, near_midnight, west])
    refine(settings)
    assert [r["event_id"] for r in silver(settings, "event_dt = '2026-10-07'")] == [
        west["event_id"]
    ]
    on_sept_1 = silver(settings, "event_dt = '2026-09-01'")
    assert [r["event_id"] for r in on_sept_1] == [late["event_id"]]
    assert on_sept_1[0]["event_ts"] == datetime(2026, 9, 1, 23, 59, 59, 999000, tzinfo=UTC)
    oct_5 = silver(settings, "event_dt = '2026-10-05'")
    assert len(oct_5) == 2
    assert {r["event_ts"] for r in oct_5} >= {datetime(2026, 10, 5, 23, 30, tzinfo=UTC)}
    # Each partition is its own folder of data files.
    table = load_events_table(settings)
    assert table is not None
    paths = {
        t.file.file_path for t in table.scan(row_filter="event_dt = '2026-09-01'").plan_files()
    }
    assert len(paths) == 1 and "/event_dt=2026-09-01/" in paths.pop()


def test_payload_map_values_are_text(settings: Settings) -> None:
    promo = event()  # slot 3, is_sponsored true
    checkout = event(
        event_name="checkout.complete",
        source="server",
        payload={
            "order_id": "o_1",
            "checkout_id": "co_1",
            "profile_id": "p_1",
            "amount_cents": 12900,
            "currency": "EUR",
        },
    )
    as_float = event(
        event_name="order.refunded",
        source="server",
        payload={"order_id": "o_1", "amount_cents": 4900.0},
    )
    dispute = event(
        event_name="dispute.opened", source="server", payload={"order_id": "o_1", "outcome": None}
    )
    land(settings, [promo, checkout, as_float, dispute])
    refine(settings)
    payload = {r["event_id"]: dict(r["payload"]) for r in silver(settings)}
    assert payload[promo["event_id"]] == {"promo_id": "pr_1", "slot": "3", "is_sponsored": "true"}
    assert payload[checkout["event_id"]]["amount_cents"] == "12900"
    assert payload[checkout["event_id"]]["currency"] == "EUR"
    assert payload[as_float["event_id"]] == {"order_id": "o_1", "amount_cents": "4900"}
    assert payload[dispute["event_id"]] == {"order_id": "o_1", "outcome": None}


def test_envelope_columns_and_types(settings: Settings) -> None:
    e = event(utm_source="newsletter", click_token="ct_abcdef12", seq=7)
    land(settings, [e])
    refine(settings)
    (row,) = silver(settings)
    assert row["event_name"] == "promo.impression" and row["event_version"] == 1
    assert row["event_dt"] == date(2026, 10, 5)
    assert (
        row["seq"] == 7
        and row["utm_source"] == "newsletter"
        and row["click_token"] == "ct_abcdef12"
    )
    assert (row["consent_analytics"], row["consent_marketing"]) == (True, False)
    assert row["batch_id"].startswith("bat_")
    assert row["silver_loaded_at"] >= row["received_at"]
    assert orjson.loads(row["_raw"]) == e  # nothing unknown, nothing to redact: the event as sent
    table = load_events_table(settings)
    assert table is not None
    assert table.schema().find_field("event_id").required
    assert [f.name for f in table.spec().fields] == ["event_dt"]


def test_unknown_fields_are_dropped_from_silver(settings: Settings) -> None:
    e = event(ab_flag="b", consent={"analytics": True, "marketing": True, "tcf": "x"})
    e["payload"] = {**e["payload"], "creative_id": "cr_9"}
    land(settings, [e])
    result = refine(settings)
    assert result.fixed_rows == 1
    (row,) = silver(settings)
    raw = orjson.loads(row["_raw"])
    assert "ab_flag" not in raw and "ab_flag" not in row
    assert raw["consent"] == {"analytics": True, "marketing": True}
    assert raw["payload"] == {"promo_id": "pr_1", "slot": 3, "is_sponsored": True}
    assert dict(row["payload"]) == {"promo_id": "pr_1", "slot": "3", "is_sponsored": "true"}


def test_pii_is_redacted_everywhere(settings: Settings) -> None:
    mail = event(
        page_path="/contact/bob@example.com", referrer="https://x.test/?tel=+44 7700 900123"
    )
    query = event(
        event_name="search.query",
        payload={
            "query_id": "q1",
            "query": "call 555-123-4567 or ann@mail.example",
            "results_count": 0,
            "city": "Lisbon",
        },
    )
    clean = event()
    land(settings, [mail, query, clean])
    result = refine(settings)
    assert result.fixed_rows == 2  # only the two rows with PII took the slow path
    rows = {r["event_id"]: r for r in silver(settings)}
    assert rows[mail["event_id"]]["page_path"] == "/contact/[redacted:email]"
    assert rows[mail["event_id"]]["referrer"] == "https://x.test/?tel=[redacted:phone]"
    assert rows[query["event_id"]]["payload"] is not None
    assert (
        dict(rows[query["event_id"]]["payload"])["query"]
        == "call [redacted:phone] or [redacted:email]"
    )
    for r in rows.values():
        assert "bob@" not in r["_raw"] and "7700" not in r["_raw"] and "ann@" not in r["_raw"]
    assert orjson.loads(rows[mail["event_id"]]["_raw"])["page_path"] == "/contact/[redacted:email]"


def _refine_old_line(settings: Settings, eid: str, fields: str) -> dict[str, Any]:
    """Refine one Bronze line that skipped today's validation (`fields`: its JSON after
    anon_id, unbraced); its Silver row."""
    line = (
        '{"event_id":"' + eid + '","event_name":"promo.impression","event_version":1,'
        '"event_ts":"2026-10-05T14:03:11Z","source":"web","anon_id":"a1",' + fields + "}"
    ).encode()
    land_bronze_lines(settings, [line])
    assert refine(settings).rows_written == 1
    (row,) = silver(settings)
    return row


def test_duplicated_payload_key_takes_the_last_value(settings: Settings) -> None:
    # Ingest now rejects duplicated keys, but Bronze an older ingest wrote may hold them:
    # orjson kept the last of a duplicated key; DuckDB's map cast would fail.
    row = _refine_old_line(
        settings,
        "evt_01M466KHDGX0V62EJ7X678VBFK",
        '"payload":{"promo_id":"first","promo_id":"last","slot":1,"is_sponsored":false}',
    )
    assert dict(row["payload"])["promo_id"] == "last"


def test_duplicated_consent_key_takes_the_last_value(settings: Settings) -> None:
    # consent is read as a MAP: the duplicated key shows in its key count (or fails the
    # batch into the strict re-parse); either way the cleaner keeps the last value.
    row = _refine_old_line(
        settings,
        "evt_01M466KHDGX0V62EJ7X678VBFM",
        '"consent":{"analytics":true,"marketing":true,"analytics":false},'
        '"payload":{"promo_id":"p","slot":1,"is_sponsored":false}',
    )
    assert (row["consent_analytics"], row["consent_marketing"]) == (False, True)
    assert orjson.loads(row["_raw"])["consent"] == {"analytics": False, "marketing": True}


def test_duckdb_reads_the_table_through_iceberg_scan(settings: Settings) -> None:
    assert current_metadata_location(settings) is None  # nothing refined yet
    land(settings, [event(), event(event_ts="2026-10-07T00:00:00Z")])
    refine(settings)
    location = current_metadata_location(settings)
    assert location is not None and location.endswith(".metadata.json")
    with connect() as con:
        n, days = con.execute(
            f"SELECT count(*), count(DISTINCT event_dt) FROM iceberg_scan('{location}')"
        ).fetchone()
    assert (n, days) == (2, 2)
    assert len(rb_files(settings)) == 2  # one data file per event_dt


def test_data_files_record_bounds_for_every_column_but_the_raw_text_and_payload(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    e = event(page_path="/b")
    land(settings, [e, event(page_path="/a")])
    with caplog.at_level("WARNING"):
        refine(settings)
    assert not [r for r in caplog.records if "statistics" in r.getMessage()]
    table = load_events_table(settings)
    (task,) = table.scan().plan_files()
    schema = table.schema()
    bounds = {schema.find_column_name(i) for i in task.file.lower_bounds}
    assert {"event_id", "page_path", "event_dt"} <= bounds
    assert not {"_raw", "payload.key", "payload.value"} & bounds
    # value counts too: refine asks for none on the two columns it writes without statistics
    assert task.file.value_counts[schema.find_field("page_path").field_id] == 2
    assert schema.find_field("_raw").field_id not in task.file.value_counts
    lower = task.file.lower_bounds[schema.find_field("page_path").field_id]
    assert lower == b"/a"


def test_refine_hands_back_pyarrows_memory_pool(settings: Settings) -> None:
    before = pa.default_memory_pool().backend_name
    land(settings, [event()])
    assert refine(settings).rows_written == 1
    assert pa.default_memory_pool().backend_name == before


def test_empty_bronze_says_what_to_do(settings: Settings) -> None:
    result = refine(settings)
    assert result.message == NOTHING_IN_BRONZE
    assert not (settings.home / "catalog.db").exists()
    out = CliRunner().invoke(refine_cmd, [], obj=settings)
    assert out.exit_code == 0
    assert "nothing to refine; run `lakehouse load` or `lakehouse serve` first" in out.output


def test_cli_prints_a_summary(settings: Settings) -> None:
    land(settings, [event(), event()])
    out = CliRunner().invoke(refine_cmd, ["--batch-mb", "1"], obj=settings)
    assert out.exit_code == 0, out.output
    assert "rows_in=2 rows_written=2 duplicates_dropped=0" in out.output


@pytest.mark.parametrize("batch_bytes", [1, 1 << 30])
def test_batches_are_bounded_by_bytes(settings: Settings, batch_bytes: int) -> None:
    for _ in range(3):
        land(settings, [event(), event()])
    result = refine(settings, batch_bytes=batch_bytes)
    assert result.batches == (3 if batch_bytes == 1 else 1)
    assert len(result.snapshot_ids) == result.batches
    assert result.rows_written == 6 and len(silver(settings)) == 6


def test_event_type_missing_from_the_registry_is_a_clear_error(
    settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, root)
    shutil.rmtree(root / "events" / "promo.impression")
    bronze = land(settings, [event()])
    with pytest.raises(PipelineError, match=r"promo\.impression v1") as err:
        refine(settings, registry=load_registry(root))
    assert bronze.rel in str(err.value)
    assert refine(settings).rows_written == 1  # the failed batch is redone with the right registry


def _sealed(name: str, size: int) -> SealedFile:
    return SealedFile(Path("/bronze") / name, name, "", size, 1, "")


@pytest.mark.parametrize(
    ("sizes", "parts", "groups"),
    [
        ([10, 10, 10, 10], 2, [[0, 1], [2, 3]]),  # byte midpoints 5, 15 | 25, 35 of 40
        ([100, 1, 1], 2, [[0], [1, 2]]),
        ([1, 1, 100], 2, [[0, 1], [2]]),
        ([5], 2, [[0]]),  # one file cannot be split
        ([3, 3, 3], 1, [[0, 1, 2]]),
    ],
)
def test_split_files_keeps_file_order_in_groups_of_about_equal_bytes(
    sizes: list[int], parts: int, groups: list[list[int]]
) -> None:
    files = [_sealed(str(i), s) for i, s in enumerate(sizes)]
    got = split_files(files, parts)
    assert [[int(f.rel) for f in g] for g in got] == groups


def test_a_split_parse_gives_the_rows_of_one_query(settings: Settings) -> None:
    e1, mail, extra = event(), event(page_path="/contact/bob@example.com"), event(ab_flag="b")
    files = [
        land(settings, [event(), e1]),
        land(settings, [mail, {**e1, "page_path": "/retry"}]),
        land(settings, [event(), extra]),
    ]
    registry = default_registry()
    table, _ = ensure_events_table(load_catalog(settings), registry)
    at = datetime(2026, 10, 6, tzinfo=UTC)
    parsed = []
    for threads in (1, 2):
        refiner = BatchRefiner(registry, table.schema(), parse_threads=threads)
        try:
            parsed.append(refiner.parse(files, at))
        finally:
            refiner.close()
    one, split = parsed
    assert split.rows.column("_raw").num_chunks == 2  # two queries, not concatenated
    lines = [orjson.loads(line) for f in files for line in f.path.read_bytes().splitlines()]
    assert split.rows.column("event_id").to_pylist() == [x["event"]["event_id"] for x in lines]
    assert split.rows.equals(one.rows)
    assert split.fix.equals(one.fix)
    assert split.fixed is not None and one.fixed is not None
    assert split.fixed.column("event_id").to_pylist() == [mail["event_id"], extra["event_id"]]
    assert split.fixed.equals(one.fixed)
