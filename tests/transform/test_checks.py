"""Which data tests a build folds into one query per carrier node."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lakehouse.transform.checks import CARRIERS_SELECTOR, CheckPlan, plan_checks

ORDERS = "model.lakehouse.fact_orders"
SESSIONS = "model.lakehouse.fact_sessions"
IDENTITY = "model.lakehouse.dim_identity"


def _test(
    name: str, kind: str | None, parents: list[str], severity: str = "ERROR", **kwargs: Any
) -> dict[str, Any]:
    return {
        "unique_id": f"test.lakehouse.{name}.0",
        "name": name,
        "resource_type": "test",
        "test_metadata": {"name": kind, "kwargs": {"model": "{{ ref('x') }}", **kwargs}}
        if kind
        else None,
        "depends_on": {"nodes": parents},
        "config": {"severity": severity},
    }


def _carrier(name: str, parents: list[str]) -> dict[str, Any]:
    """A singular test in dbt_tests/column_checks/, which runs the folded tests given it."""
    return {
        **_test(name, None, parents),
        "original_file_path": f"dbt_tests/column_checks/{name}.sql",
    }


CARRIER_NODE = _carrier("column_checks_all", [ORDERS, SESSIONS, IDENTITY])


def _manifest(
    tmp_path: Path, *tests: dict[str, Any], carrier: dict[str, Any] | None = CARRIER_NODE
) -> dict[str, Any]:
    nodes: dict[str, Any] = {
        ORDERS: {"resource_type": "model", "relation_name": '"gold"."main"."fact_orders"'},
        SESSIONS: {"resource_type": "model", "relation_name": '"gold"."main"."fact_sessions"'},
    }
    nodes.update({t["unique_id"]: t for t in (*tests, *([carrier] if carrier else []))})
    return {"nodes": nodes, "sources": {}}


# fact_orders declares column_checks and has a not_null test on currency
ORDER_CHECKS = (
    _test("column_checks_fact_orders_", "column_checks", [ORDERS]),
    _test("not_null_fact_orders_currency", "not_null", [ORDERS], column_name="currency"),
)
CURRENCY_ID = "test.lakehouse.not_null_fact_orders_currency.0"


def test_single_table_tests_fold_into_their_model_and_are_left_out_by_kind(
    tmp_path: Path,
) -> None:
    path = _manifest(
        tmp_path,
        *ORDER_CHECKS,
        _test(
            "accepted_range_fact_orders_amount",
            "accepted_range",
            [ORDERS],
            column_name="amount_cents",
            min_value=0,
        ),
        # reads a second model: stays a node of its own, and is not a folded kind
        _test(
            "relationships_fact_orders_session_id",
            "relationships",
            [ORDERS, SESSIONS],
            severity="warn",
        ),
        _test("assert_gmv", None, [ORDERS]),  # singular
    )
    plan = plan_checks(path)
    assert plan.by_relation == {
        '"gold"."main"."fact_orders"': [
            CURRENCY_ID,
            "test.lakehouse.accepted_range_fact_orders_amount.0",
        ]
    }
    # the declarations, and by kind but not relationships: one of them keeps its own node
    assert plan.exclude == (
        "test_name:column_checks", "test_name:not_null", "test_name:accepted_range"
    )  # fmt: skip


def test_a_test_that_cannot_fold_keeps_its_node_and_the_others_are_left_out_by_name(
    tmp_path: Path,
) -> None:
    """Excluding by kind would drop it untested: fact_sessions declares no column_checks,
    and an argument still holding Jinja needs its own node's rendering."""
    path = _manifest(
        tmp_path,
        *ORDER_CHECKS,
        _test("unique_fact_orders_order_id", "unique", [ORDERS], column_name="order_id"),
        _test(
            "expression_is_true_fact_orders_cap",
            "expression_is_true",
            [ORDERS],
            expression="n <= {{ var('cap') }}",
        ),
        _test(
            "not_null_fact_sessions_session_id", "not_null", [SESSIONS], column_name="session_id"
        ),
    )
    plan = plan_checks(path)
    assert plan.by_relation == {
        '"gold"."main"."fact_orders"': [
            CURRENCY_ID,
            "test.lakehouse.unique_fact_orders_order_id.0",
        ]
    }
    # not_null by name (one keeps its node); every unique test folded: by kind
    assert plan.exclude == (
        "test_name:column_checks", "not_null_fact_orders_currency", "test_name:unique"
    )  # fmt: skip


def test_no_manifest_or_no_column_checks_folds_nothing(tmp_path: Path) -> None:
    assert plan_checks(None) == CheckPlan()
    path = _manifest(
        tmp_path, _test("not_null_fact_orders_currency", "not_null", [ORDERS], column_name="c")
    )
    assert plan_checks(path) == CheckPlan()
    # folding nothing leaves out the column_checks declarations and the carriers
    assert CheckPlan().exclude == ("test_name:column_checks", CARRIERS_SELECTOR)


def test_nothing_folds_unless_a_carrier_runs_after_all_a_declarations_tests_read(
    tmp_path: Path,
) -> None:
    """A carrier runs the folded tests in one node: dbt must run it after every model they
    read, so without a carrier depending on all of them (or any carrier) nothing folds."""
    assert plan_checks(_manifest(tmp_path, *ORDER_CHECKS)).by_relation
    short = _carrier("column_checks_all", [SESSIONS])
    assert plan_checks(_manifest(tmp_path, *ORDER_CHECKS, carrier=short)) == CheckPlan()
    assert plan_checks(_manifest(tmp_path, *ORDER_CHECKS, carrier=None)) == CheckPlan()


def test_each_declaration_goes_to_the_covering_carrier_with_the_fewest_dependencies(
    tmp_path: Path,
) -> None:
    """dbt runs a carrier once all it depends on is built: the smaller covering one runs
    earliest, beside later models. fact_orders' tests read fact_orders alone (the core
    carrier covers them); fact_sessions' relationships test also reads dim_identity."""
    session_checks = _test("column_checks_fact_sessions_", "column_checks", [SESSIONS, IDENTITY],
                           after=["ref('dim_identity')"])  # fmt: skip
    to_identity = _test("relationships_fact_sessions_identity_id", "relationships",
                        [IDENTITY, SESSIONS], column_name="identity_id",
                        to="ref('dim_identity')", field="identity_id")  # fmt: skip
    for test in (session_checks, to_identity):
        test["attached_node"] = SESSIONS
    core = _carrier("column_checks_core", [ORDERS, SESSIONS])
    manifest = _manifest(tmp_path, *ORDER_CHECKS, session_checks, to_identity, core)
    plan = plan_checks(manifest)
    assert plan.carrier_of == {
        '"gold"."main"."fact_orders"': "column_checks_core",
        '"gold"."main"."fact_sessions"': "column_checks_all",
    }
    assert plan.by_carrier(set()) == {
        "column_checks_core": {'"gold"."main"."fact_orders"': [CURRENCY_ID]},
        "column_checks_all": {'"gold"."main"."fact_sessions"': [to_identity["unique_id"]]},
    }
    # tests left out for giving the same result run in no carrier either
    assert plan.by_carrier({CURRENCY_ID}) == {
        "column_checks_all": {'"gold"."main"."fact_sessions"': [to_identity["unique_id"]]}
    }


def test_a_test_with_its_own_verdict_or_macro_keeps_its_node(tmp_path: Path) -> None:
    """column_checks fails on any row with this project's or dbt's macro: a test that
    tolerates rows, comes from a package, or names another model keeps its own node."""
    tolerant = _test("not_null_fact_orders_coupon", "not_null", [ORDERS], column_name="coupon")
    tolerant["config"]["error_if"] = "> 5"
    packaged = _test("at_least_one_fact_orders_id", "at_least_one", [ORDERS], column_name="id")
    packaged["test_metadata"]["name"] = "not_null"
    packaged["test_metadata"]["namespace"] = "dbt_utils"
    referring = _test("expression_is_true_fact_orders_ref", "expression_is_true", [ORDERS],
                      expression="n in (select n from ref('fact_sessions'))")  # fmt: skip
    plan = plan_checks(_manifest(tmp_path, *ORDER_CHECKS, tolerant, packaged, referring))
    assert plan.by_relation == {'"gold"."main"."fact_orders"': [CURRENCY_ID]}
    assert plan.exclude == ("test_name:column_checks", "not_null_fact_orders_currency")


def test_a_relationships_test_folds_into_a_column_checks_that_runs_after_its_model(
    tmp_path: Path,
) -> None:
    """column_checks(after=[ref('fact_sessions')]) depends on fact_sessions, so dbt runs it
    once both models are built: the relationships test to fact_sessions folds into it.
    One to a model not in `after`, or with a warn verdict, keeps its own node."""
    checks = _test("column_checks_fact_orders_", "column_checks", [ORDERS, SESSIONS],
                   after=["ref('fact_sessions')"])  # fmt: skip
    checks["attached_node"] = ORDERS
    to_sessions = _test("relationships_fact_orders_session_id", "relationships",
                        [SESSIONS, ORDERS], column_name="session_id",
                        to="ref('fact_sessions')", field="session_id")  # fmt: skip
    to_identity = _test("relationships_fact_orders_identity_id", "relationships",
                        [IDENTITY, ORDERS], column_name="identity_id",
                        to="ref('dim_identity')", field="identity_id")  # fmt: skip
    warned = _test("relationships_fact_orders_buyer", "relationships", [SESSIONS, ORDERS],
                   severity="warn", column_name="buyer", to="ref('fact_sessions')",
                   field="session_id")  # fmt: skip
    for test in (to_sessions, to_identity, warned):
        test["attached_node"] = ORDERS
    plan = plan_checks(_manifest(tmp_path, checks, to_sessions, to_identity, warned))
    assert plan.by_relation == {
        '"gold"."main"."fact_orders"': ["test.lakehouse.relationships_fact_orders_session_id.0"]
    }
    assert plan.exclude == ("test_name:column_checks", "relationships_fact_orders_session_id")


def test_when_the_kinds_own_nodes_only_warn_one_intersection_leaves_the_folded_out(
    tmp_path: Path,
) -> None:
    """The folded tests all fail the build, so `test_name:K,config.severity:error` is
    exactly them while every test of the kind left on its own node only warns: one
    selector instead of a name each (dbt matches every selector against every node)."""
    checks = _test("column_checks_fact_orders_", "column_checks", [ORDERS, SESSIONS],
                   after=["ref('fact_sessions')"])  # fmt: skip
    folded = [
        _test(f"relationships_fact_orders_{c}", "relationships", [SESSIONS, ORDERS],
              column_name=c, to="ref('fact_sessions')", field="session_id")
        for c in ("session_id", "first_session_id")
    ]  # fmt: skip
    warned = _test("relationships_fact_orders_buyer", "relationships", [SESSIONS, ORDERS],
                   severity="warn", column_name="buyer", to="ref('fact_sessions')",
                   field="session_id")  # fmt: skip
    for test in (checks, *folded, warned):
        test["attached_node"] = ORDERS
    plan = plan_checks(_manifest(tmp_path, checks, *folded, warned))
    assert plan.by_relation == {'"gold"."main"."fact_orders"': [t["unique_id"] for t in folded]}
    assert plan.exclude == (
        "test_name:column_checks", "test_name:relationships,config.severity:error"
    )  # fmt: skip
