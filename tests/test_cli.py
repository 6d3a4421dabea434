"""Every command documents itself (a command without help text fails here)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from lakehouse.cli import main


def _walk(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, f"`lakehouse {' '.join((*prefix, name))}` does not load"
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out.extend(_walk(cmd, (*prefix, name)))
    return out


COMMANDS = _walk(main)


def test_stable_contract_commands_exist() -> None:
    assert {("load",), ("serve",), ("schemas", "check")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    res = CliRunner().invoke(main, [*path, "--help"])
    assert res.exit_code == 0, res.output
    cmd: click.Command = main
    for part in path:
        assert isinstance(cmd, click.Group)
        sub = cmd.get_command(click.Context(cmd), part)
        assert sub is not None
        cmd = sub
    assert cmd.help and len(cmd.help.strip()) > 20, (
        f"`lakehouse {' '.join(path)}` needs real help text"
    )
    for param in cmd.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"`lakehouse {' '.join(path)}` option {param.opts} has no help"
