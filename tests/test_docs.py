"""Documentation stays true: every command has help, and every command the README shows exists."""

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from workbench.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def walk(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from walk(command, prefix + (name,))


COMMANDS = list(walk(cli))


@pytest.mark.parametrize("path,command", COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_help(path, command):
    assert (command.help or "").strip(), f"`workbench {' '.join(path)}` has no help text"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden and param.name != "help":
            assert (param.help or "").strip(), f"`workbench {' '.join(path)}` option {param.opts} has no help"


def test_privacy_doc_names_every_capability_and_protected_function():
    from workbench.access import CAPABILITIES, PROTECTED
    from tests.test_permissions import public_db_functions

    public_db_functions()  # import every module, so PROTECTED is complete
    text = (ROOT / "docs" / "privacy.md").read_text(encoding="utf-8")
    for capability in CAPABILITIES:
        assert f"`{capability}`" in text, f"docs/privacy.md does not describe {capability}"
    internal = {"matrix_long", "matrices_per_phase", "phase_table", "cooccurrence_table", "frequency_table",
                "quote_table", "code_quote_table", "released_quote_table", "report_tables", "heatmaps",
                "phase_bars", "write_charts", "add_demo_users", "release_demo_quotes"}  # "builders"
    missing = [n for n in PROTECTED if n.rsplit(".", 1)[1] not in internal
               and f"`{n.rsplit('.', 1)[1]}`" not in text]
    assert missing == [], f"docs/privacy.md does not list {missing}"


def test_readme_commands_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    used = set()
    for block in blocks:
        for m in re.finditer(r"(?:^|&&\s*)workbench\s+((?:[a-z][a-z-]*\s*){1,2})", block, re.M):
            used.add(tuple(m.group(1).split()))
    assert used, "README shows no workbench commands"
    known = {p for p, _ in COMMANDS}
    for words in used:
        assert words[:1] in known, f"README uses `workbench {' '.join(words)}`, which does not exist"
        if isinstance(cli.commands[words[0]], click.Group) and len(words) > 1:
            assert words[:2] in known, f"README uses `workbench {' '.join(words)}`, which does not exist"
