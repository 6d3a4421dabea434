"""The access policy as AWS Lake Formation grants (PRIV-5, production).

Each role becomes an IAM role principal; each Gold table it may read one SELECT grant:
on the table (no limits), on `TableWithColumns` with `ExcludedColumnNames` (denied
columns), or on a `DataCellsFilter` (city row filter, plus the column exclusions) —
the same rules `guard` enforces locally. Tables and columns come from the Gold
models' `.yml` files, so rendering needs no built lake. The output is a JSON document
of `CreateDataCellsFilter` and `GrantPermissions` request bodies, for boto3 or
Terraform.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lakehouse.access.policy import Policy, Role
from lakehouse.config import PROJECT_ROOT
from lakehouse.silver.private import PII_HASHES

MARTS = PROJECT_ROOT / "models" / "marts"
PRIVATE_DB, PRIVATE_TABLE = PII_HASHES.split(".")


def gold_models(marts: Path = MARTS) -> dict[str, list[str]]:
    """Gold table → its documented columns, from `models/marts/**/*.yml`."""
    out: dict[str, list[str]] = {}
    for path in sorted(marts.rglob("*.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        for model in doc.get("models", []):
            out[model["name"]] = [c["name"] for c in model.get("columns", [])]
    return dict(sorted(out.items()))


def _principal(account_id: str, role: Role) -> dict[str, str]:
    return {"DataLakePrincipalIdentifier": f"arn:aws:iam::{account_id}:role/lakehouse-{role.name}"}


def render(policy: Policy, database: str, account_id: str) -> dict[str, Any]:
    """`{"data_cells_filters": [...], "grants": [...]}` for every role of `policy`."""
    models = gold_models()
    filters: list[dict[str, Any]] = []
    grants: list[dict[str, Any]] = []
    for role in policy.roles.values():
        principal = _principal(account_id, role)
        if role.may_read_private:  # PRIV-1: the private Silver area, its own Glue database
            grants.append({
                "Principal": principal,
                "Resource": {"Table": {"CatalogId": account_id, "DatabaseName": PRIVATE_DB,
                                       "Name": PRIVATE_TABLE}},
                "Permissions": ["SELECT", "DESCRIBE"],
            })  # fmt: skip
        if role.unrestricted:
            grants.append({
                "Principal": principal,
                "Resource": {"Table": {"CatalogId": account_id, "DatabaseName": database, "TableWildcard": {}}},
                "Permissions": ["SELECT", "DESCRIBE"],
            })  # fmt: skip
            continue
        for table, columns in models.items():
            if not role.may_read_table(table):
                continue
            where = role.row_filter(columns)
            if where == "":
                continue  # city-limited role, table without a city column: no grant
            excluded = sorted(c for c in columns if role.denies(table, c))
            wildcard = {"ExcludedColumnNames": excluded} if excluded else {}
            if where:
                name = f"{role.name}_{table}_cities"
                filters.append({"TableData": {
                    "TableCatalogId": account_id, "DatabaseName": database, "TableName": table,
                    "Name": name, "RowFilter": {"FilterExpression": where},
                    "ColumnWildcard": wildcard,
                }})  # fmt: skip
                resource: dict[str, Any] = {"DataCellsFilter": {
                    "TableCatalogId": account_id, "DatabaseName": database, "TableName": table,
                    "Name": name,
                }}  # fmt: skip
            else:
                resource = {"TableWithColumns": {
                    "CatalogId": account_id, "DatabaseName": database, "Name": table,
                    "ColumnWildcard": wildcard,
                }}  # fmt: skip
            grants.append({"Principal": principal, "Resource": resource, "Permissions": ["SELECT"]})
    return {"database": database, "data_cells_filters": filters, "grants": grants}
