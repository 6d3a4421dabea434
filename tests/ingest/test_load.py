"""`lakehouse load`: the same validation as HTTP, per line, with file line numbers."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner

from lakehouse.cli import main
from lakehouse.config import Settings
from lakehouse.ingest.loader import load_files
from tests.ingest.lakeread import bronze_lines, dlq_records, raw_event


def test_load_lands_valid_lines_and_dead_letters_the_rest(
    settings: Settings, make_events, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    good = make_events(4)
    bad = {**good[0], "event_id": "evt_01JBQ2Z8X4K9M3N5P7R8S0T1V9", "event_version": 9}
    lines = [orjson.dumps(good[0]), orjson.dumps(good[1]), b'{"event_id": "evt_', b"", orjson.dumps(bad), b"42",
             orjson.dumps(good[2]), orjson.dumps(good[3])]  # fmt: skip
    src = tmp_path / "events.ndjson"
    src.write_bytes(b"\n".join(lines) + b"\n")
    result = load_files(settings, [src])
    assert (result.accepted, result.rejected, result.skipped_blank) == (4, 3, 1)
    assert dict(result.by_reason) == {"invalid_json": 1, "unknown_version": 1, "not_an_object": 1}
    assert [raw_event(x) for x in bronze_lines(settings.home)] == [orjson.dumps(e) for e in good]
    dead = sorted(dlq_records(settings.home), key=lambda d: d["index"])
    assert [(d["index"], d["reason"], d["raw"]) for d in dead] == [
        (3, "invalid_json", '{"event_id": "evt_'),
        (5, "unknown_version", orjson.dumps(bad).decode()),
        (6, "not_an_object", "42"),
    ]
    assert all(d["origin"] == str(src) for d in dead)


def test_load_rejects_a_repeated_key_and_keeps_spaced_lines_byte_for_byte(
    settings: Settings, make_events, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    good = make_events(3)
    spaced = orjson.dumps(good[1]).replace(b'","', b'" , "')  # valid, not orjson's bytes
    twice = orjson.dumps(good[2])[:-1] + b',"event_id":"evt_01JBQ2Z8X4K9M3N5P7R8S0T1V2"}'
    src = tmp_path / "events.ndjson"
    src.write_bytes(b"\n".join([orjson.dumps(good[0]), spaced, twice]) + b"\n")
    result = load_files(settings, [src])
    assert (result.accepted, result.rejected) == (2, 1)
    assert [raw_event(x) for x in bronze_lines(settings.home)] == [orjson.dumps(good[0]), spaced]
    (dead,) = dlq_records(settings.home)
    assert (dead["index"], dead["reason"], dead["pointer"]) == (3, "schema_violation", "/event_id")


def test_load_cli_prints_the_contract_line(settings: Settings, make_events, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "e.ndjson"
    src.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in make_events(10)) + b"not json\n")
    res = CliRunner().invoke(main, ["--home", str(settings.home), "load", str(src)])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip().splitlines()[-1] == "accepted=10 rejected=1"


def test_load_missing_file_is_a_clear_error(settings: Settings, tmp_path: Path) -> None:
    res = CliRunner().invoke(
        main, ["--home", str(settings.home), "load", str(tmp_path / "nope.ndjson")]
    )
    assert res.exit_code == 1
    assert "nope.ndjson: no such file" in res.stderr


def test_dlq_replay_lands_fixed_events_once(
    settings: Settings, make_events, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from lakehouse.ingest.deadletters import dlq_counts, replay

    ev = make_events(1)[0]
    future = {**ev, "event_ts": "2099-01-01T00:00:00Z"}
    src = tmp_path / "e.ndjson"
    src.write_bytes(orjson.dumps(future) + b"\n")
    assert load_files(settings, [src]).rejected == 1
    assert dlq_counts(settings) == {"bad_timestamp": 1}
    # Nothing changed: replay re-dead-letters it, and a second replay does nothing more.
    assert (replay(settings).accepted, replay(settings).accepted) == (0, 0)
    assert dlq_counts(settings) == {"bad_timestamp": 2}
    assert bronze_lines(settings.home) == []
