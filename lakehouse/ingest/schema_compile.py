"""Compile the JSON Schema subset used in `schemas/` into plain Python predicates.

Why: the generic validators are the bottleneck of ingest (SPEC §0: `jsonschema`
≈ 2 k events/s, `fastjsonschema` ≈ 33 k/s per core). Our schemas use a small,
documented subset of Draft 2020-12, so we generate one straight-line function per
schema that only answers *valid or not*. When it says no, `jsonschema` (the
reference implementation) explains where and why — rejections are rare, so the
slow path costs nothing in practice. Tests check that both agree.

A keyword outside the subset is refused when the registry loads, never ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from lakehouse.errors import SchemaRegistryError

SUPPORTED_KEYWORDS = frozenset(
    {
        "$schema", "$id", "$comment", "title", "description", "examples", "default",
        "type", "required", "properties", "additionalProperties", "enum", "const",
        "pattern", "minLength", "maxLength", "minimum", "maximum", "format", "items",
        "if", "then", "else",
    }
)  # fmt: skip
_TYPE_TESTS = {
    "string": "type({v}) is str",
    "boolean": "type({v}) is bool",
    "null": "{v} is None",
    "object": "type({v}) is dict",
    "array": "type({v}) is list",
    # Draft 2020-12: 1.0 is an integer; booleans are never numbers.
    "integer": "(type({v}) is int or (type({v}) is float and {v}.is_integer()))",
    "number": "type({v}) in (int, float)",
}
_MISSING = object()

Predicate = Callable[[Any], bool]


class _Emitter:
    """Accumulates generated source and the constants it refers to."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.lines: list[str] = []
        self.consts: dict[str, Any] = {"MISSING": _MISSING}
        self._n = 0

    def name(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def const(self, value: Any, prefix: str = "K") -> str:
        key = self.name(prefix)
        self.consts[key] = value
        return key

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)


def _check_keywords(schema: dict[str, Any], where: str) -> None:
    unknown = sorted(set(schema) - SUPPORTED_KEYWORDS)
    if unknown:
        raise SchemaRegistryError(
            f"{where}: keyword(s) {', '.join(unknown)} are outside the supported subset "
            f"({', '.join(sorted(SUPPORTED_KEYWORDS))}); rewrite the schema with those keywords."
        )
    if schema.get("additionalProperties", True) is not True:
        raise SchemaRegistryError(
            f"{where}: additionalProperties must be true or absent — unknown fields are flagged, "
            "not rejected (SPEC ING-4)."
        )
    fmt = schema.get("format")
    if fmt is not None and fmt != "date-time":
        raise SchemaRegistryError(f"{where}: format {fmt!r} is not supported; only 'date-time'.")


def _json_equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 ≠ true, 1 == 1.0, and the same inside arrays and objects (Python's
    `[1] == [True]` would let an enum of arrays accept what JSON Schema rejects)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if type(a) is not type(b):
        return False
    if type(a) is list:
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is dict:
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _json_equal_in(value: Any, options: tuple[Any, ...]) -> bool:
    """JSON equality for enum/const against each option."""
    return any(_json_equal(value, opt) for opt in options)


_SIMPLE_KEYS = SUPPORTED_KEYWORDS - {"properties", "required", "items", "if", "then", "else"}
_NOT_TYPE = {
    "string": "type({v}) is not str",
    "boolean": "type({v}) is not bool",
    "object": "type({v}) is not dict",
    "array": "type({v}) is not list",
    "integer": "(type({v}) is not int and not (type({v}) is float and {v}.is_integer()))",
    "number": "type({v}) not in (int, float)",
}


def _invalid_expr(em: _Emitter, schema: dict[str, Any], var: str, where: str) -> str | None:
    """One short-circuit expression that is true when `var` is invalid, for leaf schemas
    with a single non-null type (optionally nullable). None when the schema is not a leaf."""
    if not schema.keys() <= _SIMPLE_KEYS:
        return None
    if "type" not in schema:
        # A bare const/enum of strings: "must be one of these strings".
        values = (schema["const"],) if "const" in schema else tuple(schema.get("enum", ()))
        rest = schema.keys() - {"const", "enum", "title", "description", "$comment", "examples"}
        if (
            values
            and not rest
            and len(schema.keys() & {"const", "enum"}) == 1
            and all(type(v) is str for v in values)
        ):
            return f"(type({var}) is not str or {var} not in {em.const(frozenset(values))})"
        return None
    types = [schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])
    nullable = "null" in types
    types = [t for t in types if t != "null"]
    if len(types) != 1 or types[0] not in _NOT_TYPE:
        return None
    t = types[0]
    parts = [_NOT_TYPE[t].format(v=var)]
    if t == "string":
        if "minLength" in schema:
            parts.append(f"len({var}) < {int(schema['minLength'])}")
        if "maxLength" in schema:
            parts.append(f"len({var}) > {int(schema['maxLength'])}")
        if "pattern" in schema:
            parts.append(f"{em.const(_regex(schema['pattern'], where).search, 'P')}({var}) is None")
    elif t in ("integer", "number"):
        if "minimum" in schema:
            parts.append(f"{var} < {schema['minimum']!r}")
        if "maximum" in schema:
            parts.append(f"{var} > {schema['maximum']!r}")
    elif any(k in schema for k in ("minLength", "maxLength", "pattern", "minimum", "maximum")):
        return None  # keywords that do not apply to this type: let the general path handle it
    if nullable and ("enum" in schema or "const" in schema):
        return None  # null must match the enum/const too: the general path checks it
    for key in ("enum", "const"):
        if key in schema:
            values = tuple(schema[key]) if key == "enum" else (schema[key],)
            if t == "string" and all(type(x) is str for x in values):
                parts.append(f"{var} not in {em.const(frozenset(values))}")
            else:
                parts.append(f"not _json_equal_in({var}, {em.const(values)})")
    expr = " or ".join(parts)
    return f"({var} is not None and ({expr}))" if nullable else f"({expr})"


def _valid_expr(em: _Emitter, schema: Any, var: str, where: str) -> str | None:
    """An expression true when `var` satisfies `schema`, for `true` and for flat object
    schemas (leaf properties, required, const/enum leaves). None otherwise."""
    if schema is True or schema == {}:
        return "True"
    if not isinstance(schema, dict) or not schema.keys() <= {
        "properties",
        "required",
        "type",
        "title",
        "description",
        "$comment",
    }:
        return None
    if schema.get("type", "object") != "object":
        return None
    _check_keywords(schema, where)
    parts = [f"type({var}) is not dict"] if "type" in schema else []
    guard = [f"type({var}) is dict"]
    for req in schema.get("required", []):
        guard.append(f"{req!r} in {var}")
    for pname, psch in schema.get("properties", {}).items():
        if psch is True:
            continue
        if not isinstance(psch, dict):
            return None
        pv = f"{var}[{pname!r}]"
        leaf = _invalid_expr(em, psch, pv, f"{where}/properties/{pname}")
        if leaf is None:
            return None
        if pname in schema.get("required", []):
            guard.append(f"not {leaf}")  # presence is tested earlier in the same `and` chain
        else:
            guard.append(f"({pname!r} not in {var} or not {leaf})")
    if parts:
        return f"(not ({parts[0]}) and {' and '.join(guard)})"
    # Without "type": object, non-objects pass vacuously.
    return f"(type({var}) is not dict or ({' and '.join(guard[1:]) or 'True'}))"


def _regex(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise SchemaRegistryError(f"{where}: pattern {pattern!r} does not compile: {exc}") from exc


# -- patterns the C accept path matches without `re` ---------------------------------
# A compiled pattern is a tuple of atoms (class, min, max): `class` is 32 bytes, bit c
# set when the ASCII character c belongs; max -1 is unbounded. `_accept.c` matches the
# atoms greedily, left to right, against the whole string (bar one final "\n", which `$`
# allows), deciding ASCII strings only.
PatternAtom = tuple[bytes, int, int]

_DIGITS = frozenset(range(ord("0"), ord("9") + 1))
_PUNCT = frozenset(map(ord, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"))
_META = frozenset(map(ord, ".^$*+?{}[]\\|()"))
_QUANT = re.compile(r"\{(\d+)(?:(,)(\d*))?\}|[+*?]")


def _escape(src: str, i: int) -> tuple[frozenset[int], int] | None:
    r"""The class of the escape at `src[i]` (a backslash), and where it ends; None outside
    the subset (`\w`, `\s`, `\n`, …: not worth their edge cases)."""
    if i + 1 >= len(src):
        return None
    c = ord(src[i + 1])
    if src[i + 1] == "d":
        return _DIGITS, i + 2
    return (frozenset((c,)), i + 2) if c in _PUNCT else None


def _bracket(src: str, i: int) -> tuple[frozenset[int], int] | None:
    """The class of `[...]` starting at `src[i]`, and where it ends; None for a negated
    class, a leading `]`, a nested `[` or a member outside printable ASCII."""
    i += 1
    if i >= len(src) or src[i] in "^]":
        return None
    members: set[int] = set()
    while i < len(src) and src[i] != "]":
        if src[i] == "\\":
            esc = _escape(src, i)
            if esc is None:
                return None
            cls, i = esc
        elif src[i] == "[" or not " " <= src[i] <= "~":
            return None
        else:
            cls, i = frozenset((ord(src[i]),)), i + 1
        # `a-z`; a `-` first or last in the class is literal (re.compile has already
        # refused a reversed range or a range from `\d`).
        if i + 1 < len(src) and src[i] == "-" and src[i + 1] != "]" and len(cls) == 1:
            end = (
                _escape(src, i + 1)
                if src[i + 1] == "\\"
                else (frozenset((ord(src[i + 1]),)), i + 2)
            )
            if end is None or len(end[0]) != 1 or not " " <= chr(min(end[0])) <= "~":
                return None
            cls, i = frozenset(range(min(cls), min(end[0]) + 1)), end[1]
        members |= cls
    return (frozenset(members), i + 1) if i < len(src) else None


def pattern_atoms(pattern: str) -> tuple[PatternAtom, ...] | None:
    r"""`pattern` as atoms for the C matcher, or None when it is outside the subset:
    `^`, then literal ASCII characters, escaped punctuation, `\d` or `[...]` classes, each
    with an optional `{n}`, `{m,n}`, `{m,}`, `+`, `*` or `?`, then `$`.

    Greedy matching gives the regex's answer only when no variable-length atom could hand
    a character to what follows it, so a pattern is compiled only when each such atom's
    class is disjoint from every class that can come next (up to the next atom that must
    match at least once). No class holds a newline, so the final one that `$` allows is
    never an atom's to take; `re.compile` has already vetted the syntax."""
    if len(pattern) < 2 or pattern[0] != "^" or pattern[-1] != "$" or pattern[-2] == "\\":
        return None
    src, i = pattern[1:-1], 0
    atoms: list[tuple[frozenset[int], int, int]] = []
    while i < len(src):
        if src[i] == "\\":
            got = _escape(src, i)
        elif src[i] == "[":
            got = _bracket(src, i)
        elif " " <= src[i] <= "~" and ord(src[i]) not in _META:
            got = frozenset((ord(src[i]),)), i + 1
        else:
            return None
        if got is None:
            return None
        cls, i = got
        lo, hi = 1, 1
        q = _QUANT.match(src, i)
        if q is not None:
            i = q.end()
            if q[0] in "+*?":
                lo, hi = {"+": (1, -1), "*": (0, -1), "?": (0, 1)}[q[0]]
            else:
                lo = int(q[1])
                hi = lo if q[2] is None else (int(q[3]) if q[3] else -1)
                if -1 < hi < lo:  # re.compile refuses it; never reached from node_spec
                    return None
            if i < len(src) and src[i] in "?+{":  # lazy, possessive or a second quantifier
                return None
        atoms.append((cls, lo, hi))
    for k, (cls, lo, hi) in enumerate(atoms):
        if lo == hi:
            continue
        for nxt, nlo, _ in atoms[k + 1 :]:
            if cls & nxt:
                return None
            if nlo > 0:
                break
    return tuple((sum(1 << c for c in cls).to_bytes(32, "little"), lo, hi) for cls, lo, hi in atoms)


def _emit_node(em: _Emitter, schema: Any, var: str, depth: int, where: str) -> None:
    """Emit statements that `return False` when `var` violates `schema`."""
    if schema is True:
        return
    if schema is False:
        em.emit(depth, "return False")
        return
    if not isinstance(schema, dict):
        raise SchemaRegistryError(f"{where}: a schema must be an object or a boolean.")
    _check_keywords(schema, where)

    leaf = _invalid_expr(em, schema, var, where)
    if leaf is not None:
        em.emit(depth, f"if {leaf}:")
        em.emit(depth + 1, "return False")
        return

    types = schema.get("type")
    if types is not None:
        tlist = [types] if isinstance(types, str) else list(types)
        bad = [t for t in tlist if t not in _TYPE_TESTS]
        if bad:
            raise SchemaRegistryError(f"{where}: unknown type(s) {bad}.")
        cond = " or ".join(_TYPE_TESTS[t].format(v=var) for t in tlist)
        em.emit(depth, f"if not ({cond}):")
        em.emit(depth + 1, "return False")

    if "const" in schema:
        k = em.const((schema["const"],))
        em.emit(depth, f"if not _json_equal_in({var}, {k}):")
        em.emit(depth + 1, "return False")
    if "enum" in schema:
        k = em.const(tuple(schema["enum"]))
        em.emit(depth, f"if not _json_equal_in({var}, {k}):")
        em.emit(depth + 1, "return False")

    # String and number keywords apply to those types only (JSON Schema semantics).
    str_checks: list[str] = []
    if "minLength" in schema:
        str_checks.append(f"len({var}) < {int(schema['minLength'])}")
    if "maxLength" in schema:
        str_checks.append(f"len({var}) > {int(schema['maxLength'])}")
    if "pattern" in schema:
        str_checks.append(
            f"{em.const(_regex(schema['pattern'], where).search, 'P')}({var}) is None"
        )
    if str_checks:
        em.emit(depth, f"if type({var}) is str and ({' or '.join(str_checks)}):")
        em.emit(depth + 1, "return False")
    num_checks: list[str] = []
    if "minimum" in schema:
        num_checks.append(f"{var} < {schema['minimum']!r}")
    if "maximum" in schema:
        num_checks.append(f"{var} > {schema['maximum']!r}")
    if num_checks:
        em.emit(depth, f"if type({var}) in (int, float) and ({' or '.join(num_checks)}):")
        em.emit(depth + 1, "return False")

    required = schema.get("required", [])
    props: dict[str, Any] = schema.get("properties", {})
    if required or props:
        if types in ("object", ["object"]):
            inner = depth  # the type test above already returned False for non-objects
        else:
            em.emit(depth, f"if type({var}) is dict:")
            inner = depth + 1
        if required:
            missing = " or ".join(f"{r!r} not in {var}" for r in required)
            em.emit(inner, f"if {missing}:")
            em.emit(inner + 1, "return False")
        get = em.name("g")
        if any(p not in required for p in props):
            em.emit(inner, f"{get} = {var}.get")
        for pname, psch in props.items():
            if psch is True:
                continue
            pv = em.name("v")
            nullable = isinstance(psch, dict) and "null" in (
                [psch.get("type")] if isinstance(psch.get("type"), str) else psch.get("type") or []
            )
            leaf_p = (
                _invalid_expr(em, psch, pv, f"{where}/properties/{pname}")
                if isinstance(psch, dict)
                else None
            )
            if leaf_p is not None and (nullable or pname in required):
                # Missing and null are both fine (nullable) or impossible (required): no sentinel.
                _check_keywords(psch, f"{where}/properties/{pname}")
                # A required property is known to be present: subscript, not a method call.
                fetch = f"{var}[{pname!r}]" if pname in required else f"{get}({pname!r})"
                em.emit(inner, f"{pv} = {fetch}")
                em.emit(inner, f"if {leaf_p}:")
                em.emit(inner + 1, "return False")
                continue
            if pname in required:
                em.emit(inner, f"{pv} = {var}[{pname!r}]")
                _emit_node(em, psch, pv, inner, f"{where}/properties/{pname}")
                continue
            em.emit(inner, f"{pv} = {get}({pname!r}, MISSING)")
            em.emit(inner, f"if {pv} is not MISSING:")
            before = len(em.lines)
            _emit_node(em, psch, pv, inner + 1, f"{where}/properties/{pname}")
            if len(em.lines) == before:
                em.emit(inner + 1, "pass")

    if "items" in schema:
        fn = _compile_sub(em, schema["items"], f"{where}/items")
        em.emit(depth, f"if type({var}) is list:")
        em.emit(depth + 1, f"for _it in {var}:")
        em.emit(depth + 2, f"if not {fn}(_it):")
        em.emit(depth + 3, "return False")

    if "if" in schema:
        exprs = [
            _valid_expr(em, schema.get(k, True), var, f"{where}/{k}")
            for k in ("if", "then", "else")
        ]
        if all(e is not None for e in exprs):
            em.emit(depth, f"if not (({exprs[1]}) if ({exprs[0]}) else ({exprs[2]})):")
            em.emit(depth + 1, "return False")
            return
        f_if = _compile_sub(em, schema["if"], f"{where}/if")
        f_then = _compile_sub(em, schema.get("then", True), f"{where}/then")
        f_else = _compile_sub(em, schema.get("else", True), f"{where}/else")
        em.emit(depth, f"if not ({f_then} if {f_if}({var}) else {f_else})({var}):")
        em.emit(depth + 1, "return False")


def _compile_sub(em: _Emitter, schema: Any, where: str) -> str:
    """Compile a sub-schema into its own predicate (used by items and if/then/else)."""
    pred = compile_schema(schema, where)
    return em.const(pred, "F")


def compile_schema(schema: Any, where: str = "schema") -> Predicate:
    """Return `f(instance) -> bool`, true exactly when `instance` satisfies `schema`.

    `where` names the schema in error messages (e.g. the file path).
    """
    em = _Emitter(where)
    _emit_node(em, schema, "x", 1, where)
    body = em.lines or ["    pass"]
    consts = {"_json_equal_in": _json_equal_in, **em.consts}
    # Constants become default arguments: fast locals instead of global lookups.
    params = ", ".join(["x", *(f"{k}={k}" for k in consts)])
    em.lines = [f"def _validate({params}):", *body, "    return True"]
    namespace: dict[str, Any] = dict(consts)
    exec(compile("\n".join(em.lines), f"<schema {where}>", "exec"), namespace)
    fn: Predicate = namespace["_validate"]
    fn.__doc__ = f"Compiled validator for {where}."
    return fn


# Type bits of the compiled C accept path (lakehouse/ingest/_accept.c: T_STR …).
_TYPE_BITS = {
    "string": 1,
    "boolean": 2,
    "null": 4,
    "object": 8,
    "array": 16,
    "integer": 32,
    "number": 64,
}


def decoded_key(key: str) -> str:
    """`key` as the str object orjson gives decoded objects: orjson caches short keys and
    hands out the same object each time, so the compiled path's dict lookups in decoded
    events match by identity instead of comparing strings (~10% of its time). Should
    the cache hand out another object, a lookup only compares the strings again."""
    decoded = orjson.loads(orjson.dumps({key: 0}))
    return next(iter(decoded))


def node_spec(schema: Any, where: str = "schema") -> Any:
    """The tuple tree `_accept.c` builds its validator from: the same subset and the
    same semantics as `compile_schema` (tests check both against `jsonschema`).

    None stands for the schema `true`; otherwise (never, type bits, minLength, maxLength,
    pattern search, string enums, other enums, minimum, maximum, required, properties,
    items, (if,) or None, then, else, pattern atoms): the atoms (`pattern_atoms`) let C
    match ASCII strings without `re`; None keeps the pattern's search for every string.
    """
    if schema is True:
        return None
    if schema is False:
        return (True, 0, -1, -1, None, None, None, None, None, (), (), None, None, None, None, None)
    if not isinstance(schema, dict):
        raise SchemaRegistryError(f"{where}: a schema must be an object or a boolean.")
    _check_keywords(schema, where)
    types = schema.get("type")
    bits = 0
    if types is not None:
        for t in [types] if isinstance(types, str) else list(types):
            if t not in _TYPE_BITS:
                raise SchemaRegistryError(f"{where}: unknown type(s) {[t]}.")
            bits |= _TYPE_BITS[t]
    str_enums: list[frozenset[str]] = []
    json_enums: list[tuple[Any, ...]] = []
    for key in ("const", "enum"):
        if key in schema:
            values = (schema[key],) if key == "const" else tuple(schema[key])
            if values and all(type(v) is str for v in values):
                str_enums.append(frozenset(values))
            else:
                json_enums.append(values)
    props = tuple(
        (decoded_key(k), node_spec(v, f"{where}/properties/{k}"))
        for k, v in schema.get("properties", {}).items()
    )
    cond = None
    if "if" in schema:
        cond = (node_spec(schema["if"], f"{where}/if"),)
    return (
        False,
        bits,
        int(schema.get("minLength", -1)),
        int(schema.get("maxLength", -1)),
        _regex(schema["pattern"], where).search if "pattern" in schema else None,
        tuple(str_enums) or None,
        tuple(json_enums) or None,
        schema.get("minimum"),
        schema.get("maximum"),
        tuple(decoded_key(k) for k in schema.get("required", ())),
        props,
        node_spec(schema["items"], f"{where}/items") if "items" in schema else None,
        cond,
        node_spec(schema.get("then", True), f"{where}/then") if cond else None,
        node_spec(schema.get("else", True), f"{where}/else") if cond else None,
        pattern_atoms(schema["pattern"]) if "pattern" in schema else None,
    )
