"""PRIV-1 private Silver area: the e-mails and phone numbers redaction removed are kept
only as salted hashes in `private.pii_hashes`, which Gold never reads and DSAR purges."""

from __future__ import annotations

import hashlib
import signal
from datetime import date
from pathlib import Path

import orjson
import pytest
import yaml

from lakehouse.access.lakeformation import render
from lakehouse.access.policy import load_policy
from lakehouse.config import PROJECT_ROOT, Settings
from lakehouse.privacy.dsar import delete_user
from lakehouse.privacy.idhash import salt
from lakehouse.privacy.retention import apply
from lakehouse.silver.private import PII_HASHES, load_table
from lakehouse.silver.refine import refine
from tests.silver.conftest import event, land, silver
from tests.silver.test_crash import run_child

EMAIL, PHONE = "Jane.Doe@Example.com", "+49 170 1234567"
OFF = {"analytics": False, "marketing": False}


def _sha(salt_hex: str, value: str) -> str:
    """The documented hash, computed here without the code under test."""
    return hashlib.sha256((salt_hex + value).encode()).hexdigest()


def _private_rows(settings: Settings) -> list[dict[str, object]]:
    table = load_table(settings)
    assert table is not None
    return sorted(table.scan().to_arrow().to_pylist(), key=lambda r: (r["event_id"], r["found_in"]))


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def lake(settings: Settings) -> dict[str, object]:
    """Two users mention an e-mail and a phone number; one of them turned consent off."""
    on = event(
        event_name="search.query", user_id="u_on", anon_id="anon_on", device_id="dv_on",
        payload={"query_id": "q_1", "query": f"mail {EMAIL} please", "results_count": 1,
                 "city": "Berlin"},
        page_path=f"/call/{PHONE}",
    )  # fmt: skip
    off = event(
        event_name="search.query", user_id="u_off", anon_id="anon_off", device_id="dv_off",
        consent=OFF, payload={"query_id": "q_2", "query": f"ring {PHONE}", "results_count": 0,
                              "city": "Berlin"},
    )  # fmt: skip
    plain = event()
    land(settings, [on, off, plain])
    result = refine(settings)
    return {"on": on, "off": off, "plain": plain, "result": result}


def test_hashes_go_to_the_private_area_and_only_there(
    settings: Settings, lake: dict[str, object]
) -> None:
    s = salt(settings)
    on, off = lake["on"], lake["off"]
    assert isinstance(on, dict) and isinstance(off, dict)
    email_h, phone_h = _sha(s, "jane.doe@example.com"), _sha(s, "+491701234567")
    rows = _private_rows(settings)
    got = {(r["event_id"], r["found_in"], r["email_sha256"], r["phone_sha256"]) for r in rows}
    assert got == {
        (on["event_id"], "page_path", None, phone_h),
        (on["event_id"], "payload", email_h, None),
        (off["event_id"], "payload", None, phone_h),
    }
    by_event = {r["event_id"]: r for r in rows}
    assert by_event[on["event_id"]]["user_id_sha256"] == _sha(s, "u_on")
    # the consent-off event's identity survives only as a hash, for DSAR to find
    assert by_event[off["event_id"]]["device_id_sha256"] == _sha(s, "dv_off")
    assert len(rows) == 3

    events = {r["event_id"]: r for r in silver(settings)}
    assert "[redacted:email]" in dict(events[on["event_id"]]["payload"])["query"]
    assert events[off["event_id"]]["user_id"] is None  # PRIV-2 still applies
    silver_dir = settings.silver_dir
    table = load_table(settings)
    assert table is not None
    private_root = Path(table.location().removeprefix("file://"))
    for path in _files(silver_dir):  # raw bytes; Silver's Parquet is read decoded above
        data = path.read_bytes()
        assert EMAIL.encode() not in data and b"1234567" not in data, path
        if private_root in path.parents:
            assert b"u_on" not in data and b"dv_off" not in data, path  # ids only as hashes
        else:
            assert email_h.encode() not in data and phone_h.encode() not in data, path
    assert not any(email_h in str(r) or phone_h in str(r) for r in events.values())


def test_a_second_refine_adds_no_private_rows(settings: Settings, lake: dict[str, object]) -> None:
    before = _private_rows(settings)
    land(settings, [lake["on"]])  # type: ignore[list-item]  # a resent copy
    result = refine(settings)
    assert (result.rows_written, result.pii_hashed) == (0, 0)
    assert _private_rows(settings) == before


def test_dsar_purges_the_private_area_for_a_consent_off_user(
    settings: Settings, lake: dict[str, object]
) -> None:
    """u_off's Silver rows carry no id (PRIV-2); its private rows are found by hash."""
    off = lake["off"]
    assert isinstance(off, dict)
    dry = delete_user(settings, "u_off", dry_run=True)
    assert dry.silver.private_rows_dropped == 1
    assert len(_private_rows(settings)) == 3
    report = delete_user(settings, "u_off")
    assert report.silver.private_rows_dropped == 1
    assert report.scan.clean
    # its Silver row has no id (PRIV-2); Bronze named it, so it went too
    assert report.linked.stripped_event_ids == [off["event_id"]]
    assert off["event_id"] not in {r["event_id"] for r in silver(settings)}
    assert len(silver(settings)) == 2
    left = _private_rows(settings)
    assert [r["event_id"] for r in left] == [lake["on"]["event_id"]] * 2  # type: ignore[index]
    table = load_table(settings)
    assert table is not None
    assert len(table.snapshots()) == 1  # old snapshots (and their files) are gone
    s = salt(settings)
    root = Path(table.location().removeprefix("file://"))
    for path in _files(root):
        assert _sha(s, "dv_off").encode() not in path.read_bytes(), path


def test_no_gold_model_reads_the_private_area() -> None:
    """Gold's only Silver source is lake.events: no dbt source or model names `private`."""
    sources = []
    for path in sorted((PROJECT_ROOT / "models").rglob("*.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        for source in doc.get("sources", []):
            for table in source.get("tables", []):
                sources.append((source.get("schema", source["name"]), table["name"]))
    assert sources, "the project declares its Silver source"
    namespace, name = PII_HASHES.split(".")
    assert all(namespace not in schema and table != name for schema, table in sources), sources
    sql = [p for d in ("models", "macros", "dbt_tests") for p in (PROJECT_ROOT / d).rglob("*.sql")]
    assert len(sql) > 20
    for path in sql:
        text = path.read_text()
        assert name not in text and f"'{namespace}'" not in text, path


def test_the_access_policy_gives_the_private_area_to_admin_only() -> None:
    policy = load_policy()
    assert {r.name for r in policy.roles.values() if r.may_read_private} == {"admin"}
    doc = render(policy, "gold", "111122223333")
    readers = {
        g["Principal"]["DataLakePrincipalIdentifier"].rsplit("-", 1)[1]
        for g in doc["grants"]
        if g["Resource"].get("Table", {}).get("DatabaseName") == "private"
    }
    assert readers == {"admin"}


def test_retention_drops_the_hashes_of_expired_days(settings: Settings) -> None:
    """PRIV-4 on the private area: derived data older than 36 months goes, the rest stays."""
    query = {"query_id": "q_1", "query": f"mail {EMAIL}", "results_count": 1, "city": "Berlin"}
    old = event(event_name="search.query", payload=query, event_ts="2023-06-09T10:00:00Z")
    new = event(event_name="search.query", payload=query, event_ts="2026-10-30T10:00:00Z")
    land(settings, [old, new])
    refine(settings)
    assert {r["event_id"] for r in _private_rows(settings)} == {old["event_id"], new["event_id"]}
    dry = apply(settings, dry_run=True, today=date(2026, 11, 23))
    assert dry.silver.private_rows_dropped == 1 and len(_private_rows(settings)) == 2
    report = apply(settings, today=date(2026, 11, 23))
    assert report.silver.private_rows_dropped == 1
    assert [r["event_id"] for r in _private_rows(settings)] == [new["event_id"]]


def test_a_refine_killed_before_its_commit_neither_loses_nor_doubles_hashes(
    settings: Settings,
) -> None:
    """The private rows are appended before the batch's lake.events commit: a kill in
    between leaves them, and the redone batch finds them and adds none."""
    query = {"query_id": "q_1", "query": f"mail {EMAIL}", "results_count": 1, "city": "Berlin"}
    ev = event(event_name="search.query", payload=query)
    land(settings, [ev, event()])
    child = run_child(settings, fault="before-commit:1")
    assert child.wait(60) == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
    assert [r["event_id"] for r in _private_rows(settings)] == [ev["event_id"]]
    assert silver(settings) == []  # the batch never committed
    result = refine(settings)
    assert result.recovered[0].endswith("redone") and result.rows_written == 2
    assert [r["event_id"] for r in _private_rows(settings)] == [ev["event_id"]]


def test_a_number_after_an_escaped_newline_is_hashed_too(settings: Settings) -> None:
    """Refine skips flagged rows whose text has no PII match. In the text of "call\\n+49…"
    the number follows the letter n of the escape, which the phone pattern refuses; in the
    decoded string it follows a newline. So a row with an escape is decoded and scanned."""
    e = event(event_name="search.query",
              payload={"query_id": "q_9", "query": f"call\n{PHONE}", "results_count": 1,
                       "city": "Berlin"})  # fmt: skip
    assert f"call\\n{PHONE}".encode() in orjson.dumps(e)  # the text holds the escape
    land(settings, [e])
    assert refine(settings).pii_hashed == 1
    (row,) = _private_rows(settings)
    assert (row["event_id"], row["found_in"]) == (e["event_id"], "payload")
    assert row["phone_sha256"] == _sha(salt(settings), "+491701234567")
