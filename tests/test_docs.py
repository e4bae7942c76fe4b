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
    internal = {"matrix_long", "matrices_per_phase", "phase_table", "phase_tables", "cooccurrence_table", "frequency_table",
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


def app_pages() -> list[str]:
    """The URL names of app.py's PAGES ("views/koding.py" -> "koding"), read without running it."""
    import ast

    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    value = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == "PAGES" for t in node.targets))
    return [Path(file).stem for file, *_ in ast.literal_eval(value)]


SCREENS = ROOT / "docs" / "screens"
EXTRA_SCREENS = ["login", "oversikt_ressursgruppe"]  # the login page; Oversikt as the resource group


@pytest.mark.parametrize("name", app_pages() + EXTRA_SCREENS)
def test_every_page_has_a_screenshot_the_readme_shows(name):
    png = SCREENS / f"{name}.png"
    assert png.is_file(), f"{png.relative_to(ROOT)} is missing: run python scripts/screenshot.py --all"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 10_000 < png.stat().st_size < 400_000, f"{png.name}: {png.stat().st_size} bytes"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"!\[[^\]]+\]\(docs/screens/{name}\.png\)", readme), f"README does not show {png.name}"


def test_screenshots_are_all_known_and_the_old_one_is_gone():
    shown = {p.stem for p in SCREENS.glob("*.png")}
    assert shown == set(app_pages() + EXTRA_SCREENS)
    assert len(app_pages()) == 7
    assert not (ROOT / "docs" / "oversikt.png").exists()
    old = "docs/" + "oversikt.png"  # replaced by docs/screens/oversikt.png
    for path in [ROOT / "README.md", ROOT / "scripts" / "screenshot.py", ROOT / "tests" / "test_browser.py"]:
        assert old not in path.read_text(encoding="utf-8"), f"{path.name} still names {old}"


def test_readme_walkthrough_examples_fit_the_sample_corpus(tmp_path):
    """The README's examples, run on data/sample as it says: a turn it codes, releases or records a
    consensus on is a participant's (the interviewer's turns are not counted and their quotes are
    by "Forsker N"), and its phrase search finds something."""
    from workbench.ingest import ingest_paths, list_turns
    from workbench.search import search
    from workbench.store import Database

    db = Database(f"sqlite:///{tmp_path / 'walk.db'}")
    db.upgrade()
    assert not ingest_paths(db, [ROOT / "data" / "sample"], user="kari").errors
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    turns = re.findall(r"workbench (?:code|uncode|release|agreement --consensus) (\S+\.\w+) (\d+)", readme)
    assert len(turns) >= 5
    for source, turn in turns:
        actor = {t["index"]: t["actor"] for t in list_turns(db, source, user="kari")}[int(turn)]
        assert actor != "forsker", f"README uses turn {turn} of {source}, the interviewer's"
    phrase = re.search(r"""workbench search '("[^']+")' --phase "([^"]+)" --actor (\S+)""", readme)
    assert search(db, phrase[1], phase=phrase[2], actor=phrase[3], user="kari"), phrase[0]
    db.dispose()
