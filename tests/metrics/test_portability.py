"""The portability lint: each construct in, the rule codes out, side by side."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lakehouse.cli import main
from lakehouse.errors import SqlPortabilityError
from lakehouse.metrics.portability import RULES, parse, transpile


def codes(sql: str, source: str = "duckdb", target: str = "athena") -> list[str]:
    return sorted(f.code for f in transpile(sql, source, target).findings)


NON_PORTABLE_DUCKDB = [
    ("select epoch_ms(ts) from t", ["D01"]),
    ("select epoch_us(ts), epoch_ns(ts) from t", ["D02", "D02"]),
    ("select dayofweek(d) from t", ["D03"]),
    ("select date_part('isodow', d), datepart('dow', d) from t", ["D04", "D04"]),
    ("select len([1, 2, 3]) from t", ["D05"]),
    ("select median(x), quantile_cont(x, 0.9) from t", ["D06", "D06"]),
    ("select a, count(*) from t group by all", ["D07"]),
    ("select * exclude (a) from t", ["D08"]),
    ("select * replace (a + 1 as a) from t", ["D08"]),
    ("select ts + interval (n) hour from t", ["D09"]),
    ("select payload['k'] from t", ["D10"]),
    ("select mean(x), list_agg(x) from t", ["D11", "D11"]),
]
PORTABLE_DUCKDB = [
    "select isodow(d), extract(year from d) from t",
    "select length('abc'), array_length(l) from t",
    "select a, count(*) from t group by 1",
    "select ts + interval 3 hour, 7 / 2, x / y from t",
    "select avg(x), approx_quantile(x, 0.5) from t",
    "select to_timestamp(1700000000)",
]
NON_PORTABLE_ATHENA = [
    ("select x / y from t", ["A01"]),
    ("select sum(a) / nullif(count(*), 0) from t", ["A01"]),
    ("select m['k'] from t", ["A02"]),
    ("select date_diff('day', a_at, b_at), date_diff('hour', a_dt, b_dt) from t", ["A03", "A03"]),
    ("select approx_percentile(x, 0.5) from t", ["A04"]),
    ("select to_milliseconds(b - a) from t", ["A05"]),
]
PORTABLE_ATHENA = [
    "select cast(x as double) / y, x / 2.0, 1e0 / n, avg(x) / count(*) from t",
    "select element_at(m, 'k'), day_of_week(d) from t",
    "select date_diff('day', a_dt, b_dt), date_diff('day', cast(a as date), cast(b as date)) from t",
    "select to_unixtime(b) - to_unixtime(a) from t",
]


@pytest.mark.parametrize(("sql", "expected"), NON_PORTABLE_DUCKDB)
def test_duckdb_construct_warns(sql: str, expected: list[str]) -> None:
    assert codes(sql) == expected


@pytest.mark.parametrize("sql", PORTABLE_DUCKDB)
def test_portable_duckdb_is_quiet(sql: str) -> None:
    assert codes(sql) == []


@pytest.mark.parametrize(("sql", "expected"), NON_PORTABLE_ATHENA)
def test_athena_construct_warns(sql: str, expected: list[str]) -> None:
    assert codes(sql, "athena", "duckdb") == expected


@pytest.mark.parametrize("sql", PORTABLE_ATHENA)
def test_portable_athena_is_quiet(sql: str) -> None:
    assert codes(sql, "athena", "duckdb") == []


def test_every_rule_is_exercised_and_documented() -> None:
    cases = NON_PORTABLE_DUCKDB + NON_PORTABLE_ATHENA
    exercised = {c for _, expected in cases for c in expected}
    assert exercised == {r.code for r in RULES}
    for rule in RULES:
        assert rule.why and rule.rewrite and rule.construct, rule.code


def test_untranspiled_athena_keeps_only_engine_differences() -> None:
    # a compiled prod model is not transpiled: sqlglot's copy-through rules do not apply,
    # but integer division and map subscripts still differ between the engines
    sql = "select to_milliseconds(b - a), x / y, m['k'] from t"
    assert codes(sql, "athena", "athena") == ["A01", "A02"]


def test_the_spec_example_gets_one_warning_per_construct() -> None:
    res = CliRunner().invoke(
        main,
        ["sql", "transpile", "--sql", "SELECT epoch_ms(ts), dayofweek(d) FROM t GROUP BY ALL",
         "--from", "duckdb", "--to", "athena"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "FROM_UNIXTIME(CAST(ts AS DOUBLE) / POW(10, 3))" in res.stdout
    warnings = [line for line in res.stderr.splitlines() if line.startswith("warning")]
    assert [w.split("[", 1)[1][:3] for w in warnings] == ["D01", "D03", "D07"]
    assert "Portable: write isodow(d)" in res.stderr


def test_strict_fails_on_a_warning_and_passes_clean_sql(tmp_path: Path) -> None:
    bad, good = tmp_path / "bad.sql", tmp_path / "good.sql"
    bad.write_text("select median(x) from t")
    good.write_text("select isodow(d) as dow, count(*) as n from t group by 1")
    assert CliRunner().invoke(main, ["sql", "transpile", str(bad), "--strict"]).exit_code == 1
    res = CliRunner().invoke(main, ["sql", "transpile", str(good), "--strict"])
    assert res.exit_code == 0, res.output
    assert "DAY_OF_WEEK(d)" in res.stdout


def test_unparsable_sql_names_the_dialect() -> None:
    with pytest.raises(SqlPortabilityError, match="does not parse as athena SQL"):
        parse("select from where (", "athena")


def test_file_and_sql_are_exclusive() -> None:
    res = CliRunner().invoke(main, ["sql", "transpile"])
    assert res.exit_code == 1
    assert "exactly one of FILE or --sql" in res.stderr
