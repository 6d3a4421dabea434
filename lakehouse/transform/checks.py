"""Which data tests a build runs folded into one query, in one dbt node.

dbt runs each data test as a node of its own, and a node costs tens of milliseconds of
compile, transaction and event handling whatever its query: with ~400 tests that is most
of a small incremental build and a third of a full one. The single-table tests of every
model that declares the `column_checks` test (macros/tests/column_checks.sql) run instead
as one query in one node, dbt_tests/column_checks_all.sql, each check over the same rows
its own node would test. The plan is read from the manifest of the last successful
whole-project build (kept beside its state), so `lakehouse build` folds only while the
project is unchanged since that build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

COLUMN_CHECKS = "column_checks"
# the singular test that runs every folded test (dbt_tests/column_checks_all.sql)
CARRIER = "column_checks_all"
# The generic tests that fold (column_checks_all knows each one's macro). A relationships
# test reads another model too: it folds only where its model's column_checks names that
# model in its `after` argument, else it keeps its own node.
FOLDED_KINDS = (
    "not_null", "unique", "accepted_values", "accepted_range", "expression_is_true",
    "unique_combination_of_columns", "is_binary", "is_monotonic", "relationships",
)  # fmt: skip


@dataclass(frozen=True)
class CheckPlan:
    """`by_relation`: the relation tested → the ids of its tests that column_checks_all
    runs (the env var its macro reads); `exclude`: dbt selectors for what the build leaves
    out: the folded tests' own nodes (by kind where every test of a kind is folded, or
    where the rest of the kind only warns (kind and severity error), else by name: dbt
    matches each selector against every node, three times a build, and a few hundred names
    took seconds) and the column_checks declarations. Folding nothing leaves out the
    declarations and column_checks_all, and every test runs as its own node."""

    by_relation: dict[str, list[str]] = field(default_factory=dict)
    exclude: tuple[str, ...] = (f"test_name:{COLUMN_CHECKS}", CARRIER)

    def without(self, skipped: set[str]) -> dict[str, list[str]]:
        """`by_relation` without the tests in `skipped` (the build leaves out their own
        nodes for another reason: they would give the same result)."""
        kept = {rel: [t for t in ids if t not in skipped] for rel, ids in self.by_relation.items()}
        return {rel: ids for rel, ids in kept.items() if ids}


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
    carrier = next((node for node in tests if node["name"] == CARRIER), None)
    checked_reads = {key for node in checks for key in node["depends_on"]["nodes"]}
    if carrier is None or not checked_reads <= set(carrier["depends_on"]["nodes"]):
        # column_checks_all must run after everything its tests read: else fold nothing
        return CheckPlan()
    checked = {_tested(node): relations.get(_tested(node)) for node in checks}
    # what each column_checks runs after: its model and the models named in `after`
    after = {_tested(node): set(node["depends_on"]["nodes"]) for node in checks}
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
    return CheckPlan(by_relation, tuple(exclude))


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
