"""The ingest endpoint over real HTTP on loopback (ING-1, ING-4, ING-5, LAKE-1)."""

from __future__ import annotations

import os
import stat
from typing import Any

import httpx
import orjson
import pytest

from lakehouse.ingest.examples import load_examples
from lakehouse.ingest.registry import default_registry
from tests.conftest import Server, fresh
from tests.ingest.lakeread import bronze_lines, dlq_records, raw_event


def post(srv: Server, body: bytes | Any) -> httpx.Response:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return httpx.post(srv.url + "/e", content=data, timeout=30)


def test_healthz(server: Server) -> None:
    r = httpx.get(server.url + "/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_single_event_lands_in_bronze_byte_for_byte(server: Server, make_events) -> None:  # type: ignore[no-untyped-def]
    ev = make_events(1)[0]
    body = orjson.dumps(ev)
    r = post(server, body)
    assert r.status_code == 200 and r.json() == {"accepted": 1, "rejected": []}
    server.stop()  # seals the open Bronze file
    lines = bronze_lines(server.home)
    assert len(lines) == 1
    assert raw_event(lines[0]) == body
    rec = orjson.loads(lines[0])
    assert rec["batch_id"].startswith("bat_") and rec["received_at"].endswith("Z")
    assert rec["_unknown_fields"] == []


def test_partial_accept_reports_each_rejection_and_dead_letters_it(
    server: Server, make_events
) -> None:  # type: ignore[no-untyped-def]
    good = make_events(3)
    bad_name = {**fresh(good[0]), "event_name": "foo.bar"}
    bad_ts = {**fresh(good[1]), "event_ts": "yesterday"}
    batch = [good[0], bad_name, good[1], bad_ts, good[2]]
    r = post(server, batch)
    assert r.status_code == 200
    body = r.json()
    assert body["accepted"] == 3
    assert [(x["index"], x["event_id"], x["reason"], x["pointer"]) for x in body["rejected"]] == [
        (1, bad_name["event_id"], "unknown_event", "/event_name"),
        (3, bad_ts["event_id"], "bad_timestamp", "/event_ts"),
    ]
    server.stop()
    assert {raw_event(x) for x in bronze_lines(server.home)} == {orjson.dumps(e) for e in good}
    dead = dlq_records(server.home)
    assert [(d["reason"], d["pointer"], d["index"], d["origin"]) for d in dead] == [
        ("unknown_event", "/event_name", 1, "http"),
        ("bad_timestamp", "/event_ts", 3, "http"),
    ]
    assert [d["raw"].encode() for d in dead] == [orjson.dumps(bad_name), orjson.dumps(bad_ts)]


def test_every_reject_reason_over_http(server: Server, make_events) -> None:  # type: ignore[no-untyped-def]
    cases: list[tuple[Any, str]] = [
        (case["event"], case["reason"])
        for case in load_examples(default_registry().envelope)["invalid"]
    ]
    big = make_events(1)[0]
    big["payload"]["padding"] = "x" * 70_000
    cases += [(big, "too_large"), (42, "not_an_object"), ("hello", "not_an_object")]
    r = post(server, [c for c, _ in cases])
    assert r.status_code == 200
    got = r.json()
    assert got["accepted"] == 0
    assert [x["reason"] for x in got["rejected"]] == [reason for _, reason in cases]
    assert {x["reason"] for x in got["rejected"]} >= {
        "schema_violation", "bad_timestamp", "unknown_event", "unknown_version", "pii_detected", "too_large", "not_an_object",
    }  # fmt: skip
    assert all(x["message"] for x in got["rejected"])


def test_unknown_fields_are_flagged_and_preserved_in_bronze(server: Server, make_events) -> None:  # type: ignore[no-untyped-def]
    ev = make_events(1)[0]
    ev["ab_flag"] = "blue"
    ev["payload"]["experimental"] = 1
    assert post(server, [ev]).json() == {"accepted": 1, "rejected": []}
    server.stop()
    (line,) = bronze_lines(server.home)
    assert orjson.loads(line)["_unknown_fields"] == ["ab_flag", "payload.experimental"]
    assert orjson.loads(raw_event(line)) == ev


def test_pretty_printed_batch_keeps_exact_bytes_minus_line_breaks(
    server: Server, make_events
) -> None:  # type: ignore[no-untyped-def]
    evs = make_events(2)
    body = b"[\n" + b",\n".join(orjson.dumps(e, option=orjson.OPT_INDENT_2) for e in evs) + b"\n]"
    assert post(server, body).json()["accepted"] == 2
    server.stop()
    raws = [raw_event(x) for x in bronze_lines(server.home)]
    assert raws == [orjson.dumps(e, option=orjson.OPT_INDENT_2).replace(b"\n", b" ") for e in evs]


def test_limits_and_malformed_bodies(server: Server, make_events) -> None:  # type: ignore[no-untyped-def]
    r = post(server, make_events(501))
    assert r.status_code == 413 and "501 events" in r.json()["error"]
    r = post(server, b"[" + b" " * (1 << 20) + b"]")
    assert r.status_code == 413 and "bytes" in r.json()["error"]
    r = post(server, b'{"event_id": ')
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]
    r = post(server, b"42")
    assert r.status_code == 400 and "event object or an array" in r.json()["error"]
    assert post(server, b"[]").json() == {"accepted": 0, "rejected": []}
    assert httpx.get(server.url + "/e").status_code == 405
    assert httpx.get(server.url + "/nope").status_code == 404
    server.stop()
    assert bronze_lines(server.home) == []  # nothing from refused requests


def test_sealed_files_are_read_only_and_partitioned_by_arrival_hour(
    server: Server, make_events
) -> None:  # type: ignore[no-untyped-def]
    post(server, make_events(5))
    server.stop()
    files = sorted((server.home / "bronze").glob("event_dt=*/hour=*/evt-*.ndjson"))
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o444
    assert not list((server.home / "bronze" / "_inflight").iterdir())
    rec = orjson.loads(files[0].read_bytes().splitlines()[0])
    dt, hour = rec["received_at"][:10], rec["received_at"][11:13]
    assert files[0].parent == server.home / "bronze" / f"event_dt={dt}" / f"hour={hour}"


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b.c", "x.y\x00z", "..", "A.B"])
def test_hostile_event_names_never_become_paths(server: Server, make_events, name: str) -> None:  # type: ignore[no-untyped-def]
    ev = make_events(1)[0]
    ev["event_name"] = name
    r = post(server, [ev])
    assert r.json()["rejected"][0]["reason"] == "schema_violation"
    server.stop()
    assert not any(p.name == "passwd" for p in server.home.rglob("*"))


def test_duplicate_keys_are_rejected_not_resolved(server: Server, make_events) -> None:  # type: ignore[no-untyped-def]
    # Parsers disagree on which copy wins, so Bronze and Silver could disagree: refuse it.
    ev = make_events(1)[0]
    body = orjson.dumps(ev)[:-1] + b',"event_id":"evt_01JBQ2Z8X4K9M3N5P7R8S0T1V2"}'
    r = post(server, b"[" + body + b"]")
    assert r.json()["accepted"] == 0
    (rej,) = r.json()["rejected"]
    assert (rej["reason"], rej["pointer"]) == ("schema_violation", "/event_id")
    nested = orjson.dumps(ev).replace(b'"payload":{', b'"payload":{"x":1,"x":2,', 1)
    (rej,) = post(server, nested).json()["rejected"]
    assert (rej["reason"], rej["pointer"]) == ("schema_violation", "/x")
