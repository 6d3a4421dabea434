"""The registry: every contract compiles, ships examples that behave as stated, and the
drift check catches a required-field change without a version bump (ING-3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from lakehouse.errors import SchemaRegistryError
from lakehouse.ingest.examples import check_example, load_examples, run_examples
from lakehouse.ingest.registry import default_registry, drift_problems, load_registry, write_lock
from lakehouse.ingest.schema_compile import compile_schema, node_spec
from lakehouse.ingest.validate import Rejection, Validator

ING7 = {
    "app.start", "user.signup", "user.login", "user.logout", "search.query", "search.result_click",
    "profile.view", "message.sent", "checkout.start", "checkout.complete", "order.refunded",
    "dispute.opened", "dispute.closed", "payout.paid", "landing.view", "growth.alert.click",
    "digest.click", "sharecard.click", "referral.signup", "referral.qualified", "exp.view",
    "exp.convert", "consent.update", "promo.impression", "promo.click", "email.sent",
    "email.open", "email.click",
}  # fmt: skip

CONTRACTS = default_registry().all()


def test_registry_covers_the_whole_event_catalogue() -> None:
    assert default_registry().names == ING7


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.key)
def test_examples_behave_as_stated(contract) -> None:  # type: ignore[no-untyped-def]
    validator = Validator()
    ex = load_examples(contract)
    assert len(ex["valid"]) >= 2 and len(ex["invalid"]) >= 3
    for event in ex["valid"]:
        assert isinstance(check_example(validator, event), tuple), event
    for case in ex["invalid"]:
        verdict = check_example(validator, case["event"])
        assert isinstance(verdict, Rejection), case["description"]
        assert (verdict.reason, verdict.pointer) == (case["reason"], case["pointer"]), case[
            "description"
        ]
        assert verdict.message  # every rejection explains itself


def test_whole_registry_check_is_clean() -> None:
    reg = default_registry()
    assert drift_problems(reg) == []
    assert run_examples(reg) == []


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    root = tmp_path / "schemas"
    shutil.copytree(default_registry().root, root)
    return root


def _edit(path: Path, fn) -> None:  # type: ignore[no-untyped-def]
    doc = orjson.loads(path.read_bytes())
    fn(doc)
    path.write_bytes(orjson.dumps(doc))


def test_drift_adding_a_required_field_without_version_bump_fails(schema_copy: Path) -> None:
    _edit(
        schema_copy / "events/checkout.complete/v1.schema.json",
        lambda d: d["required"].append("coupon"),
    )
    problems = drift_problems(load_registry(schema_copy))
    assert len(problems) == 1
    assert "events/checkout.complete/v1" in problems[0] and "added: coupon" in problems[0]
    assert "v2.schema.json" in problems[0]  # the message names the fix


def test_drift_removing_a_required_field_fails(schema_copy: Path) -> None:
    _edit(
        schema_copy / "events/search.query/v1.schema.json", lambda d: d["required"].remove("city")
    )
    problems = drift_problems(load_registry(schema_copy))
    assert len(problems) == 1 and "removed: city" in problems[0]


def test_drift_changing_a_type_fails(schema_copy: Path) -> None:
    def retype(d: dict) -> None:  # type: ignore[type-arg]
        d["properties"]["rank"]["type"] = "string"

    _edit(schema_copy / "events/search.result_click/v1.schema.json", retype)
    problems = drift_problems(load_registry(schema_copy))
    assert any("type of 'rank'" in p for p in problems)


def test_a_new_version_is_fine_once_locked(schema_copy: Path) -> None:
    v1 = schema_copy / "events/checkout.complete/v1.schema.json"
    v2 = v1.with_name("v2.schema.json")
    doc = orjson.loads(v1.read_bytes())
    doc["required"].append("coupon")
    doc["properties"]["coupon"] = {"type": "string"}
    v2.write_bytes(orjson.dumps(doc))
    reg = load_registry(schema_copy)
    assert drift_problems(reg) == [
        "schemas/events/checkout.complete/v2.schema.json is not in registry.lock.json: run `lakehouse schemas lock` and commit it."
    ]
    assert write_lock(reg) == ["events/checkout.complete/v2"]
    assert drift_problems(load_registry(schema_copy)) == []
    assert reg.versions("checkout.complete") == [1, 2]


def test_removing_a_published_version_fails(schema_copy: Path) -> None:
    shutil.rmtree(schema_copy / "events/landing.view")
    problems = drift_problems(load_registry(schema_copy))
    assert problems == [
        "schemas/events/landing.view/v1.schema.json was removed: published versions are frozen (old clients still send them); restore the file."
    ]


def test_lock_refuses_to_paper_over_drift(schema_copy: Path) -> None:
    _edit(
        schema_copy / "events/search.query/v1.schema.json", lambda d: d["required"].remove("city")
    )
    with pytest.raises(SchemaRegistryError, match="refusing to lock"):
        write_lock(load_registry(schema_copy))


def test_keywords_outside_the_subset_are_refused() -> None:
    with pytest.raises(SchemaRegistryError, match="oneOf"):
        compile_schema({"type": "object", "oneOf": [{"required": ["a"]}]}, "x.json")
    with pytest.raises(SchemaRegistryError, match="ING-4"):
        compile_schema({"type": "object", "additionalProperties": False}, "x.json")
    # The C accept path's node trees come from the same subset, refused the same way.
    with pytest.raises(SchemaRegistryError, match="oneOf"):
        node_spec({"type": "object", "properties": {"a": {"oneOf": [True]}}}, "x.json")
    with pytest.raises(SchemaRegistryError, match="ING-4"):
        node_spec({"type": "object", "additionalProperties": False}, "x.json")
