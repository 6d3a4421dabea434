"""CLI commands for access control: `access roles`, `access render`."""

from __future__ import annotations

import click
import orjson


@click.group()
def access() -> None:
    """Roles of config/access.yml (PRIV-5): list them, or render Lake Formation grants."""


@access.command("roles")
def access_roles() -> None:
    """List each role with its tables, denied columns and city filter."""
    from lakehouse.access.policy import load_policy

    policy = load_policy()
    click.echo(f"policy {policy.path}")
    for role in policy.roles.values():
        click.echo(f"{role.name}: {role.description}")
        click.echo(f"  tables: {', '.join(role.tables)}")
        if role.deny_columns:
            click.echo(f"  denied columns: {', '.join(sorted(role.deny_columns))}")
        if role.cities:
            click.echo(f"  cities: {', '.join(role.cities)}")


@access.command("render")
@click.option(
    "--database", default="lakehouse_gold", show_default=True, help="Glue database holding Gold."
)
@click.option(
    "--account-id",
    default="123456789012",
    show_default=True,
    help="AWS account id owning the catalog and the lakehouse-<role> IAM roles.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the JSON here instead of printing it.",
)
def access_render(database: str, account_id: str, out: str | None) -> None:
    """Render the access policy as Lake Formation CreateDataCellsFilter and GrantPermissions
    request bodies (JSON) for production."""
    from lakehouse.access.lakeformation import render
    from lakehouse.access.policy import load_policy

    doc = orjson.dumps(render(load_policy(), database, account_id), option=orjson.OPT_INDENT_2)
    if out:
        with open(out, "wb") as fh:
            fh.write(doc + b"\n")
        click.echo(f"wrote {out}")
    else:
        click.echo(doc.decode())
