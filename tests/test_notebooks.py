"""The notebooks run from top to bottom on a fresh demo database, and are stored without outputs."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, \
                f"{path.name}: clear the outputs before committing"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path, monkeypatch):
    import nbclient
    import nbformat

    monkeypatch.setenv("WORKBENCH_DB", f"sqlite:///{tmp_path / 'nb.db'}")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = json.dumps([o.get("data", {}).get("text/plain", "") for o in outputs], ensure_ascii=False)
    assert "prosjektleder" in text  # the actor x phase table and the quotes were shown


def test_the_notebook_opens_the_projects_demo_from_the_notebooks_folder(tmp_path, monkeypatch, capsys):
    """Jupyter runs the notebook in notebooks/: its first cell opens the data/demo.db that
    `workbench demo` built in the project folder (one up), says which database it opened, and
    builds no second demo in notebooks/data/."""
    import workbench.demo
    from workbench.store import Database

    path = ROOT / "notebooks" / "analyse_demo.ipynb"
    first = next(c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code")
    project = tmp_path / "prosjekt"
    (project / "notebooks").mkdir(parents=True)
    (project / "data").mkdir()
    demo = project / "data" / "demo.db"
    Database(f"sqlite:///{demo}").upgrade()  # as `workbench demo` left it (the content does not matter here)

    def no_second_demo(*args, **kwargs):
        raise AssertionError(f"the notebook built a second demo: {args} {kwargs}")

    monkeypatch.setattr(workbench.demo, "build_demo", no_second_demo)
    monkeypatch.delenv("WORKBENCH_DB", raising=False)
    monkeypatch.chdir(project / "notebooks")
    scope: dict = {}
    exec("".join(first["source"]), scope)  # noqa: S102 (the repository's own notebook)
    scope["db"].dispose()

    assert Path(scope["db"].url.removeprefix("sqlite:///")).resolve() == demo.resolve()
    assert f"Database: sqlite:///{demo.resolve()}" in capsys.readouterr().out
    assert not (project / "notebooks" / "data").exists()
