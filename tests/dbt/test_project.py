"""The dbt project keeps its house rules (ARCHITECTURE.md): checked on the files and on the
manifest dbt parses for Athena, so no AWS account is needed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from dbt.cli.main import dbtRunner

from lakehouse.config import PROJECT_ROOT
from lakehouse.transform.checks import FOLDED_KINDS, plan_checks

MODELS = PROJECT_ROOT / "models"
MODEL_FILES = sorted(MODELS.rglob("*.sql"))
LAKE3 = {
    "dim_identity", "dim_campaign", "dim_profile", "dim_studio", "dim_city", "fact_sessions",
    "fact_search", "fact_views", "fact_messages", "fact_checkouts", "fact_orders",
    "fact_refunds", "fact_disputes", "fact_payouts", "fact_growth_mail", "fact_referrals",
    "kpi_conversion_funnel", "kpi_gmv_daily", "kpi_take_rate", "kpi_refunds", "kpi_disputes",
    "kpi_promo_ctr", "fact_events",
}  # fmt: skip


def _properties(sql: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(sql.with_suffix(".yml").read_text())
    return data


def test_core_and_kpi_marts_exist() -> None:
    assert {p.stem for p in MODEL_FILES} >= LAKE3


@pytest.mark.parametrize("sql", MODEL_FILES, ids=lambda p: p.stem)
def test_every_model_has_a_yml_beside_it_with_description_and_tests(sql: Path) -> None:
    assert sql.with_suffix(".yml").is_file(), f"{sql.name} needs {sql.stem}.yml beside it"
    props = _properties(sql)
    (model,) = [m for m in props["models"] if m["name"] == sql.stem]
    assert len(model.get("description", "")) > 20
    text = sql.with_suffix(".yml").read_text()
    assert "data_tests:" in text, f"{sql.stem} has no data tests"
    documented = {c["name"] for c in model.get("columns", [])}
    key = model["columns"][0]
    assert key.get("description"), f"{sql.stem}: describe the key column {key['name']}"
    assert documented, f"{sql.stem}: document its columns"


@pytest.mark.parametrize("sql", MODEL_FILES, ids=lambda p: p.stem)
def test_sql_style(sql: Path) -> None:
    text = sql.read_text()
    body = re.sub(r"\{#.*?#\}|--[^\n]*", "", text, flags=re.S)
    assert body.rstrip().endswith("select * from final"), (
        f"{sql.name}: end with `select * from final`"
    )
    assert not re.search(r"\b(SELECT|FROM|WHERE|JOIN|GROUP BY)\b", body), (
        f"{sql.name}: lower-case SQL"
    )
    calls_source = "source(" in body
    assert calls_source == (sql.parent.parent.name == "staging"), (
        "only staging models call source()"
    )
    # engine differences belong in dispatched macros, never in models
    assert not re.search(r"\btarget\.(type|name)\b", body), f"{sql.name} branches on the target"


def test_engine_macros_have_duckdb_and_athena_variants() -> None:
    text = (PROJECT_ROOT / "macros" / "engine" / "engine.sql").read_text()
    dispatched = re.findall(r"adapter\.dispatch\('(\w+)', 'lakehouse'\)", text)
    assert len(dispatched) >= 5
    for name in dispatched:
        assert f"macro default__{name}(" in text and f"macro athena__{name}(" in text, name


def test_vars_are_namespaced_with_defaults() -> None:
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())
    assert project["test-paths"] == ["dbt_tests"]
    assert project["vars"] == {
        "lakehouse__silver_metadata_location": "",
        "lakehouse__session_idle_minutes": 30,
        "lakehouse__session_max_hours": 24,
        "lakehouse__incremental_lookback_days": 0,
        "lakehouse__id_deny_list": ["", "null", "undefined", "0", "anonymous", "guest"],
        "lakehouse__attribution_checkout_lookback_days": 7,
        "lakehouse__attribution_referral_lookback_days": 30,
        "lakehouse__attribution_burst_gap_minutes": 10,
        "lakehouse__attribution_fraud_max_touches": 5,
        "lakehouse__referral_award_window_days": 30,
        "lakehouse__test_rows_since": "",
        "lakehouse__ops_snapshot_dir": "",
        "lakehouse__build_started_at": "",
        "lakehouse__lag_silver_budget_minutes": 5,
        "lakehouse__lag_gold_budget_minutes": 30,
        "lakehouse__loss_alarm_ratio": 0.95,
        "lakehouse__loss_min_expected_events": 50,
        "lakehouse__dlq_burst_min_events": 50,
        "lakehouse__dlq_burst_share": 0.02,
        "lakehouse__drift_min_events": 20,
        "lakehouse__drift_min_share": 0.05,
        "lakehouse__metric_move_share": 0.5,
        "lakehouse__metric_min_daily_volume": 20,
        "lakehouse__nrt_date": "",
    }


def test_project_parses_for_athena(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The prod target resolves every dispatched config (no AWS call at parse time), and
    every single-table data test can run folded, inside column_checks_all."""
    for name, value in {
        "LAKEHOUSE_TARGET": "prod",
        "LAKEHOUSE_ATHENA_REGION": "eu-west-1",
        "LAKEHOUSE_ATHENA_S3_STAGING_DIR": "s3://athena-results/",
        "DO_NOT_TRACK": "1",
    }.items():
        monkeypatch.setenv(name, value)
    res = dbtRunner().invoke(
        ["parse", "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
         "--log-level", "none"]
    )  # fmt: skip
    assert res.success, res.exception
    manifest = orjson.loads((tmp_path / "target" / "manifest.json").read_bytes())
    config = manifest["nodes"]["model.lakehouse.int_events_sessionized"]["config"]
    # rows are replaced by event_id (an identity re-stitch touches any day): Iceberg merge
    assert (
        config["incremental_strategy"],
        config["unique_key"],
        config["partitioned_by"],
        config["table_type"],
    ) == ("merge", "event_id", ["event_dt"], "iceberg")
    assert (
        manifest["sources"]["source.lakehouse.silver.events"]["relation_name"]
        == '"awsdatacatalog"."lake"."events"'
    )
    # every single-table test folds into column_checks_all on incremental builds (it runs
    # after every model the tests read, or nothing would fold), so those builds leave the
    # tests' own nodes out by kind, and the column_checks declarations (checks.py); so does every
    # relationships test but the four that warn (a refund, dispute, payout or referral
    # before its late order), so the folded ones are left out as the kind's tests that fail
    # the build (one test_name,severity intersection)
    plan = plan_checks(manifest)
    tests = [node for node in manifest["nodes"].values() if node["resource_type"] == "test"]
    kinds = [(node.get("test_metadata") or {}).get("name") for node in tests]
    single = [kind for kind in FOLDED_KINDS if kind != "relationships" and kind in kinds]
    relationships = [
        node for node, kind in zip(tests, kinds, strict=True) if kind == "relationships"
    ]
    warned = {n["name"] for n in relationships if str(n["config"]["severity"]).lower() == "warn"}
    assert len(warned) == 4 and all("__ref_fact_orders_" in name for name in warned)
    folded_relationships = sorted({n["name"] for n in relationships} - warned)
    assert plan.exclude == (
        "test_name:column_checks",
        *[f"test_name:{kind}" for kind in single],
        "test_name:relationships,config.severity:error",
    )
    folded_ids = {test for tests in plan.by_relation.values() for test in tests}
    assert sorted(n["name"] for n in relationships if n["unique_id"] in folded_ids) == (
        folded_relationships
    )
    assert len(folded_relationships) > 25
    assert sum(map(len, plan.by_relation.values())) == (
        sum(kind in single for kind in kinds) + len(folded_relationships)
    )
    assert sum(kind in single for kind in kinds) > 300
