"""one rule for "this label is a person's name": re-key the pseudonyms as revision 0010 does

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 03:00:00

Revision 0010 keyed a named person without the pilot, judged by ``privacy.identifies_person``,
which then had a rule of its own beside ``privacy.is_name_label`` (the scrubbing rule). The two
now share one rule, so a label with its role after the name ("Kari Nordmann prosjektleder") or in
brackets ("Ola Nordbø (ordfører)") is a named person too, the same person in every pilot. This
revision runs 0010's data step again with that rule: such a person's pseudonyms (one per pilot
before) become one, the oldest staying; nothing else changes.
"""
import importlib.util
from pathlib import Path


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _revision_0010():
    path = Path(__file__).with_name("0010_person_identity.py")
    spec = importlib.util.spec_from_file_location("workbench_migration_0010", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    _revision_0010().upgrade()


def downgrade() -> None:
    pass  # merged pseudonyms cannot be told apart again
