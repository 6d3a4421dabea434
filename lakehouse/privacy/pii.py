"""What counts as PII in free text: e-mail addresses and phone numbers (PRIV-1).

One definition used by ingest (identifier fields carrying PII are rejected as
`pii_detected`, because redacting an identifier would silently merge users) and by
the Silver redaction of every other value.
"""

from __future__ import annotations

import re

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# International (+44 …, 0044 7700 …) or separated local numbers (555-123-4567, (555) 123 4567).
# Bare digit runs are not flagged: ids, amounts and timestamps are digit runs too.
PHONE_RE = re.compile(
    r"(?<![\w+])(?:(?:\+\d{1,3}[ .-]?|00\d{1,3}[ .-])(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){1,4}"
    r"|\(?\d{3}\)?[ .-]\d{3}[ .-]\d{3,4})(?!\w)"
)


def pii_kind(text: str) -> str | None:
    """'email' or 'phone' when `text` contains one, else None."""
    if "@" in text and EMAIL_RE.search(text):
        return "email"
    if PHONE_RE.search(text):
        return "phone"
    return None


ANY_PII_RE = re.compile(f"{EMAIL_RE.pattern}|{PHONE_RE.pattern}")


# Every e-mail has '@' and every phone number PHONE_RE matches has '+' or a separator, so
# text with none of these characters holds no PII (ingest's compiled accept path screens
# identifiers with the same characters).
PII_TRIGGERS = "@+ -.("
_TRIGGER = re.compile("[" + re.escape(PII_TRIGGERS) + "]").search


def has_pii(text: str) -> bool:
    """Cheaper yes/no for hot paths; `pii_kind` says which.

    Plain ids (letters, digits, '_') have no trigger character and skip the PII regex:
    one character-class scan is C-speed, a regex scan is microseconds.
    """
    if _TRIGGER(text) is None:
        return False
    return ANY_PII_RE.search(text) is not None


def redact(text: str) -> str:
    """Replace every e-mail and phone number in `text` with a typed placeholder."""
    if not has_pii(text):
        return text
    text = EMAIL_RE.sub("[redacted:email]", text)
    return PHONE_RE.sub("[redacted:phone]", text)


def find_pii(text: str) -> list[tuple[str, str]]:
    """Every (kind, value) `redact` would replace in `text`, e-mails first (same order)."""
    if not has_pii(text):
        return []
    found = [("email", m.group(0)) for m in EMAIL_RE.finditer(text)]
    rest = EMAIL_RE.sub("[redacted:email]", text)
    return found + [("phone", m.group(0)) for m in PHONE_RE.finditer(rest)]


def normalized(kind: str, value: str) -> str:
    """The form that is hashed: e-mails lower-cased; phones as '+' and digits ('00' → '+'),
    so one address or number written two ways hashes the same."""
    if kind == "email":
        return value.strip().lower()
    digits = "".join(ch for ch in value if ch.isdigit())
    if value.lstrip().startswith("+"):
        return "+" + digits
    return "+" + digits[2:] if digits.startswith("00") else digits
