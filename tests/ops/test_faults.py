"""Generator faults: each changes the clean file in exactly the recorded way, nothing else."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from lakehouse.errors import ConfigError
from lakehouse.ingest.validate import Rejection, Validator
from lakehouse.simulate import generate, load_truth, truth_path
from lakehouse.simulate.faults import delayed_path

EVENTS, SEED, START, DAYS = 4000, 3, date(2026, 10, 1), 10


def _gen(tmp: Path, *faults: str) -> tuple[list[bytes], dict[str, Any], Path]:
    out = tmp / ("-".join(faults) or "clean") / "events.ndjson"
    generate(EVENTS, SEED, out, start=START, days=DAYS, faults=faults)
    return out.read_bytes().splitlines(), load_truth(truth_path(out)), out


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[bytes], dict[str, Any]]:
    lines, truth, _ = _gen(tmp_path_factory.mktemp("faults"))
    return lines, truth


def _event(line: bytes) -> dict[str, Any] | None:
    try:
        ev = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return ev if isinstance(ev, dict) else None


def test_faults_leave_the_simulation_and_its_truth_alone(
    clean: tuple[list[bytes], dict[str, Any]], tmp_path: Path
) -> None:
    _, truth, _ = _gen(tmp_path, "loss", "drift")
    assert "faults" not in clean[1]
    assert {k: v for k, v in truth.items() if k != "faults"} == clean[1]


def test_loss_drops_every_copy_of_a_tenth_of_the_hours_client_events(
    clean: tuple[list[bytes], dict[str, Any]], tmp_path: Path
) -> None:
    lines, truth, _ = _gen(tmp_path, "loss")
    (fault,) = truth["faults"]
    dropped = set(fault["dropped_event_ids"])
    validator = Validator()
    arrival = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
    in_hour = set()
    for line in clean[0]:
        ev = _event(line)
        if ev is None or ev.get("source") == "server" or ev.get("seq") is None:
            continue
        if isinstance(validator.check(ev, len(line), arrival), Rejection):
            continue
        at = datetime.fromisoformat(ev["event_ts"].replace("Z", "+00:00")).astimezone(UTC)
        if at.strftime("%Y-%m-%dT%H:00:00Z") == fault["event_hour"]:
            in_hour.add(ev["event_id"])
    assert fault["client_events_in_hour"] == len(in_hour)
    assert len(dropped) == fault["dropped_events"] == round(len(in_hour) / 10)
    assert dropped <= in_hour
    kept = [line for line in clean[0] if (_event(line) or {}).get("event_id") not in dropped]
    assert lines == kept


def test_lag_moves_the_last_deliveries_to_a_second_file(
    clean: tuple[list[bytes], dict[str, Any]], tmp_path: Path
) -> None:
    lines, truth, out = _gen(tmp_path, "lag")
    delayed = delayed_path(out).read_bytes().splitlines()
    (fault,) = truth["faults"]
    assert len(delayed) == fault["lines"] == round(len(clean[0]) * 0.02)
    assert lines + delayed == clean[0]


def test_drift_adds_one_field_to_search_queries_from_its_hour_on(
    clean: tuple[list[bytes], dict[str, Any]], tmp_path: Path
) -> None:
    lines, truth, _ = _gen(tmp_path, "drift")
    (fault,) = truth["faults"]
    changed = [(a, b) for a, b in zip(clean[0], lines, strict=True) if a != b]
    assert len(changed) >= fault["events_with_field"]  # duplicates are changed as well
    for before, after in changed:
        ev = orjson.loads(after)
        assert ev["event_name"] == "search.query"
        assert ev["event_ts"][:13] >= fault["event_hour"][:13]
        del ev["payload"]["ranker_variant"]
        assert ev == orjson.loads(before)


def test_gmv_drop_scales_the_days_orders_to_thirty_percent(
    clean: tuple[list[bytes], dict[str, Any]], tmp_path: Path
) -> None:
    lines, truth, _ = _gen(tmp_path, "gmv_drop")
    (fault,) = truth["faults"]
    assert fault["gmv_cents_before"] == clean[1]["gmv_cents_by_day"][fault["order_dt"]]
    completes = [orjson.loads(x) for x in set(lines) if b'"checkout.complete"' in x]
    day = [e for e in completes if e["event_ts"][:10] == fault["order_dt"]]
    assert sum(e["payload"]["amount_cents"] for e in day) == fault["gmv_cents_after"]
    assert fault["gmv_cents_after"] < 0.35 * fault["gmv_cents_before"]


def test_dlq_burst_inserts_schema_violations(
    clean: tuple[list[bytes], dict[str, Any]], tmp_path: Path
) -> None:
    lines, truth, _ = _gen(tmp_path, "dlq_burst")
    (fault,) = truth["faults"]
    burst = lines[fault["at_line"] - 1 : fault["at_line"] - 1 + fault["lines"]]
    assert (
        lines[: fault["at_line"] - 1] + lines[fault["at_line"] - 1 + fault["lines"] :] == clean[0]
    )
    verdicts = Counter(
        v.reason
        for v in (Validator().check(orjson.loads(x), len(x)) for x in burst)
        if isinstance(v, Rejection)
    )
    assert verdicts == {"schema_violation": fault["lines"]}


def test_gmv_drop_needs_a_long_enough_window(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--fault gmv_drop needs --days of at least 10"):
        generate(EVENTS, SEED, tmp_path / "e.ndjson", days=5, faults=("gmv_drop",))
