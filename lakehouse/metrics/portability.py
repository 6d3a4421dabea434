"""Portability lint: SQL constructs that DuckDB and Athena (Trino) read differently.

One table of rules owns the knowledge (CLOUD-4). Each rule names the construct, why it is
not portable (sqlglot mis-translates it, or the two engines give different answers) and
the portable rewrite. A rule matches one sqlglot AST node and applies either when SQL is
transpiled from one dialect to the other (`transpile_only`) or whenever SQL must mean the
same on both engines (compiled dbt models, metric files).

Verified on sqlglot 30.30.0: DuckDB `7/2` and `x/y` are transpiled correctly (a cast to
DOUBLE is added), so DuckDB-side division is not a rule; Athena-side division is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from lakehouse.errors import SqlPortabilityError

DIALECTS = ("duckdb", "athena")
_FLOAT_TYPES = {
    exp.DataType.Type.DOUBLE,
    exp.DataType.Type.FLOAT,
    exp.DataType.Type.DECIMAL,
}
# Functions whose result is a double on both engines, so dividing by them is float division.
_FLOAT_FUNCS = (exp.Avg, exp.Stddev, exp.StddevSamp, exp.StddevPop, exp.Variance, exp.Pow)
_STRINGY = (exp.Lower, exp.Upper, exp.Trim, exp.Substring, exp.Concat, exp.DPipe)
_DATE_UNITS = {"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}


@dataclass(frozen=True)
class Rule:
    """One non-portable construct: where it applies, how to spot it, what to write instead."""

    code: str
    construct: str
    why: str
    rewrite: str
    source: str  # dialect the SQL is written in: "duckdb" or "athena"
    match: Callable[[exp.Expr], bool]
    transpile_only: bool = True  # False: matters even when the SQL is not transpiled


@dataclass(frozen=True)
class Finding:
    code: str
    construct: str
    snippet: str
    why: str
    rewrite: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.construct}: `{self.snippet}` — {self.why} Portable: {self.rewrite}"


@dataclass(frozen=True)
class Transpiled:
    sql: str
    findings: list[Finding]


def _anon(*names: str) -> Callable[[exp.Expr], bool]:
    wanted = set(names)
    return lambda n: isinstance(n, exp.Anonymous) and str(n.name).lower() in wanted


def _date_part(*parts: str) -> Callable[[exp.Expr], bool]:
    """DuckDB date_part/datepart('<part>', x): sqlglot copies it verbatim; Trino has none."""
    wanted = set(parts)

    def match(n: exp.Expr) -> bool:
        if not (isinstance(n, exp.Anonymous) and str(n.name).lower() in ("date_part", "datepart")):
            return False
        first = n.expressions[0] if n.expressions else None
        part = first.name.lower() if isinstance(first, exp.Literal) else ""
        return not wanted or part in wanted

    return match


def _is_float(node: exp.Expr) -> bool:
    node = node.unnest()
    if isinstance(node, exp.Cast | exp.TryCast):
        return node.to.this in _FLOAT_TYPES
    if isinstance(node, exp.Literal) and not node.is_string:
        return any(c in node.name.lower() for c in ".e")
    if isinstance(node, _FLOAT_FUNCS):
        return True
    if isinstance(node, exp.Nullif | exp.Coalesce | exp.Neg):
        return _is_float(node.this)
    if isinstance(node, exp.Mul | exp.Add | exp.Sub | exp.Div):
        return _is_float(node.left) or _is_float(node.right)
    return False


def _integer_division(n: exp.Expr) -> bool:
    return isinstance(n, exp.Div) and not (_is_float(n.left) or _is_float(n.right))


def _map_subscript(n: exp.Expr) -> bool:
    # element_at(m, 'k') parses to a "safe" Bracket: that one is the portable spelling
    return (
        isinstance(n, exp.Bracket)
        and not n.args.get("safe")
        and any(isinstance(e, exp.Literal) and e.is_string for e in n.expressions)
    )


def _list_length(n: exp.Expr) -> bool:
    arg = n.this if isinstance(n, exp.Length) else None
    if arg is None:
        return False
    return not (isinstance(arg, exp.Literal) and arg.is_string) and not isinstance(arg, _STRINGY)


def _computed_interval(n: exp.Expr) -> bool:
    return isinstance(n, exp.Interval) and not isinstance(n.this, exp.Literal | type(None))


def _timestamp_date_diff(n: exp.Expr) -> bool:
    """Trino counts whole units elapsed, DuckDB counts unit boundaries crossed: equal only
    for day-or-coarser units between dates."""
    if not isinstance(n, exp.DateDiff):
        return False
    unit = (n.unit.name if n.unit else "DAY").upper()

    def is_date(e: exp.Expr) -> bool:
        if isinstance(e, exp.Cast | exp.TsOrDsToDate | exp.Date):
            return isinstance(e, exp.TsOrDsToDate | exp.Date) or e.to.this == exp.DataType.Type.DATE
        return isinstance(e, exp.Column) and e.name.endswith("_dt")

    return unit not in _DATE_UNITS or not (is_date(n.this) and is_date(n.expression))


RULES: tuple[Rule, ...] = (
    # --- written in DuckDB, transpiled to Athena -------------------------------------------
    Rule("D01", "epoch_ms(timestamp)",
         "on a timestamp DuckDB returns its epoch milliseconds; sqlglot reads it as "
         "epoch_ms(bigint)→timestamp and writes FROM_UNIXTIME(ts / 1000).",
         "Athena: cast(to_unixtime(ts) * 1000 as bigint); in dbt use the "
         "millis_between macro.", "duckdb", lambda n: isinstance(n, exp.UnixToTime)
         and n.args.get("scale") is not None and n.text("scale") == "3"),
    Rule("D02", "epoch_us / epoch_ns",
         "sqlglot does not know them and copies them verbatim; Athena has neither.",
         "Athena: cast(to_unixtime(ts) * 1e6 as bigint) (microsecond precision is lost "
         "past milliseconds); in dbt add a dispatched macro.", "duckdb",
         _anon("epoch_us", "epoch_ns")),
    Rule("D03", "dayofweek(d)",
         "DuckDB numbers Sunday=0..Saturday=6; sqlglot writes (DAY_OF_WEEK(d) % 7) + 1, "
         "which is Sunday=1..Saturday=7 — every day shifted by one.",
         "write isodow(d) (Monday=1..Sunday=7), which becomes day_of_week(d) in Athena.",
         "duckdb", lambda n: isinstance(n, exp.DayOfWeek)),
    Rule("D04", "date_part('isodow'|'dow'|…, d) / datepart",
         "sqlglot copies date_part verbatim and Athena has no date_part function.",
         "extract(year from d) for standard parts; isodow(d) → day_of_week(d) for "
         "weekdays.", "duckdb", _date_part()),
    Rule("D05", "len(list) / length(list)",
         "sqlglot writes LENGTH(), which in Athena takes only strings.",
         "cardinality(list) for lists (DuckDB: array_length(list)); length(s) only for "
         "strings.", "duckdb", _list_length),
    Rule("D06", "median(x) / quantile_cont(x, q)",
         "sqlglot writes PERCENTILE_CONT(x, q), which Athena does not have; Athena only "
         "has approx_percentile (approximate).",
         "approx_percentile(x, q) if an approximation is acceptable; an exact median "
         "needs row_number() over (order by x) and the middle row(s).", "duckdb",
         lambda n: isinstance(n, exp.Median | exp.PercentileCont | exp.PercentileDisc)),
    Rule("D07", "GROUP BY ALL",
         "copied verbatim; Trino reads ALL as a set quantifier and fails.",
         "list the grouping columns or their ordinals: group by 1, 2.", "duckdb",
         lambda n: isinstance(n, exp.Group) and bool(n.args.get("all")),
         transpile_only=False),
    Rule("D08", "SELECT * EXCLUDE (…) / * REPLACE (…)",
         "sqlglot writes * EXCEPT / * REPLACE; Trino has neither.",
         "list the columns you want explicitly.", "duckdb",
         lambda n: isinstance(n, exp.Star) and bool(n.args.get("except_") or n.args.get("replace")),
         transpile_only=False),
    Rule("D09", "INTERVAL (expr) unit",
         "a computed interval is copied verbatim; Trino intervals take only string "
         "literals.", "date_add('hour', n, ts) (DuckDB: ts + to_hours(n)).", "duckdb",
         _computed_interval, transpile_only=False),
    Rule("D10", "map['key'] subscript",
         "DuckDB returns NULL for a missing key; Athena fails the query.",
         "element_at(map, 'key') (NULL when missing on both); in dbt use the "
         "payload_value macro.", "duckdb", _map_subscript, transpile_only=False),
    Rule("D11", "DuckDB-only function",
         "sqlglot does not know it and copies it verbatim into the Athena SQL.",
         "mean → avg, list_agg → array_agg; otherwise find the Trino function.",
         "duckdb", _anon("mean", "list_agg", "list_value", "hash", "to_hours", "to_days",
                         "to_minutes", "to_seconds", "strptime", "epoch")),
    # --- written in Athena (metrics, compiled prod models), run on DuckDB ------------------
    Rule("A01", "integer / integer",
         "Trino divides integers as integers (7/2 = 3), DuckDB as doubles (3.5), and "
         "sqlglot copies the `/` unchanged.",
         "cast(numerator as double) / denominator (or a decimal literal like 1000.0).",
         "athena", _integer_division, transpile_only=False),
    Rule("A02", "map['key'] subscript",
         "Athena fails the query on a missing key; DuckDB returns NULL.",
         "element_at(map, 'key').", "athena", _map_subscript, transpile_only=False),
    Rule("A03", "date_diff(unit, a, b) on timestamps or sub-day units",
         "Trino counts whole units elapsed, DuckDB counts unit boundaries crossed "
         "(23:50→00:10 is 0 days on Athena, 1 on DuckDB); sqlglot copies it unchanged.",
         "compare seconds: (to_unixtime(b) - to_unixtime(a)) / 86400.0, or date_diff "
         "between cast(… as date) values.", "athena", _timestamp_date_diff),
    Rule("A04", "approx_percentile(x, q)",
         "becomes approx_quantile in DuckDB: both approximate, with different "
         "algorithms, so local and Athena numbers differ.",
         "an exact rank-based percentile (row_number / count) if the metric must match.",
         "athena", lambda n: isinstance(n, exp.ApproxQuantile)),
    Rule("A05", "Trino-only function",
         "sqlglot does not know it and copies it verbatim into the DuckDB SQL, where it "
         "is missing or means something else (DuckDB to_milliseconds(n) builds an interval).",
         "to_milliseconds(b - a) → (to_unixtime(b) - to_unixtime(a)) * 1000; otherwise "
         "use a function sqlglot translates.", "athena",
         _anon("to_milliseconds", "to_unixtime_ms", "from_iso8601_timestamp",
               "format_datetime", "parse_datetime", "date_parse", "try", "at_timezone")),
)  # fmt: skip


def _check_dialect(name: str, role: str) -> None:
    if name not in DIALECTS:
        raise SqlPortabilityError(
            f"--{role} {name!r} is not a supported dialect; use one of {', '.join(DIALECTS)}."
        )


def parse(sql: str, dialect: str, *, origin: str = "the SQL") -> list[exp.Expr]:
    """Every statement of `sql` in `dialect`; a `SqlPortabilityError` names what failed."""
    _check_dialect(dialect, "from")
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        where = f" at line {first.get('line')}, column {first.get('col')}" if first else ""
        raise SqlPortabilityError(
            f"{origin} does not parse as {dialect} SQL{where} ({first.get('description', exc)}); "
            "fix the syntax or choose the right --from dialect."
        ) from None
    if not statements:
        raise SqlPortabilityError(f"{origin} is empty; pass at least one SQL statement.")
    return statements


def rules_for(source: str, target: str) -> list[Rule]:
    """Rules that apply to SQL written in `source` and run on `target`."""
    _check_dialect(source, "from")
    _check_dialect(target, "to")
    transpiling = source != target
    return [r for r in RULES if r.source == source and (transpiling or not r.transpile_only)]


def lint(statements: list[exp.Expr], source: str, target: str) -> list[Finding]:
    """One finding per matching node, in document order."""
    rules = rules_for(source, target)
    out: list[Finding] = []
    for statement in statements:
        for node in statement.walk():
            for rule in rules:
                if rule.match(node):
                    snippet = node.sql(dialect=source)
                    if len(snippet) > 80:
                        snippet = snippet[:77] + "..."
                    out.append(Finding(rule.code, rule.construct, snippet, rule.why, rule.rewrite))
    return out


def transpile(sql: str, source: str, target: str, *, origin: str = "the SQL") -> Transpiled:
    """`sql` rewritten from `source` to `target` by sqlglot, with the lint's findings."""
    statements = parse(sql, source, origin=origin)
    findings = lint(statements, source, target)
    text = ";\n".join(s.sql(dialect=target, pretty=True) for s in statements)
    return Transpiled(sql=text, findings=findings)
