"""The documentation covers the command line: every command is in the README, every option has
help text in ``-h`` (as sqlite-utils' docs tests check its CLI)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from extractor.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix}{name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{path} "))
    return found


COMMANDS = _commands(cli)


def test_every_command_is_found() -> None:
    names = {path for path, _ in COMMANDS}
    assert {"batch", "extract", "query", "show", "summarize", "export", "serve"} <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_command_is_documented(path: str, command: click.Command) -> None:
    top = path.split()[0]
    assert f"evidence {top}" in README, f"`evidence {top}` is not in the README"
    assert command.help or command.short_help, f"`evidence {path}` has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"`evidence {path}` option {param.opts} has no help in -h"
