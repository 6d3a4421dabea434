"""PII redaction for Silver (PRIV-1), split so the hot path stays in DuckDB.

`lakehouse.privacy.pii` is the one definition of an e-mail or phone number. Its
patterns use lookarounds, which DuckDB's RE2 lacks, so DuckDB runs `PII_PREFILTER`:
the same patterns with the lookarounds dropped (they only ever narrow a match) and
Python's Unicode `\\d` spelled `\\p{Nd}`. Every string Python would redact therefore
matches the prefilter; the few rows that match go through `clean.EventCleaner`,
which applies the real `redact` to every string in the event.
"""

from __future__ import annotations

from lakehouse.privacy.pii import EMAIL_RE, PHONE_RE

_LOOKAROUNDS = ("(?<!", "(?<=", "(?!", "(?=")
# Python (str patterns) → RE2 spellings with at least the same matches.
_CLASS_ESCAPES = {"d": r"\p{Nd}", "w": r"[\p{L}\p{N}_]", "s": r"\s"}


def _group_end(pattern: str, start: int) -> int:
    """Index just past the group opening at `start` (escapes and classes respected)."""
    depth, i, in_class = 0, start, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern.startswith("[]", i) or pattern.startswith("[^]", i):
                i += 2 if pattern[i + 1] == "]" else 3
                continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced group at {start} in {pattern!r}")


def re2_superset(pattern: str) -> str:
    """`pattern` rewritten for RE2 so that it matches wherever Python's would.

    Lookarounds are removed (dropping a condition can only widen the match), `\\b`/`\\B`
    likewise, and `\\d`/`\\w` become their Unicode classes.
    """
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        if not in_class and pattern.startswith(_LOOKAROUNDS, i):
            i = _group_end(pattern, i)
            continue
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            esc = pattern[i + 1]
            if esc in _CLASS_ESCAPES:
                rep = _CLASS_ESCAPES[esc]
                out.append(rep[1:-1] if in_class and rep.startswith("[") else rep)
            elif esc in "bB" and not in_class:
                pass
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class and pattern[i - 1] != "[":
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


PII_PREFILTER = f"{re2_superset(EMAIL_RE.pattern)}|{re2_superset(PHONE_RE.pattern)}"
