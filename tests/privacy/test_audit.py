"""The audit log's hash chain verifies, and any edit, removal or reorder is detected."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from lakehouse.config import Settings
from lakehouse.errors import AuditError
from lakehouse.privacy import audit


def _three(settings: Settings) -> list[bytes]:
    for n in range(3):
        audit.append(settings, "dsar.delete", {"request_id": f"dsar_{n}", "rows": n})
    return audit.log_path(settings).read_bytes().splitlines(keepends=True)


def test_chain_verifies_and_links_each_entry_to_the_previous(settings: Settings) -> None:
    _three(settings)
    entries = audit.verify(settings)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev == audit.GENESIS
    assert [e.prev for e in entries[1:]] == [entries[0].hash, entries[1].hash]
    assert [e.details["rows"] for e in entries] == [0, 1, 2]


def test_an_empty_log_verifies(settings: Settings) -> None:
    assert audit.verify(settings) == []


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda ls: [ls[0], ls[1].replace(b'"rows":1', b'"rows":7'), ls[2]], "line 2 (dsar.delete) does not match its hash"),
        (lambda ls: [ls[0], ls[2]], "line 2 has seq 3, expected 2"),
        (lambda ls: [ls[1], ls[0], ls[2]], "line 1 has seq 2, expected 1"),
        (lambda ls: ls[:2], "ends at entry 2 but its head"),
    ],
    ids=["edited", "removed-middle", "reordered", "removed-last"],
)  # fmt: skip
def test_tampering_is_detected(
    settings: Settings, tamper: Callable[[list[bytes]], list[bytes]], message: str
) -> None:
    lines = _three(settings)
    audit.log_path(settings).write_bytes(b"".join(tamper(lines)))
    with pytest.raises(AuditError, match=re.escape(message)):
        audit.verify(settings)


def test_a_rehashed_edit_still_breaks_the_next_link(settings: Settings) -> None:
    """Recomputing the edited entry's own hash is not enough: entry 3 names the old one."""
    import orjson

    lines = _three(settings)
    entry = orjson.loads(lines[1])
    entry["details"]["rows"] = 7
    entry["hash"] = audit._digest(entry["prev"], 2, entry["at"], entry["action"], entry["details"])
    lines[1] = orjson.dumps(entry) + b"\n"
    audit.log_path(settings).write_bytes(b"".join(lines))
    with pytest.raises(AuditError, match="line 3 does not chain"):
        audit.verify(settings)


def test_append_refuses_to_extend_a_broken_chain(settings: Settings) -> None:
    lines = _three(settings)
    audit.log_path(settings).write_bytes(lines[0] + lines[2])
    with pytest.raises(AuditError):
        audit.append(settings, "retention.apply", {})
