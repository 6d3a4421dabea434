"""Access policy (PRIV-5) on a hand-made Gold: tables, columns and city rows per role,
through `lakehouse query` and the dashboards' connection, and as Lake Formation grants.

Orders: 3 in Berlin (ber), 1 in Munich (muc), 2 in Paris (par); the support role of
config/access.yml is limited to Berlin and Munich, so it sees 4.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from lakehouse.access.lakeformation import render
from lakehouse.access.policy import load_policy
from lakehouse.cli import main
from lakehouse.config import Settings
from lakehouse.dashboard import gold
from lakehouse.errors import AccessDeniedError
from lakehouse.transform.query import run_query


@pytest.fixture
def lake(settings: Settings) -> Settings:
    con = duckdb.connect(str(settings.gold_path))
    con.execute(
        "create table fact_orders as select * from (values "
        "('o1', 'usr_a', 'ber', 1000), ('o2', 'usr_b', 'ber', 2000), ('o3', 'usr_a', 'ber', 500), "
        "('o4', 'usr_c', 'muc', 700), ('o5', 'usr_d', 'par', 900), ('o6', 'usr_d', 'par', 100)) "
        "t(order_id, buyer_user_id, city_id, amount_cents)"
    )
    con.execute(
        "create table fact_events as select * from (values ('e1', 'usr_a', 'Berlin')) "
        "t(event_id, user_id, city_name)"
    )
    con.execute(
        "create table kpi_gmv_daily as select * from (values (date '2026-10-01', 'ber', 3500)) "
        "t(order_dt, city_id, gmv_cents)"
    )
    con.close()
    return settings


def test_admin_reads_everything(lake: Settings) -> None:
    assert run_query(
        lake, "select count(distinct buyer_user_id) from fact_orders", "admin"
    ).rows == [(4,)]


def test_a_denied_column_gets_a_clear_refusal(lake: Settings) -> None:
    with pytest.raises(
        AccessDeniedError, match=r"role 'analyst' may not read column fact_orders\.buyer_user_id"
    ):
        run_query(lake, "select o.buyer_user_id, amount_cents from fact_orders o", "analyst")
    with pytest.raises(AccessDeniedError, match=r"column fact_orders\.buyer_user_id"):
        run_query(
            lake,
            "with x as (select buyer_user_id as b from fact_orders) select b from x",
            "analyst",
        )
    res = CliRunner().invoke(
        main,
        [
            "--home",
            str(lake.home),
            "query",
            "--role",
            "analyst",
            "select buyer_user_id from fact_orders",
        ],
    )
    assert res.exit_code == 3
    assert "role 'analyst' may not read column fact_orders.buyer_user_id" in res.output


def test_star_shows_only_the_allowed_columns(lake: Settings) -> None:
    res = run_query(lake, "select * from fact_orders order by order_id limit 1", "analyst")
    assert res.columns == ["order_id", "city_id", "amount_cents"]


def test_support_sees_only_its_cities(lake: Settings) -> None:
    res = run_query(
        lake, "select city_id, count(*) from fact_orders group by 1 order by 1", "support"
    )
    assert res.rows == [("ber", 3), ("muc", 1)]
    with pytest.raises(AccessDeniedError, match="may not read table kpi_gmv_daily"):
        run_query(lake, "select * from kpi_gmv_daily", "support")


@pytest.mark.parametrize(
    "sql",
    [
        "select * from gold_src.main.fact_orders",
        "select * from read_parquet('x.parquet')",
        "select * from information_schema.tables",
        "select * from fact_events",
    ],
)
def test_finance_cannot_reach_around_the_views(lake: Settings, sql: str) -> None:
    with pytest.raises(AccessDeniedError, match="role 'finance' may not read"):
        run_query(lake, sql, "finance")


def test_the_dashboard_connection_applies_the_role_from_the_environment(
    lake: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKEHOUSE_ROLE", "support")
    con = gold.connect(lake)
    try:
        assert con.execute("select sum(amount_cents) from fact_orders").fetchone() == (4200,)
        with pytest.raises(duckdb.CatalogException):
            con.execute("select * from kpi_gmv_daily")
    finally:
        con.close()


def test_an_unknown_role_is_refused(lake: Settings) -> None:
    with pytest.raises(AccessDeniedError, match="role 'intern' is not declared"):
        run_query(lake, "select 1", "intern")


def _grant(doc: dict[str, Any], role: str, table: str) -> dict[str, Any] | None:
    arn = f"arn:aws:iam::111122223333:role/lakehouse-{role}"
    for g in doc["grants"]:
        res = next(iter(g["Resource"].values()))
        if g["Principal"]["DataLakePrincipalIdentifier"] == arn and table in (
            res.get("Name"),
            res.get("TableName"),
        ):
            return g
    return None


def test_lake_formation_grants_mirror_the_policy() -> None:
    doc = render(load_policy(), "gold", "111122223333")
    analyst = _grant(doc, "analyst", "fact_orders")
    assert analyst is not None
    excluded = analyst["Resource"]["TableWithColumns"]["ColumnWildcard"]["ExcludedColumnNames"]
    assert "buyer_user_id" in excluded and "amount_cents" not in excluded
    support = _grant(doc, "support", "fact_orders")
    assert (
        support is not None
        and support["Resource"]["DataCellsFilter"]["Name"] == "support_fact_orders_cities"
    )
    (cells,) = [
        f["TableData"]
        for f in doc["data_cells_filters"]
        if f["TableData"]["Name"] == "support_fact_orders_cities"
    ]
    assert cells["RowFilter"]["FilterExpression"] == "city_id IN ('ber', 'muc')"
    assert _grant(doc, "finance", "fact_events") is None
    admin = [
        g
        for g in doc["grants"]
        if g["Principal"]["DataLakePrincipalIdentifier"].endswith("lakehouse-admin")
    ]
    assert admin == [{
        "Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::111122223333:role/lakehouse-admin"},
        "Resource": {"Table": {"CatalogId": "111122223333", "DatabaseName": "private", "Name": "pii_hashes"}},
        "Permissions": ["SELECT", "DESCRIBE"],
    }, {
        "Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::111122223333:role/lakehouse-admin"},
        "Resource": {"Table": {"CatalogId": "111122223333", "DatabaseName": "gold", "TableWildcard": {}}},
        "Permissions": ["SELECT", "DESCRIBE"],
    }]  # fmt: skip


def test_the_workbench_refuses_a_limited_role(
    lake: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lakehouse.workbench.lake import Lake

    monkeypatch.setenv("LAKEHOUSE_ROLE", "analyst")
    with pytest.raises(AccessDeniedError, match="role 'analyst' may not open the workbench"):
        Lake(lake)
    with Lake(lake, role="admin") as opened:
        assert opened.sql("select count(*) from fact_orders").fetchone() == (6,)
