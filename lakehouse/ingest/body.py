"""Turn a request body into (decoded event, exact raw bytes) pairs.

Bronze stores each event exactly as received (LAKE-1), so for a JSON array we need
the byte span of every element. The compiled scan (`_body.c`) finds the spans and
whether any event repeats a key in one pass. Without it, clients that serialise
compactly (orjson, JSON.stringify) take the re-serialise-and-compare path below and
anything else (pretty-printed, escaped differently) a structural scan in Python.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

try:  # built by `pip install -e .`
    from lakehouse.ingest._body import split as native_split
except ImportError:
    native_split = None  # type: ignore[assignment]

_WS = b" \t\r\n"
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{},]', re.S)


class BodyError(ValueError):
    """The body is not a JSON event or array of events; the message says why."""


def duplicate_key_pointer(raw: bytes) -> str | None:
    """JSON pointer of the first repeated object key in `raw`, else None.

    Parsers disagree on duplicates (orjson keeps the last value, DuckDB the first), so
    an event with one would mean different things in Bronze and Silver; ingest rejects it.
    """
    found: list[str] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen and not found:
                found.append(k)
            seen.add(k)
        return dict(pairs)

    try:
        json.loads(raw, object_pairs_hook=hook)
    except ValueError:
        return None
    return "/" + found[0].replace("~", "~0").replace("/", "~1") if found else None


def decode_body(body: bytes) -> tuple[list[Any], list[bytes], bool]:
    """Decode `body` into events and their raw bytes.

    The flag is True when no object in any event repeats a key (False: some may), so
    the caller can skip `duplicate_key_pointer`. Raws are the events' bytes as sent,
    with surrounding whitespace dropped and line breaks folded (`_one_line`).
    """
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BodyError(
            f"body is not valid JSON ({exc}); send one event object or an array of them."
        ) from exc
    if not isinstance(doc, dict | list):
        raise BodyError(
            f"body is a JSON {type(doc).__name__}; send one event object or an array of event objects."
        )
    if native_split is not None:
        found = native_split(body, doc)
        if found is not None:
            return [doc] if isinstance(doc, dict) else doc, found[0], found[1]
    return decode_python(body, doc)


def decode_python(
    body: bytes, doc: dict[str, Any] | list[Any]
) -> tuple[list[Any], list[bytes], bool]:
    """`decode_body` after parsing, without the compiled scan (and what tests hold it to)."""
    if isinstance(doc, dict):
        return [doc], [_one_line(body.strip(_WS))], False
    raws = _split_fast(body, doc)
    if raws is not None:
        return doc, raws, True
    return doc, [_one_line(r) for r in _split_scan(body)], False


def unique_keys(raw: bytes, doc: Any) -> bool:
    """True when no object in `doc` (`orjson.loads(raw)`) repeats a key in `raw`; False
    when one does, or when that is not known here (without the compiled scan)."""
    if not isinstance(doc, dict | list):
        return True  # a scalar has no keys
    found = native_split(raw, doc) if native_split is not None else None
    return found is not None and found[1]


def _one_line(raw: bytes) -> bytes:
    # A literal line break can only be insignificant whitespace in JSON (strings
    # cannot contain one), so folding it keeps the event one NDJSON line.
    if b"\n" in raw or b"\r" in raw:
        return raw.replace(b"\r", b" ").replace(b"\n", b" ")
    return raw


def _split_fast(body: bytes, items: list[Any]) -> list[bytes] | None:
    dumped = [orjson.dumps(item) for item in items]
    if body.strip(_WS) == b"[" + b",".join(dumped) + b"]":
        return dumped
    return None


def _split_scan(body: bytes) -> list[bytes]:
    """Byte spans of the top-level array elements, by tracking nesting outside strings."""
    out: list[bytes] = []
    depth = 0
    start = -1
    for m in _TOKENS.finditer(body):
        tok = m.group()
        if tok[:1] == b'"':
            continue
        if tok in (b"[", b"{"):
            depth += 1
            if depth == 1:
                start = m.end()
        elif tok in (b"]", b"}"):
            if depth == 1:
                piece = body[start : m.start()].strip(_WS)
                if piece:
                    out.append(piece)
            depth -= 1
        elif tok == b"," and depth == 1:
            out.append(body[start : m.start()].strip(_WS))
            start = m.end()
    return out
