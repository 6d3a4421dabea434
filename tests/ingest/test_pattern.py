"""The C pattern matcher (`_accept.c` atoms_match, from `schema_compile.pattern_atoms`)
gives `re.search`'s answer, and the compiler refuses what greedy matching cannot decide."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakehouse.ingest import _accept
from lakehouse.ingest.schema_compile import node_spec, pattern_atoms

# Every pattern in schemas/ (grep '"pattern"'); the one with a group stays with `re`.
SCHEMA_PATTERNS = {
    r"^[a-z0-9_]{1,64}$": True,
    r"^[A-Z]{3}$": True,
    r"^evt_[0-7][0-9A-HJKMNP-TV-Z]{25}$": True,
    r"^ct_[A-Za-z0-9_-]{6,64}$": True,
    r"^\d+\.\d+\.\d+$": True,
    r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$": False,
    r"^[A-Z]{2}$": True,
    r"^[A-Z0-9]{6,12}$": True,
}
# Characters the mutations draw from: pattern members, near misses, "\n" (which `$`
# allows once at the end), and non-ASCII digits and letters (Python's \d takes "٣").
_NOISE = "aAzZ09_-.e:v t\n٣é"


def _agrees(pattern: str, s: str) -> None:
    expected = re.search(pattern, s) is not None
    atoms = pattern_atoms(pattern)
    assert atoms is not None
    decided = _accept.pattern_match(atoms, s)
    assert decided is (expected if s.isascii() else None), (pattern, s)
    # Through a node as the accept path builds it: non-ASCII strings fall back to `re`.
    assert _accept.Schema(node_spec({"type": "string", "pattern": pattern}))(s) is expected


@st.composite
def _probes(draw: st.DrawFn, pattern: str) -> str:
    """A string the pattern matches, then perhaps mutated, or arbitrary text."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.text(alphabet=_NOISE, max_size=12))
    s = draw(st.from_regex(pattern))
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, len(s)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "tail"]))
        c = draw(st.sampled_from(_NOISE))
        if op == "insert":
            s = s[:i] + c + s[i:]
        elif op == "delete":
            s = s[:i] + s[i + 1 :]
        elif op == "replace":
            s = s[:i] + c + s[i + 1 :]
        else:
            s += draw(st.sampled_from(["\n", "\n\n", "x\n", "٣"]))
    return s


@st.composite
def _schema_case(draw: st.DrawFn) -> tuple[str, str]:
    pattern = draw(st.sampled_from([p for p, ok in SCHEMA_PATTERNS.items() if ok]))
    return pattern, draw(_probes(pattern))


def test_schema_patterns_compile_as_stated() -> None:
    assert {p: pattern_atoms(p) is not None for p in SCHEMA_PATTERNS} == SCHEMA_PATTERNS
    # One read by hand: "evt_", then one of 0-7, then 25 of a 32-symbol alphabet.
    atoms = pattern_atoms(r"^evt_[0-7][0-9A-HJKMNP-TV-Z]{25}$")
    assert atoms is not None
    members = [
        ("".join(chr(c) for c in range(128) if int.from_bytes(cls, "little") >> c & 1), lo, hi)
        for cls, lo, hi in atoms
    ]
    crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert members == [*((c, 1, 1) for c in "evt_"), ("01234567", 1, 1), (crockford, 25, 25)]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_schema_case())
def test_schema_patterns_match_like_re(case: tuple[str, str]) -> None:
    _agrees(*case)


# Atoms for generated patterns: sources re.fullmatch reads on its own, so the classes
# below come from `re`, not from the compiler under test.
_ATOM_SOURCES = ["a", "b", "-", r"\.", r"\-", r"\d", "[a-c]", "[ab]", "[0-9_]", r"[\d.]"]
_ATOM_SOURCES += ["[-a]", "[b-]", "[A-Za-z0-9_-]", "[--/]", r"[\.-1]", "[ -#]"]
_QUANTS = {"": (1, 1), "?": (0, 1), "*": (0, -1), "+": (1, -1), "{2}": (2, 2)}
_QUANTS |= {"{1,3}": (1, 3), "{2,}": (2, -1), "{0,2}": (0, 2)}


def _re_class(src: str) -> frozenset[str]:
    return frozenset(chr(c) for c in range(128) if re.fullmatch(src, chr(c)))


def _greedy_is_exact(atoms: list[tuple[str, str]]) -> bool:
    """Each variable-length atom shares no character with what can follow it (the atoms
    up to and including the next one that must match at least once)."""
    for k, (src, q) in enumerate(atoms):
        lo, hi = _QUANTS[q]
        if lo == hi:
            continue
        for nsrc, nq in atoms[k + 1 :]:
            if _re_class(src) & _re_class(nsrc):
                return False
            if _QUANTS[nq][0] > 0:
                break
    return True


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(_ATOM_SOURCES), st.sampled_from(list(_QUANTS))), max_size=5),
    st.data(),
)
def test_generated_patterns_compile_exactly_when_greedy_is_exact(
    atoms: list[tuple[str, str]], data: st.DataObject
) -> None:
    pattern = "^" + "".join(src + q for src, q in atoms) + "$"
    compiled = pattern_atoms(pattern)
    assert (compiled is not None) is _greedy_is_exact(atoms), pattern
    if compiled is not None:
        assert [(lo, hi) for _, lo, hi in compiled] == [_QUANTS[q] for _, q in atoms]
        for _ in range(5):
            _agrees(pattern, data.draw(_probes(pattern)))


@pytest.mark.parametrize(
    "pattern",
    [
        r"^(ab)$",  # a group
        r"^a|b$",  # alternation
        r"^[a-z]*[a-z]$",  # greedy would take the last letter the next atom needs
        r"^a?b?a$",  # the same across an optional atom
        r"^\w+$",  # \w, \s, \n and `.` are outside the subset
        r"^\s$",
        r"^a\n$",
        r"^.$",
        r"^[^a]$",  # negated class
        r"^a+?$",  # lazy
        r"^a{,3}$",
        r"(?i)^a$",  # flags
        r"^é$",  # non-ASCII
        r"^a",  # unanchored
        r"a$",
        r"^a\$",  # an escaped `$` is not the anchor
    ],
)
def test_compiler_refuses_what_greedy_matching_cannot_decide(pattern: str) -> None:
    assert pattern_atoms(pattern) is None
