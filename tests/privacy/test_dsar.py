"""DSAR delete on a generated lake (PRIV-3): a user with two devices and a referral.

Checked independently of the code under test: the ids are re-derived from the
generated file; "nothing left" is a byte search of every file under the lake root
plus a decoded search of every Parquet and DuckDB file (compression could hide bytes);
"others untouched" compares Silver event ids before and after; and Gold must equal a
Gold built from scratch out of the generated file with the user's events removed by
the test itself.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow.parquet as pq
import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.errors import InvalidArgumentError
from lakehouse.ingest.loader import load_files
from lakehouse.privacy import audit
from lakehouse.privacy.dsar import DsarReport, delete_user
from lakehouse.silver.refine import refine
from lakehouse.silver.tables import load_events_table
from lakehouse.simulate import generate, load_truth, truth_path
from lakehouse.transform.query import run_query
from lakehouse.transform.runner import build

pytestmark = pytest.mark.e2e

NO_TESTS = "resource_type:test resource_type:unit_test"
TIME_COLUMNS = ("received_at", "silver_loaded_at", "gold_built_at")


def _events(path: Path) -> list[tuple[bytes, dict[str, Any] | None]]:
    out = []
    for line in path.read_bytes().splitlines(keepends=True):
        try:
            ev = orjson.loads(line)
        except orjson.JSONDecodeError:
            ev = None
        out.append((line, ev if isinstance(ev, dict) else None))
    return out


def _pick_user(path: Path, truth: dict[str, Any]) -> tuple[str, str]:
    """A two-device user who was referred or referred someone: (user, the other side)."""
    pairs = [
        (ev.get("user_id"), ev["payload"]["referrer_user_id"])
        for _, ev in _events(path)
        if ev and ev.get("event_name") == "referral.signup" and isinstance(ev.get("payload"), dict)
    ]
    for user in truth["multi_device_users"]:
        for referred, referrer in pairs:
            if user in (referred, referrer):
                return user, referrer if user == referred else referred
    raise AssertionError("the generator planted no two-device user in a referral")


def _expected_ids(path: Path, user: str) -> set[str]:
    """The user, the anon ids it logged in on, and the devices seen with either, minus
    ids another user also logged in on (computed here, not by the code under test)."""
    evs = [ev for _, ev in _events(path) if ev]
    anons = {ev["anon_id"] for ev in evs if ev.get("user_id") == user and ev.get("anon_id")}
    devices = {
        ev["device_id"]
        for ev in evs
        if ev.get("device_id") and (ev.get("user_id") == user or ev.get("anon_id") in anons)
    }
    shared = {
        ev.get(k)
        for ev in evs
        for k in ("anon_id", "device_id")
        if ev.get("user_id") not in (None, user)
    }
    return {user} | (anons - shared) | (devices - shared)


def _without(path: Path, ids: set[str], out: Path) -> Path:
    """The generated file minus the identities' events; mentions become [deleted]."""
    keep = []
    for line, ev in _events(path):
        if ev and any(ev.get(k) in ids for k in ("user_id", "anon_id", "device_id")):
            continue
        for i in ids:
            line = line.replace(f'"{i}"'.encode(), b'"[deleted]"')
        keep.append(line)
    out.write_bytes(b"".join(keep))
    return out


def _occurrences(root: Path, ids: set[str]) -> list[str]:
    """Files under `root` holding an id as bytes, or as a decoded Parquet/DuckDB value."""
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if any(i.encode() in data for i in ids):
            hits.append(str(path.relative_to(root)))
        elif path.suffix == ".parquet":
            text = str(pq.read_table(path).to_pylist())
            if any(i in text for i in ids):
                hits.append(f"{path.relative_to(root)} (decoded)")
        elif path.suffix == ".duckdb":
            con = duckdb.connect(str(path), read_only=True)
            tables = con.execute(
                "select schema_name, table_name from duckdb_tables() where not internal"
            ).fetchall()
            for schema, table in tables:
                rows = str(con.execute(f'select * from "{schema}"."{table}"').fetchall())
                if any(i in rows for i in ids):
                    hits.append(f"{path.relative_to(root)}:{table} (decoded)")
            con.close()
    return hits


def _silver_ids(settings: Settings) -> dict[str, tuple[Any, ...]]:
    table = load_events_table(settings)
    assert table is not None
    arrow = table.scan(selected_fields=("event_id", "user_id", "anon_id", "device_id")).to_arrow()
    return {r["event_id"]: (r["user_id"], r["anon_id"], r["device_id"]) for r in arrow.to_pylist()}


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("dsar")
    gen = base / "events.ndjson"
    generate(3000, 17, gen, start=date(2026, 10, 1), days=5)
    truth = load_truth(truth_path(gen))
    user, other = _pick_user(gen, truth)
    ids = _expected_ids(gen, user)
    lake = load_settings(base / "lake").ensure()
    load_files(lake, [gen])
    refine(lake)
    build(lake, full_refresh=True, exclude=NO_TESTS)
    before = _silver_ids(lake)
    found_before = _occurrences(lake.home, ids)
    untouched = _digests(lake.home)
    dry = delete_user(lake, user, dry_run=True)
    dry_changed = {p for p, d in _digests(lake.home).items() if untouched.get(p) != d}
    report = delete_user(lake, user)
    return {
        "gen": gen, "base": base, "user": user, "other": other, "ids": ids, "lake": lake,
        "before": before, "found_before": found_before, "dry": dry, "dry_changed": dry_changed,
        "report": report, "truth": truth,
    }  # fmt: skip


def test_the_linked_ids_are_the_user_its_two_devices_and_their_anon_ids(
    world: dict[str, Any],
) -> None:
    report: DsarReport = world["report"]
    assert set(report.linked.all) == world["ids"]
    assert len(report.linked.anon_ids) >= 2 and len(report.linked.device_ids) >= 2


def test_the_scan_finds_the_ids_before_and_nothing_after(world: dict[str, Any]) -> None:
    before = world["found_before"]
    # the search can see every layer, so "nothing after" means something
    assert any(h.startswith("bronze/") for h in before)
    assert any(h.startswith("silver/") and "(decoded)" in h for h in before)
    assert any(h.startswith("gold.duckdb") for h in before)
    assert _occurrences(world["lake"].home, world["ids"]) == []
    report: DsarReport = world["report"]
    assert report.scan.clean and report.scan.files > 0
    # expired: the one refine batch's snapshot and the rewrite (whose manifests still list
    # the old files); current: the empty append that lists live files only
    assert report.silver.snapshots_expired == 2 and report.silver.orphan_files_deleted > 0
    table = load_events_table(world["lake"])
    assert table is not None and len(table.snapshots()) == 1


def test_other_users_rows_are_untouched(world: dict[str, Any]) -> None:
    ids = world["ids"]
    before: dict[str, tuple[Any, ...]] = world["before"]
    theirs = {e for e, idents in before.items() if set(idents) & ids}
    after = _silver_ids(world["lake"])
    assert theirs and len(after) == len(before) - len(theirs)
    assert {e: before[e] for e in after} == after  # same ids, same identities
    report: DsarReport = world["report"]
    assert report.silver.rows_dropped == len(theirs)
    # the referral partner keeps their events; only the mention of the user is scrubbed
    partner = run_query(
        world["lake"],
        f"select count(*) from fact_events where user_id = '{world['other']}'",
    ).rows[0][0]
    assert partner > 0
    assert report.silver.rows_scrubbed >= 1 and report.bronze.lines_scrubbed >= 1


def test_the_dry_run_counts_the_same_and_changes_nothing(world: dict[str, Any]) -> None:
    dry: DsarReport = world["dry"]
    real: DsarReport = world["report"]
    assert world["dry_changed"] == set()
    assert dry.linked == real.linked
    assert (dry.bronze.lines_dropped, dry.silver.rows_dropped, dry.silver.rows_scrubbed) == (
        real.bronze.lines_dropped,
        real.silver.rows_dropped,
        real.silver.rows_scrubbed,
    )


def test_gold_equals_a_build_from_the_data_without_the_user(world: dict[str, Any]) -> None:
    base: Path = world["base"]
    clean = load_settings(base / "clean").ensure()
    load_files(clean, [_without(world["gen"], world["ids"], base / "without.ndjson")])
    refine(clean)
    build(clean, full_refresh=True, exclude=NO_TESTS)
    con = duckdb.connect()
    con.execute(f"attach '{world['lake'].gold_path}' as a (read_only)")
    con.execute(f"attach '{clean.gold_path}' as b (read_only)")
    tables = con.execute(
        "select table_name from duckdb_tables() where database_name = 'a' "
        "and schema_name = 'main' order by 1"
    ).fetchall()
    assert len(tables) > 20
    for (table,) in tables:
        if table.startswith(("ops_", "nrt_")):  # the two lakes' runs and build clocks
            continue
        cols = [
            f'"{c}"'
            for (c,) in con.execute(
                "select column_name from duckdb_columns() where database_name = 'a' "
                "and schema_name = 'main' and table_name = ? order by column_index",
                [table],
            ).fetchall()
            if c not in TIME_COLUMNS
        ]
        sel = ", ".join(cols)
        diff = con.execute(
            f"select (select count(*) from (select {sel} from a.{table} except all select {sel} from b.{table})),"
            f" (select count(*) from (select {sel} from b.{table} except all select {sel} from a.{table}))"
        ).fetchone()
        assert diff == (0, 0), table


def test_a_late_event_of_a_deleted_id_does_not_come_back(
    world: dict[str, Any], tmp_path: Path
) -> None:
    lake: Settings = world["lake"]
    report: DsarReport = world["report"]
    template = next(
        ev for _, ev in _events(world["gen"]) if ev and ev.get("event_name") == "search.query"
    )
    late = []
    for n, (field, value) in enumerate(
        [("user_id", world["user"]), ("anon_id", report.linked.anon_ids[0]), ("user_id", None)]
    ):
        ev = dict(template, event_id=f"evt_01JZZZZZZZZZZZZZZZZZZZZZZ{n}")
        ev["user_id"] = None
        ev[field] = value
        late.append(orjson.dumps(ev))
    path = tmp_path / "late.ndjson"
    path.write_bytes(b"\n".join(late) + b"\n")
    load_files(lake, [path])
    result = refine(lake)
    assert (result.rows_in, result.tombstoned, result.rows_written) == (3, 2, 1)
    after = _silver_ids(lake)
    assert not {v for idents in after.values() for v in idents} & world["ids"]


def test_the_audit_log_records_the_request_with_hashes_only(world: dict[str, Any]) -> None:
    entries = audit.verify(world["lake"])
    assert [e.action for e in entries] == ["dsar.delete"]
    details = entries[0].details
    assert details["request_id"] == world["report"].request_id
    assert len(details["id_hashes"]) == len(world["ids"])
    assert details["scan"]["hits"] == 0
    text = audit.log_path(world["lake"]).read_text()
    assert not any(i in text for i in world["ids"])


def test_a_placeholder_user_id_is_refused(settings: Settings) -> None:
    with pytest.raises(InvalidArgumentError, match="identifies nobody"):
        delete_user(settings, "guest")


def test_dim_identity_carries_each_identitys_latest_consent(world: dict[str, Any]) -> None:
    """PRIV-2: the generator sends consent.update (analytics off) only for its planted
    consent-off users, so exactly they have has_analytics_consent = false. Their other
    events reach Silver without identifiers, so nothing links an anonymous consent.update
    to the user who logged in later: its identity is the anon id it was sent with."""
    rows = run_query(
        world["lake"],
        "select identity_id, has_analytics_consent, has_marketing_consent from dim_identity "
        "where consent_updated_at is not null",
    ).rows
    updates = [
        ev for _, ev in _events(world["gen"]) if ev and ev.get("event_name") == "consent.update"
    ]
    planted = set(world["truth"]["consent_off_users"]) - {world["user"]}
    deciders = {ev["user_id"] or ev["anon_id"] for ev in updates} - world["ids"]
    assert planted and {ev["user_id"] for ev in updates if ev["user_id"]} <= planted
    assert {r[0] for r in rows} == deciders
    assert {(r[1], r[2]) for r in rows} == {(False, False)}


def test_consent_off_users_orders_count_without_an_identity(world: dict[str, Any]) -> None:
    """PRIV-2 keeps contractual events: every order of a consent-off user is in Gold
    with its amount (GMV), and none of them names its buyer."""
    off = set(world["truth"]["consent_off_users"]) - {world["user"]}
    orders = {
        ev["payload"]["order_id"]: ev["payload"]["amount_cents"]
        for _, ev in _events(world["gen"])
        if ev and ev.get("event_name") == "checkout.complete" and ev.get("user_id") in off
    }
    assert orders, "the generator plants orders of consent-off users"
    listed = ", ".join(f"'{o}'" for o in sorted(orders))
    rows = run_query(
        world["lake"],
        "select order_id, amount_cents, identity_id, buyer_user_id from fact_orders "
        f"where order_id in ({listed})",
    ).rows
    assert {r[0]: r[1] for r in rows} == orders
    assert {(r[2], r[3]) for r in rows} == {(None, None)}
    table = load_events_table(world["lake"])
    assert table is not None
    silver = (
        table.scan(
            row_filter="event_name = 'checkout.complete'",
            selected_fields=("payload", "user_id", "consent_analytics"),
        )
        .to_arrow()
        .to_pylist()
    )
    theirs = [r for r in silver if dict(r["payload"])["order_id"] in orders]
    assert len(theirs) == len(orders)
    assert all(r["user_id"] is None and r["consent_analytics"] is False for r in theirs)
