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


@pytest.mark.parametrize("content", [b"not a db\n", b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + b"rot" * 400])
def test_a_file_that_is_not_a_database_is_a_one_line_error_and_left_as_it_was(tmp_path, content):
    junk = tmp_path / "junk.db"
    junk.write_bytes(content)
    with pytest.raises(WorkbenchError) as err:
        Database(f"sqlite:///{junk}").upgrade()
    assert str(err.value) == (f"{junk} is not a SQLite database (or is damaged); give another --db / WORKBENCH_DB, "
                              "or move the file away")
    assert err.value.code == "database.not_sqlite"
    assert junk.read_bytes() == content and sorted(p.name for p in tmp_path.iterdir()) == ["junk.db"]


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


def test_upgrading_an_older_database_keeps_every_row(db):
    """A database made at revision 0001 (before roles and pseudonyms) upgrades without losing a
    speaker link, a coding or a memo (SQLite rebuilds changed tables: foreign keys must not
    cascade then), and its speakers get pseudonyms on first use."""
    from alembic import command
    from sqlalchemy import text

    from workbench.sharing import pseudonym_map
    from workbench.store.db import _alembic_config

    with db.engine.begin() as conn:
        cfg = _alembic_config(db.url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO users (name, role, created_at) VALUES ('a', 'researcher', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO sources (file_name, content_hash, format, canonical_text, word_count, "
                          "ingested_at) VALUES ('f.txt', 'h', 'txt', 'Hei der', 2, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO speakers (source_id, label, actor) VALUES (1, 'PL Nord', 'prosjektleder')"))
        conn.execute(text('INSERT INTO segments (source_id, "index", speaker_id, start_char, end_char, word_count) '
                          "VALUES (1, 1, 1, 0, 7, 2)"))
        conn.execute(text("INSERT INTO codes (id, label, codable, retired, sort_order) VALUES ('k', 'K', TRUE, FALSE, 0)"))
        conn.execute(text("INSERT INTO codings (segment_id, code_id, coder_id, start_char, end_char, origin, created_at) "
                          "VALUES (1, 'k', 1, 0, 7, 'manual', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO memos (author_id, text, coding_id, created_at) VALUES (1, 'm', 1, CURRENT_TIMESTAMP)"))
    db.upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT speaker_id FROM segments")).scalar() == 1
        assert conn.execute(text("SELECT COUNT(*) FROM codings")).scalar() == 1
        assert conn.execute(text("SELECT coding_id FROM memos")).scalar() == 1
    assert list(pseudonym_map(db).values()) == ["Prosjektleder 1"]
