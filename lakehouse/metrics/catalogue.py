"""The canonical metric catalogue (FUN-2): one Athena SQL file per metric under `metrics/`.

A metric file starts with `-- key: value` header lines (continuations indented), then one
Athena/Trino query over Gold tables. Its first CTE, `params`, holds the window bounds
(`start_dt`, `end_dt`, whole history by default); `run` replaces that CTE on the AST, so
the file itself stays a plain query that runs unchanged on Athena.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlglot import exp

from lakehouse.config import PROJECT_ROOT, Settings
from lakehouse.errors import MetricError
from lakehouse.metrics.portability import Finding, lint, parse
from lakehouse.transform.query import QueryResult, run_query

METRICS_DIR = PROJECT_ROOT / "metrics"
REQUIRED = ("metric", "title", "definition", "numerator", "denominator", "grain", "owner")
_HEADER = re.compile(r"^--\s?(\w+):\s*(.*)$")


@dataclass(frozen=True)
class Metric:
    name: str
    path: Path
    header: dict[str, str]
    sql: str  # Athena SQL, the canonical text

    @property
    def title(self) -> str:
        return self.header["title"]


def _read_header(path: Path, text: str) -> dict[str, str]:
    header: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        match = _HEADER.match(line)
        if match:
            key = match.group(1)
            header[key] = match.group(2).strip()
        elif key and line.startswith("--   "):
            header[key] += " " + line[2:].strip()
    missing = [k for k in REQUIRED if not header.get(k)]
    if missing:
        raise MetricError(
            f"{path} has no header line for {', '.join(missing)}; every metric file starts "
            f"with `-- key: value` lines for {', '.join(REQUIRED)}."
        )
    if header["metric"] != path.stem:
        raise MetricError(
            f"{path} declares `-- metric: {header['metric']}`; the name must equal the file "
            f"name ({path.stem})."
        )
    return header


def load_metric(path: Path) -> Metric:
    text = path.read_text()
    return Metric(name=path.stem, path=path, header=_read_header(path, text), sql=text)


def list_metrics(directory: Path = METRICS_DIR) -> list[Metric]:
    """Every metric file, by name."""
    return [load_metric(p) for p in sorted(directory.glob("*.sql"))]


def get_metric(name: str, directory: Path = METRICS_DIR) -> Metric:
    path = directory / f"{name}.sql"
    if not path.is_file():
        known = ", ".join(m.name for m in list_metrics(directory))
        raise MetricError(f"no metric named {name!r} in {directory}; known metrics: {known}.")
    return load_metric(path)


def _with_window(statement: exp.Expr, metric: Metric, start: date, end: date) -> None:
    ctes = [c for c in statement.find_all(exp.CTE) if c.alias_or_name == "params"]
    if not ctes:
        raise MetricError(
            f"{metric.path} has no `params` CTE, so --start/--end cannot be applied; start "
            "the query with `with params as (select date '…' as start_dt, date '…' as end_dt)`."
        )
    ctes[0].set(
        "this",
        exp.select(
            exp.cast(exp.Literal.string(start.isoformat()), exp.DataType.build("date")).as_(
                "start_dt"
            ),
            exp.cast(exp.Literal.string(end.isoformat()), exp.DataType.build("date")).as_("end_dt"),
        ),
    )


def local_sql(metric: Metric, start: date | None = None, end: date | None = None) -> str:
    """The metric transpiled to DuckDB (sqlglot), with the window applied when given."""
    if start and end and start > end:
        raise MetricError(
            f"--start {start} is after --end {end}; pass a window whose start is on or "
            "before its end."
        )
    (statement,) = parse(metric.sql, "athena", origin=str(metric.path))
    if start or end:
        _with_window(statement, metric, start or date(1970, 1, 1), end or date(9999, 12, 31))
    return statement.sql(dialect="duckdb")


def metric_findings(metric: Metric) -> list[Finding]:
    """Portability findings for a metric: Athena SQL that will be transpiled to DuckDB."""
    return lint(parse(metric.sql, "athena", origin=str(metric.path)), "athena", "duckdb")


def run_metric(
    settings: Settings, metric: Metric, start: date | None = None, end: date | None = None
) -> QueryResult:
    """Run the metric on the local Gold (read-only)."""
    return run_query(settings, local_sql(metric, start, end))
