"""Descriptions of Gold tables from the dbt docs.

The manifest that the last `lakehouse build` wrote (under the lake) describes exactly
what was built; before any build, or if it is unreadable, the model .yml files in the
project say the same thing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import yaml

from lakehouse.config import PROJECT_ROOT, Settings
from lakehouse.transform.runner import dbt_dirs

_DOCUMENTED = ("model", "seed")


def descriptions(settings: Settings) -> dict[str, str]:
    """Model/seed name → its dbt description (whitespace collapsed)."""
    found = _from_manifest(dbt_dirs(settings)[0] / "manifest.json")
    if not found:
        found = _from_yml(PROJECT_ROOT / "models")
    return {name: " ".join(text.split()) for name, text in found.items()}


def _from_manifest(path: Path) -> dict[str, str]:
    try:
        manifest: dict[str, Any] = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return {
        node["name"]: node.get("description") or ""
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") in _DOCUMENTED
    }


def _from_yml(models_dir: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(models_dir.rglob("*.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        for model in doc.get("models") or []:
            if isinstance(model, dict) and "name" in model:
                out[model["name"]] = model.get("description") or ""
    return out
