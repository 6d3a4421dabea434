"""Per-event validation: the one code path for HTTP ingest and the bulk loader.

Order of checks (the first failure wins, so each rejection names one rule):
size → is an object → envelope → registered name/version → timestamp → payload → PII
in identifier fields. Accepted events come back with their unknown fields (ING-4),
which are flagged and preserved, never rejected.
"""

from __future__ import annotations

import operator
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

from lakehouse.config import IngestLimits
from lakehouse.ingest.registry import Contract, Registry, default_registry
from lakehouse.ingest.schema_compile import (
    _check_keywords,
    _emit_node,
    _Emitter,
    _invalid_expr,
    _json_equal_in,
    compile_schema,
    decoded_key,
    node_spec,
)
from lakehouse.privacy.pii import PII_TRIGGERS, has_pii, pii_kind

try:  # built by `pip install -e .`; without it the generated Python gives the same answers
    from lakehouse.ingest import _accept as _native

    if _native.ABI_VERSION != 3:  # a stale build of an older _accept.c
        _native = None  # type: ignore[assignment]
except ImportError:
    _native = None  # type: ignore[assignment]

REASONS = (
    "invalid_json",
    "not_an_object",
    "too_large",
    "unknown_event",
    "unknown_version",
    "schema_violation",
    "bad_timestamp",
    "pii_detected",
)
# Identifiers must never carry PII: redacting one would merge unrelated users.
IDENTIFIER_FIELDS = ("anon_id", "user_id", "session_id", "device_id")
RFC3339_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$"
)


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one event was refused: a reason code, the JSON pointer of the field, a fix-it message."""

    reason: str
    pointer: str
    message: str


def _escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_of(error: ValidationError, prefix: str = "") -> str:
    """JSON pointer of the failing field; for a missing property, the property itself."""
    path = prefix + "".join(f"/{_escape(p)}" for p in error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [r for r in error.validator_value if r not in error.instance]
        if missing:
            return f"{path}/{_escape(missing[0])}"
    return path


def _canonical_utc(value: str) -> bool:
    """`YYYY-MM-DDTHH:MM:SS.mmmZ`, the form almost every client sends: checked by
    position, leaving the digits to `fromisoformat` (which rejects non-digits)."""
    return (
        len(value) == 24 and value[23] == "Z" and value[10] == "T" and value[19] == "."
        and value[4] == "-" and value[7] == "-" and value[13] == ":" and value[16] == ":"
    )  # fmt: skip


def parse_event_ts(value: str) -> datetime | None:
    """An RFC 3339 timestamp (offset required) as an aware datetime, else None."""
    if _canonical_utc(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    if not RFC3339_RE.match(value):
        return None
    try:
        # 3.11's fromisoformat takes 'Z' but not a lower-case 't'/'z'; RFC 3339 allows both.
        return datetime.fromisoformat(value.upper())
    except ValueError:
        return None


def _ts_within(value: str, limit: float) -> bool:
    """An RFC 3339 timestamp at most `limit` (epoch seconds); for the forms the compiled
    paths do not parse themselves (offsets, fractions other than milliseconds)."""
    ts = parse_event_ts(value)
    return ts is not None and ts.timestamp() <= limit


_MS_US = {f"{i:03d}": i * 1000 for i in range(1000)}  # exactly three ASCII digits
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MEMO_MAX = 1 << 16


# Memos (see Validator._compile_accept) only skip work whose answer is a pure function
# of the value. The PII screen over the NUL-joined identifiers is the union of per-field
# screens (no match can span or sense a NUL), so each identifier of a clean event is clean.
_CANONICAL_EXPR = (
    '(len({v}) == 24 and {v}[23] == "Z" and {v}[10] == "T" and {v}[19] == "." and {v}[4] == "-"'
    ' and {v}[7] == "-" and {v}[13] == ":" and {v}[16] == ":")'
)


class Validator:
    """Validates decoded events against a registry; thread-safe and reusable."""

    def __init__(
        self,
        registry: Registry | None = None,
        limits: IngestLimits | None = None,
        native: bool = True,
    ) -> None:
        self.registry = registry or default_registry()
        self.limits = limits or IngestLimits()
        self._envelope = self.registry.envelope
        self._env_check = self._envelope.check
        self._contracts = dict(self.registry.events)
        self._names = self.registry.names
        self._env_fields = self._envelope.declared
        self._max_event_bytes = self.limits.max_event_bytes
        self._skew_s = self.limits.max_future_skew_s
        self._clean: set[str | None] = set()  # identifiers screened for PII (both paths)
        self.python_accept = self._compile_accept()
        self.accept: Callable[[Any, int, float], bool] = self.python_accept
        self.accept_run: Callable[[list[Any], list[bytes], float, int], int] = self._python_run
        self.native = native and _native is not None
        if self.native:
            fast = self._native_accept()
            self.accept, self.accept_run = fast, fast.run

    def _python_run(self, events: list[Any], raws: list[bytes], limit: float, start: int) -> int:
        """The end of the run of events from `start` on that `accept` says yes to
        (what `_accept.Accept.run` does)."""
        if len(events) != len(raws):
            raise ValueError("events and raws differ in length")
        accept = self.python_accept
        for i in range(start, len(events)):
            if not accept(events[i], len(raws[i]), limit):
                return i
        return len(events)

    def _native_accept(self) -> Any:
        """The compiled accept path (`_accept.c`): the same answers as `python_accept`
        from node trees of the same schemas, without an interpreted step per rule."""
        assert _native is not None
        env = self._envelope
        env_spec = node_spec(env.schema, env.key)
        payloads = {k: node_spec(c.schema, c.key) for k, c in self._contracts.items()}
        return _native.Accept(
            env_spec, payloads, int(self._max_event_bytes),
            tuple(decoded_key(f) for f in IDENTIFIER_FIELDS), has_pii,
            self._clean, _MEMO_MAX, _ts_within, PII_TRIGGERS,
        )  # fmt: skip

    def _compile_accept(self) -> Callable[[Any, int, float], bool]:
        """The hot path: a generated function that is true exactly when `check` would
        return `()` (accepted, no unknown fields), given `limit = now + max_future_skew_s`.

        It runs the compiled envelope checks inline, dispatches the payload predicate by
        `(event_name, event_version)`, then the timestamp, PII and unknown-field rules,
        without a call per rule. False means "not sure": call `check` for the verdict.
        When the event carries exactly the declared envelope fields (what SDKs send), one
        C-level `itemgetter` fetches them all and the property checks run on locals.
        Memos only skip work whose answer is a pure function of the value: timestamp
        prefixes already parsed, identifiers already screened for PII, registered names.
        """
        env = self._envelope.schema
        where = self._envelope.key
        props: dict[str, Any] = dict(env.get("properties", {}))
        consts: dict[str, Any] = {
            "_json_equal_in": _json_equal_in,
            "CONTRACTS": {k: (c.check, c.declared) for k, c in self._contracts.items()},
            "TS_WITHIN": _ts_within,
            "TS_BASE": {},
            "FROMISO": datetime.fromisoformat,
            "EPOCH": _EPOCH,
            "MICROSECOND": timedelta(microseconds=1),
            "MS_US": _MS_US,
            "HAS_PII": has_pii,
            "CLEAN": self._clean,
            "ENV_FIELDS": self._env_fields,
        }
        head = [
            f"    if size > {int(self._max_event_bytes)} or type(x) is not dict:",
            "        return False",
        ]
        # The general form: any set of fields.
        em = _Emitter("accept_any")
        _emit_node(em, env, "x", 1, where)
        self._emit_accept_tail(em, 1, lambda f: f"x.get({f!r})", None)
        em.emit(1, "return ENV_FIELDS.issuperset(x) and c[1].issuperset(p)")
        general = self._exec_accept("accept_any", head + em.lines, {**consts, **em.consts})
        if not props:
            return general
        # The common form: exactly the declared envelope fields.
        em = _Emitter("accept")
        names = {p: em.name("e") for p in props}
        em.emit(1, f"if len(x) != {len(props)}:")
        em.emit(2, "return GENERAL(x, size, limit)")
        em.emit(1, "try:")
        em.emit(2, f"{', '.join(names.values())}, = GET_ALL(x)")
        em.emit(1, "except KeyError:")  # same size, other keys: unknown fields
        em.emit(2, "return GENERAL(x, size, limit)")
        for req in env.get("required", []):
            if req not in props:
                em.emit(1, "return False")  # every key is a declared one: `req` is missing
        names_ok = self._names_ok(props.get("event_name"), f"{where}/properties/event_name")
        for pname, psch in props.items():
            local, at = names[pname], f"{where}/properties/{pname}"
            leaf = _invalid_expr(em, psch, local, at) if isinstance(psch, dict) else None
            if leaf is None:
                _emit_node(em, psch, local, 1, at)
                continue
            _check_keywords(psch, at)
            if pname == "event_name" and names_ok:
                ok = em.const(names_ok, "NAMES_OK")
                leaf = f"not (type({local}) is str and {local} in {ok}) and {leaf}"
            em.emit(1, f"if {leaf}:")
            em.emit(2, "return False")
        rest = {k: v for k, v in env.items() if k not in ("type", "properties", "required")}
        _emit_node(em, rest, "x", 1, where)

        def str_or_null(field: str) -> bool:
            sch = props.get(field)
            t = sch.get("type") if isinstance(sch, dict) else None
            return t is not None and set([t] if isinstance(t, str) else t) <= {"string", "null"}

        memo_ids = [names[f] for f in IDENTIFIER_FIELDS if f in names and str_or_null(f)]
        if len(memo_ids) != len(IDENTIFIER_FIELDS):
            memo_ids = []  # an identifier of any type: screen every time
        self._emit_accept_tail(em, 1, lambda f: names.get(f, f"x.get({f!r})"), memo_ids)
        em.emit(1, "return c[1].issuperset(p)")  # the envelope fields are exactly the declared
        consts |= {"GENERAL": general, "GET_ALL": operator.itemgetter(*props)}
        return self._exec_accept("accept", head + em.lines, {**consts, **em.consts})

    @staticmethod
    def _exec_accept(name: str, lines: list[str], consts: dict[str, Any]) -> Any:
        # Constants become default arguments: fast locals instead of global lookups.
        params = ", ".join(["x", "size", "limit", *(f"{k}={k}" for k in consts)])
        src = "\n".join([f"def {name}({params}):", *lines])
        namespace: dict[str, Any] = dict(consts)
        exec(compile(src, f"<validator {name}>", "exec"), namespace)
        fn = namespace[name]
        fn.__doc__ = src  # the generated source, for debugging
        return fn

    def _names_ok(self, schema: Any, where: str) -> frozenset[str]:
        """Registered event names that the envelope's event_name rule accepts."""
        if not isinstance(schema, dict):
            return frozenset()
        rule = compile_schema(schema, where)
        return frozenset(n for n in self._names if rule(n))

    @staticmethod
    def _emit_accept_tail(
        em: _Emitter, depth: int, get: Callable[[str], str], memo_ids: list[str] | None
    ) -> None:
        """Registered name/version → timestamp → payload → PII, once the envelope has
        passed (so event_name is a str and event_version a hashable integer)."""
        d = depth
        em.emit(d, f"c = CONTRACTS.get(({get('event_name')}, {get('event_version')}))")
        em.emit(d, "if c is None:")
        em.emit(d + 1, "return False")
        em.emit(d, f"t = {get('event_ts')}")
        # A canonical `…SS.fffZ` whose seconds prefix parsed before: only the digits differ.
        em.emit(d, 'if (len(t) == 24 and t[23] == "Z" and t[19] == "."')
        em.emit(d + 1, "and (b := TS_BASE.get(t[:19])) is not None")
        em.emit(d + 1, "and (m := MS_US.get(t[20:23])) is not None):")
        em.emit(d + 1, "if (b + m) / 1000000 > limit:")  # == datetime.timestamp(), exactly
        em.emit(d + 2, "return False")
        em.emit(d, "elif " + _CANONICAL_EXPR.format(v="t") + " and t.isascii():")
        em.emit(d + 1, "try:")
        em.emit(d + 2, "ts = FROMISO(t)")
        em.emit(d + 1, "except ValueError:")
        em.emit(d + 2, "return False")
        em.emit(d + 1, "u = (ts - EPOCH) // MICROSECOND")
        em.emit(d + 1, "if u / 1000000 > limit:")  # the formula of datetime.timestamp()
        em.emit(d + 2, "return False")
        em.emit(d + 1, f"if len(TS_BASE) >= {_MEMO_MAX}:")
        em.emit(d + 2, "TS_BASE.clear()")
        em.emit(d + 1, "TS_BASE[t[:19]] = u - ts.microsecond")
        em.emit(d, "elif not TS_WITHIN(t, limit):")
        em.emit(d + 1, "return False")
        em.emit(d, f"p = {get('payload')}")
        em.emit(d, "if not c[0](p):")
        em.emit(d + 1, "return False")
        screen = "\\x00".join(f"{{{get(f)}}}" for f in IDENTIFIER_FIELDS)
        if memo_ids:
            known = " and ".join(f"({v} is None or {v} in CLEAN)" for v in memo_ids)
            em.emit(d, f"if not ({known}):")
            em.emit(d + 1, f'if HAS_PII(f"{screen}"):')
            em.emit(d + 2, "return False")
            em.emit(d + 1, f"if len(CLEAN) >= {_MEMO_MAX}:")
            em.emit(d + 2, "CLEAN.clear()")
            em.emit(d + 1, f"CLEAN.update(({', '.join(memo_ids)},))")  # str or None
        else:
            em.emit(d, f'if HAS_PII(f"{screen}"):')
            em.emit(d + 1, "return False")

    def check(self, event: Any, size: int, now: float | None = None) -> Rejection | tuple[str, ...]:
        """A Rejection, or the (possibly empty) tuple of unknown fields of an accepted event.

        `size` is the event's length in bytes as received; `now` is the arrival time
        (epoch seconds) used for the future-skew rule.
        """
        lim = self.limits
        if size > self._max_event_bytes:
            return Rejection(
                "too_large", "",
                f"event is {size} bytes; the limit is {lim.max_event_bytes} bytes per event. "
                "Move bulky data out of the event or split it.",
            )  # fmt: skip
        if type(event) is not dict:
            return Rejection(
                "not_an_object", "",
                f"each event must be a JSON object, got {type(event).__name__}; send an object with the envelope fields.",
            )  # fmt: skip
        if not self._env_check(event):
            rej = self._explain(self._envelope, event, "")
            if rej is not None:
                return rej
        name = event["event_name"]
        contract = self._contracts.get((name, event["event_version"]))
        if contract is None:
            return self._unregistered(name, event["event_version"])
        ts = parse_event_ts(event["event_ts"])
        if ts is None:
            return Rejection(
                "bad_timestamp", "/event_ts",
                f"event_ts {event['event_ts']!r} is not an RFC 3339 timestamp with an offset; "
                "send e.g. '2026-10-05T14:03:11.250Z'.",
            )  # fmt: skip
        if ts.timestamp() > (time.time() if now is None else now) + self._skew_s:
            return Rejection(
                "bad_timestamp", "/event_ts",
                f"event_ts {event['event_ts']!r} is more than {lim.max_future_skew_s} s in the future; "
                "check the client clock (events must be stamped when they happen).",
            )  # fmt: skip
        payload = event["payload"]
        if not contract.check(payload):
            rej = self._explain(contract, payload, "/payload")
            if rej is not None:
                return rej
        g = event.get
        # One screen over all identifiers (None renders harmlessly); find the field only on a hit.
        if has_pii(f"{g('anon_id')}\x00{g('user_id')}\x00{g('session_id')}\x00{g('device_id')}"):
            for f in IDENTIFIER_FIELDS:
                v = event.get(f)
                if type(v) is str and (kind := pii_kind(v)) is not None:
                    return Rejection(
                        "pii_detected", f"/{f}",
                        f"{f} looks like an {kind}; identifiers must be opaque ids. "
                        "Send a random or hashed id instead of contact details.",
                    )  # fmt: skip
        if self._env_fields.issuperset(event) and contract.declared.issuperset(payload):
            return ()  # the common case, without building sets
        unknown = event.keys() - self._env_fields
        unknown_payload = payload.keys() - contract.declared
        return tuple(sorted(unknown)) + tuple(sorted(f"payload.{k}" for k in unknown_payload))

    def _unregistered(self, name: str, version: Any) -> Rejection:
        if name not in self._names:
            return Rejection(
                "unknown_event", "/event_name",
                f"event_name {name!r} is not in the schema registry; add schemas/events/{name}/v1.schema.json "
                "or fix the name.",
            )  # fmt: skip
        known = ", ".join(str(v) for v in self.registry.versions(name))
        return Rejection(
            "unknown_version", "/event_version",
            f"{name} has no version {version!r} (registered: {known}); send a registered version "
            f"or add schemas/events/{name}/v{version}.schema.json.",
        )  # fmt: skip

    @staticmethod
    def _explain(contract: Contract, instance: Any, prefix: str) -> Rejection | None:
        """Slow path: the reference validator names the failing field. None if it finds none."""
        error = best_match(contract.validator.iter_errors(instance))
        if error is None:
            # The compiled predicate was stricter than the reference; the contract decides.
            return None
        pointer = pointer_of(error, prefix)
        return Rejection(
            "schema_violation",
            pointer,
            f"{pointer or '/'}: {error.message} (rule: {contract.key} {error.validator}); "
            "fix the field to match schemas/" + contract.key + ".schema.json.",
        )
