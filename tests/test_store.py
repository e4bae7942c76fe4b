"""The store: migrations, transactions that roll back, users and audit."""

import pytest
from sqlalchemy import func, select

from workbench.errors import WorkbenchError
from workbench.store import AuditEvent, Database, Source, User


def test_upgrade_is_idempotent(db):
    db.upgrade()
    db.upgrade()
    assert db.is_initialised()


def test_transaction_rolls_back_everything_on_error(db):
    with pytest.raises(RuntimeError):
        with db.transaction(user="kari") as tx:
            tx.session.add(Source(file_name="a.txt", content_hash="x", format="txt", canonical_text="hei"))
            tx.audit("ingest", "source", 1)
            raise RuntimeError("boom")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Source)) == 0
        assert s.scalar(select(func.count()).select_from(User)) == 0


def test_transaction_records_acting_user_and_audit(db):
    with db.transaction(user="kari") as tx:
        tx.session.add(Source(file_name="a.txt", content_hash="x", format="txt", canonical_text="hei"))
        tx.audit("ingest", "source", "a.txt", {"words": 1})
    with db.transaction(user="kari") as tx:
        tx.audit("noop")
    with db.session() as s:
        users = s.scalars(select(User)).all()
        assert [u.name for u in users] == ["kari"]
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.action, e.user.name) for e in events] == [("ingest", "kari"), ("noop", "kari")]
        assert events[0].detail == {"words": 1}


def test_bad_url_is_a_one_line_error():
    with pytest.raises(WorkbenchError, match="not valid"):
        Database("nonsense://")


def test_default_sqlite_path_is_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WORKBENCH_DB", raising=False)
    d = Database()
    d.upgrade()
    assert (tmp_path / "data" / "workbench.db").exists()


def test_migrations_match_the_models(db):
    """A model change without an Alembic revision shows up here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from workbench.store import Base

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_unreachable_server_is_a_one_line_error():
    d = Database("postgresql+psycopg://nobody@127.0.0.1:1/x")
    with pytest.raises(WorkbenchError) as err:
        d.upgrade()
    assert "\n" not in str(err.value) and "cannot open database" in str(err.value)
