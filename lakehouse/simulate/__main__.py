"""`python -m lakehouse.simulate …` runs the `generate` command without the CLI group."""

from __future__ import annotations

import sys

import click

from lakehouse.errors import LakehouseError
from lakehouse.simulate.cli import generate

try:
    generate.main(prog_name="python -m lakehouse.simulate", standalone_mode=False)
except click.ClickException as err:
    err.show()
    sys.exit(err.exit_code)
except LakehouseError as err:
    click.secho(f"error: {err}", fg="red", err=True)
    sys.exit(err.exit_code)
