"""Which data tests a build runs folded into one query, in one dbt node.

dbt runs each data test as a node of its own, and a node costs tens of milliseconds of
compile, transaction and event handling whatever its query: with ~400 tests that is most
of a small incremental build and a third of a full one. The single-table tests of every
model that declares the `column_checks` test (macros/tests/column_checks.sql) run instead
in a carrier, a singular test in dbt_tests/column_checks/ that runs the tests it is given
as one query, each check over the same rows its own node would test; each declaration
goes to the carrier with the fewest dependencies among those depending on all its tests
read, so the heavy tables' tests run mid-build, beside later models, not at the end. The
plan is read from the manifest of the last successful whole-project build (kept beside
its state), so `lakehouse build` folds only while the project is unchanged since that
build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

COLUMN_CHECKS = "column_checks"
# the singular tests that run the folded tests, and the dbt selector for them
CARRIERS = "dbt_tests/column_checks"
CARRIERS_SELECTOR = f"path:{CARRIERS}"
# The generic tests that fold (the carriers' macro knows each one's macro). A relationships
# test reads another model too: it folds only where its model's column_checks names that
# model in its `after` argument, else it keeps its own node.
FOLDED_KINDS = (
    "not_null", "unique", "accepted_values", "accepted_range", "expression_is_true",
    "unique_combination_of_columns", "is_binary", "is_monotonic", "relationships",
)  # fmt: skip


@dataclass(frozen=True)
class CheckPlan:
    """`by_relation`: the relation tested → the ids of its tests that fold; `carrier_of`:
    the relation → the carrier that runs them; `exclude`: dbt selectors for what the build
    leaves out: the folded tests' own nodes (by kind where every test of a kind is folded,
    or where the rest of the kind only warns (kind and severity error), else by name: dbt
    matches each selector against every node, three times a build, and a few hundred names
    took seconds) and the column_checks declarations. Folding nothing leaves out the
    declarations and the carriers, and every test runs as its own node."""

    by_relation: dict[str, list[str]] = field(default_factory=dict)
    carrier_of: dict[str, str] = field(default_factory=dict)
    exclude: tuple[str, ...] = (f"test_name:{COLUMN_CHECKS}", CARRIERS_SELECTOR)

    @property
    def carriers(self) -> set[str]:
        """The carriers that run folded tests in this plan."""
        return set(self.carrier_of.values())

    def by_carrier(self, skipped: set[str]) -> dict[str, dict[str, list[str]]]:
        """What each carrier runs (the env var its macro reads): relation → test ids,
        without the tests in `skipped` (the build leaves out their own nodes for another
        reason: they would give the same result)."""
        plan: dict[str, dict[str, list[str]]] = {}
        for relation, ids in self.by_relation.items():
            kept = [test for test in ids if test not in skipped]
            if kept:
                plan.setdefault(self.carrier_of[relation], {})[relation] = kept
        return plan


def plan_checks(manifest: dict[str, Any] | None) -> CheckPlan:
    """The folding of the tests in a dbt `manifest` (empty when there is none yet)."""
    if manifest is None:
        return CheckPlan()
    nodes: dict[str, Any] = manifest["nodes"]
    relations = {
        key: node.get("relation_name")
        for key, node in (*nodes.items(), *manifest.get("sources", {}).items())
    }
    tests = [node for node in nodes.values() if node["resource_type"] == "test"]
    checks = [node for node in tests if _test_name(node) == COLUMN_CHECKS and _tested(node)]
    carriers = sorted(
        (len(node["depends_on"]["nodes"]), node["name"], set(node["depends_on"]["nodes"]))
        for node in tests
        if str(node.get("original_file_path", "")).startswith(CARRIERS + "/")
    )
    checked = {_tested(node): relations.get(_tested(node)) for node in checks}
    # what each column_checks declaration reads: its model and the models named in `after`
    after = {_tested(node): set(node["depends_on"]["nodes"]) for node in checks}
    # each declaration's carrier: the one with the fewest dependencies that dbt runs after
    # all it reads; a declaration no carrier covers would go untested: fold nothing
    carrier_of: dict[str, str] = {}
    for tested, relation in checked.items():
        covering = [name for _, name, deps in carriers if after[tested] <= deps]
        if not covering:
            return CheckPlan()
        if relation:
            carrier_of[relation] = covering[0]
    by_relation: dict[str, list[str]] = {rel: [] for rel in checked.values() if rel}
    folded: dict[str, list[str]] = {kind: [] for kind in FOLDED_KINDS}
    own_node: dict[str, list[Any]] = {}  # by kind: the tests that must still run on their own
    for node in tests:
        kind = _test_name(node)
        if kind not in FOLDED_KINDS:
            continue
        tested = _tested(node)
        relation = checked.get(tested) if tested else None
        reads = set(node["depends_on"]["nodes"])
        if relation and tested and reads <= after[tested] and _foldable(node):
            by_relation[relation].append(node["unique_id"])
            folded[kind].append(node["name"])
        else:
            own_node.setdefault(kind, []).append(node)
    exclude: list[str] = [f"test_name:{COLUMN_CHECKS}"]
    for kind, names in folded.items():
        if not names:
            continue
        if kind not in own_node:
            exclude.append(f"test_name:{kind}")
        elif all(_severity(node) != "error" for node in own_node[kind]):
            # folded tests all fail the build (_DEFAULT_VERDICT), so when the kind's other
            # tests only warn, one intersection names the folded ones (dbt compares
            # severity case-insensitively)
            exclude.append(f"test_name:{kind},config.severity:error")
        else:
            exclude += sorted(names)
    if not any(by_relation.values()):
        return CheckPlan()
    return CheckPlan(by_relation, carrier_of, tuple(exclude))


def _severity(node: dict[str, Any]) -> str:
    return str(node["config"].get("severity", "error")).lower()


def _test_name(node: dict[str, Any]) -> str | None:
    meta = node.get("test_metadata") or {}
    return meta.get("name")


def _tested(node: dict[str, Any]) -> str | None:
    """The model, seed or source a test is defined on: dbt's attached node (a source
    test has none), else its only parent."""
    attached: str | None = node.get("attached_node")
    if attached:
        return attached
    parents = node.get("depends_on", {}).get("nodes", [])
    return parents[0] if len(parents) == 1 else None


# A test that fails the build on any failing row: what column_checks decides for all.
_DEFAULT_VERDICT = {"severity": "error", "fail_calc": "count(*)", "warn_if": "!= 0",
                    "error_if": "!= 0", "limit": None}  # fmt: skip


def _foldable(node: dict[str, Any]) -> bool:
    """A generic test of this project or dbt's, with the default verdict and arguments dbt
    stored as values (one holding Jinja, such as a `var()` bound, or a `ref()`, needs its
    own node's rendering; a relationships test's `to`, which column_checks takes from its
    `after` refs, excepted)."""
    config = node["config"]
    verdict = {k: config.get(k, v) for k, v in _DEFAULT_VERDICT.items()}
    verdict["severity"] = str(verdict["severity"]).lower()
    if verdict != _DEFAULT_VERDICT or node["test_metadata"].get("namespace"):
        return False
    kwargs = {k: v for k, v in node["test_metadata"]["kwargs"].items() if k != "model"}
    if _test_name(node) == "relationships":
        to = str(kwargs.pop("to", ""))  # column_checks takes it from its `after` refs
        if not _REF.fullmatch(to):
            return False
    text = orjson.dumps(kwargs).decode()
    return not any(mark in text for mark in ("{{", "{%", "var(", "ref(", "source("))


# a relationships test's `to` that column_checks can match to one of its `after` models
_REF = re.compile(r"""\s*ref\(\s*['"][A-Za-z0-9_]+['"]\s*\)\s*""")
