"""Library errors carry stable codes; the app shows them in Norwegian without command-line hints."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

import workbench
from workbench.errors import Busy, InputError, NotFound, PermissionDenied, WorkbenchError
from workbench.ui.messages import MESSAGES, norwegian
from workbench.ui.session import error_text

ERRORS = {"WorkbenchError", "NotFound", "InputError", "PermissionDenied", "Busy"}
DERIVED = {"label", "status_no", "code"}  # filled in by norwegian() itself


def _raised_codes() -> dict[str, set[str]]:
    """{code: keyword names given with it} for every ``SomeError(..., code="x", ...)`` in the package."""
    found: dict[str, set[str]] = {}
    for path in Path(workbench.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in ERRORS:
                continue
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            if isinstance(kw.get("code"), ast.Constant):
                found.setdefault(kw["code"].value, set()).update(k for k in kw if k != "code")
    return found


def test_every_code_raised_in_the_library_has_a_norwegian_text_its_params_can_fill():
    raised = _raised_codes()
    assert len(raised) >= 20  # the scan found the codes (coding, lookup, search, agreement, media)
    missing = sorted(set(raised) - set(MESSAGES))
    assert not missing, f"add Norwegian texts to workbench/ui/messages.py for {missing}"
    for code, params in raised.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(MESSAGES[code]) if f}
        assert fields <= params | DERIVED, (code, fields - params - DERIVED)


def test_texts_are_norwegian_without_command_line_hints():
    for code, text in MESSAGES.items():
        assert "workbench " not in text and "`" not in text and "--" not in text, code


@pytest.mark.parametrize("exc, expected", [
    (NotFound("coder 'kari' has no coding 'x' on turn 3 of 'a.txt'; see `workbench codings --source a.txt`",
              code="coding.none_on_turn", coder="kari", code_id="x", label="Hybrid kontrakt", turn=3,
              source="a.txt"),
     "Du har ingen koding «Hybrid kontrakt» på tur 3 å fjerne."),
    (WorkbenchError("suggestion 4 was already rejected by ola; ...", code="suggestion.decided", id=4,
                    status="rejected", who="ola"), "Forslaget er allerede avvist av ola."),
    (InputError("something new and English; run `workbench x`"), "Ugyldig verdi (feilkode input)."),
    (Busy("database is locked"), "Databasen er opptatt med en annen skriving. Prøv igjen om et øyeblikk."),
    (PermissionDenied("Ingen tilgang: rollen «ressursgruppe» kan ikke kode."),
     "Ingen tilgang: rollen «ressursgruppe» kan ikke kode."),
])
def test_norwegian_text_by_code_or_class(exc, expected):
    assert norwegian(exc) == expected
    assert "workbench" not in error_text(exc)


def test_retitled_keeps_code_and_params():
    exc = NotFound("no coding with id 7", code="coding.not_found", id=7).retitled("row 3")
    assert (type(exc), str(exc), exc.code, exc.params) == (NotFound, "row 3: no coding with id 7",
                                                           "coding.not_found", {"id": 7})


def test_an_error_the_workbench_did_not_raise_gets_a_generic_norwegian_line_escaped_once():
    from sqlalchemy.exc import OperationalError

    exc = OperationalError("INSERT", {}, Exception("database is locked"))
    assert norwegian(exc) == ("Det oppstod en uventet feil (OperationalError). Prøv igjen; skjer det igjen, si fra "
                              "til en forsker.")
    assert norwegian(KeyError("x")).startswith("Det oppstod en uventet feil (KeyError).")
