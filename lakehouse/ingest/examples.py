"""Run the examples every contract ships (ING-3) through the real validator.

Each `v<N>.examples.json` lists valid events (must be accepted) and invalid ones with
the reason and JSON pointer they must be rejected with.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson

from lakehouse.ingest.registry import Contract, Registry
from lakehouse.ingest.validate import Rejection, Validator


def examples_path(contract: Contract) -> Path:
    return contract.path.with_name(contract.path.name.replace(".schema.json", ".examples.json"))


def load_examples(contract: Contract) -> dict[str, list[Any]]:
    path = examples_path(contract)
    if not path.is_file():
        return {}
    data: dict[str, list[Any]] = orjson.loads(path.read_bytes())
    return data


def check_example(
    validator: Validator, event: Any, now: float | None = None
) -> Rejection | tuple[str, ...]:
    return validator.check(event, len(orjson.dumps(event)), time.time() if now is None else now)


def run_examples(registry: Registry) -> list[str]:
    """Every example whose verdict differs from what the file says, as messages."""
    validator = Validator(registry)
    problems: list[str] = []
    for contract in registry.all():
        ex = load_examples(contract)
        where = f"schemas/{contract.key}.examples.json"
        if not ex:
            problems.append(
                f"{where} is missing: every contract ships valid and invalid examples (ING-3)."
            )
            continue
        if not ex.get("valid") or not ex.get("invalid"):
            problems.append(f"{where}: needs at least one valid and one invalid example.")
        for i, event in enumerate(ex.get("valid", [])):
            verdict = check_example(validator, event)
            if isinstance(verdict, Rejection):
                problems.append(
                    f"{where} valid[{i}] was rejected: {verdict.reason} at {verdict.pointer}: {verdict.message}"
                )
        for i, case in enumerate(ex.get("invalid", [])):
            verdict = check_example(validator, case["event"])
            if not isinstance(verdict, Rejection):
                problems.append(
                    f"{where} invalid[{i}] ({case.get('description', '')}) was accepted"
                )
            elif (verdict.reason, verdict.pointer) != (case["reason"], case["pointer"]):
                problems.append(
                    f"{where} invalid[{i}] ({case.get('description', '')}): expected {case['reason']} at "
                    f"{case['pointer']!r}, got {verdict.reason} at {verdict.pointer!r}"
                )
    return problems
