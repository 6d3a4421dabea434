"""The DuckDB (RE2) prefilter matches wherever Python's PII patterns do, so no
e-mail or phone number can skip redaction."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lakehouse.privacy.pii import ANY_PII_RE, redact
from lakehouse.silver.clean import tidy
from lakehouse.silver.redact import PII_PREFILTER, re2_superset

SAMPLES = [
    "bob@example.com",
    "mail: a.b+c@mail.co.uk!",
    "+44 7700 900123",
    "0044 7700 900123",
    "(555) 123 4567",
    "555-123-4567",
    "call ٥٥٥-١٢٣-٤٥٦٧",  # Python's \d is Unicode
    "+1 (555) 123-4567",
]
NOT_PII = [
    "evt_01M466KHDGX0V62EJ7X678VBFK",
    "2026-10-05T14:03:11.250Z",
    "/search?page=2",
    "4.12.1",
    "12900",
]


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    yield c
    c.close()


def re2_matches(con: duckdb.DuckDBPyConnection, text: str) -> bool:
    row = con.execute("SELECT regexp_matches(?, ?)", [text, PII_PREFILTER]).fetchone()
    assert row is not None
    return bool(row[0])


def test_lookarounds_are_dropped_and_digits_widened() -> None:
    assert re2_superset(r"(?<![\w+])\d{3}(?!\w)") == r"\p{Nd}{3}"
    assert re2_superset(r"[\d.-]+\b") == r"[\p{Nd}.-]+"


@pytest.mark.parametrize("text", SAMPLES)
def test_known_pii_matches_the_prefilter(con: duckdb.DuckDBPyConnection, text: str) -> None:
    assert ANY_PII_RE.search(text)
    assert re2_matches(con, text)
    assert redact(text) != text


@pytest.mark.parametrize("text", NOT_PII)
def test_plain_values_do_not_match(con: duckdb.DuckDBPyConnection, text: str) -> None:
    assert not re2_matches(con, text)


ALPHABET = "0123456789٣٤ +-.()@abcxyz_%/:"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=30))
def test_prefilter_is_a_superset_of_python(con: duckdb.DuckDBPyConnection, text: str) -> None:
    if ANY_PII_RE.search(text):
        assert re2_matches(con, text), text


def test_tidy_redacts_nested_strings_and_writes_integral_floats_as_ints() -> None:
    value = {"a": ["x bob@example.com", {"bob@example.com": 1.0}], "b": 2.5, "c": True}
    assert tidy(value) == {
        "a": ["x [redacted:email]", {"[redacted:email]": 1}],
        "b": 2.5,
        "c": True,
    }
