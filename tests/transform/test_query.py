"""`lakehouse query`: read-only SQL over the Gold DuckDB file, csv/json as a stable contract."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from lakehouse.config import Settings
from lakehouse.errors import ConfigError, LakeEmptyError, PipelineError
from lakehouse.transform.output import to_csv, to_json
from lakehouse.transform.query import QueryResult, gold_database_path, run_query


@pytest.fixture
def gold(settings: Settings) -> Settings:
    con = duckdb.connect(str(settings.gold_path))
    con.execute(
        "create table fact_orders as select * from (values "
        "('ord_1', 9900, date '2026-10-01'), ('ord_2', 5000, date '2026-10-02')) "
        "as t(order_id, amount_cents, order_dt)"
    )
    con.close()
    return settings


def test_reads_gold(gold: Settings) -> None:
    res = run_query(gold, "select order_id, amount_cents from fact_orders order by 1")
    assert res.columns == ["order_id", "amount_cents"]
    assert res.rows == [("ord_1", 9900), ("ord_2", 5000)]
    assert res.records()[1] == {"order_id": "ord_2", "amount_cents": 5000}


def test_missing_gold_says_to_build(settings: Settings) -> None:
    with pytest.raises(LakeEmptyError, match=r"run `lakehouse build` first"):
        run_query(settings, "select 1")


@pytest.mark.parametrize(
    "sql",
    [
        "delete from fact_orders",
        "create table t (a int)",
        "insert into fact_orders values ('x', 1, null)",
    ],
)
def test_writes_are_refused(gold: Settings, sql: str) -> None:
    with pytest.raises(PipelineError, match="read-only"):
        run_query(gold, sql)
    assert run_query(gold, "select count(*) from fact_orders").rows == [(2,)]


def test_no_file_access(gold: Settings) -> None:
    with pytest.raises(PipelineError, match="disabled"):
        run_query(gold, f"copy fact_orders to '{gold.home / 'out.csv'}'")
    assert not (gold.home / "out.csv").exists()


def test_bad_sql_is_a_clear_error(gold: Settings) -> None:
    with pytest.raises(PipelineError, match=r"query failed: .*no_such_table"):
        run_query(gold, "select * from no_such_table")
    with pytest.raises(PipelineError, match="empty"):
        run_query(gold, "   ")


def test_gold_path_per_target(settings: Settings) -> None:
    assert gold_database_path(settings) == settings.home / "gold.duckdb"
    ci = Settings(home=settings.home, target="ci")
    assert gold_database_path(ci) == settings.home / "tmp" / "gold-ci.duckdb"
    with pytest.raises(ConfigError, match="Athena"):
        gold_database_path(Settings(home=settings.home, target="prod"))


def test_csv_and_json_rendering() -> None:
    res = QueryResult(
        ["s", "n", "big", "d", "ts", "dec", "flag", "m", "none"],
        [("a,b", 1, 2**70, date(2026, 10, 1), datetime(2026, 10, 1, 9, 30), Decimal("0.150"), True,
          {"k": "v"}, None)],
    )  # fmt: skip
    assert to_csv(res) == (
        "s,n,big,d,ts,dec,flag,m,none\n"
        '"a,b",1,1180591620717411303424,2026-10-01,2026-10-01T09:30:00,0.150,true,"{""k"":""v""}",\n'
    )
    assert to_json(res) == (
        '[{"s":"a,b","n":1,"big":1180591620717411303424,"d":"2026-10-01",'
        '"ts":"2026-10-01T09:30:00","dec":0.150,"flag":true,"m":{"k":"v"},"none":null}]'
    )
    assert to_json(QueryResult(["a"], [])) == "[]"
