"""The migrations build the whole schema the models describe."""

import warnings

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from isocrm.models import Base

# Indexes on an expression: SQLite's reflection skips them (with a warning), so they are
# compared by name, in the database's own catalogue.
EXPRESSION_INDEXES = {"ix_econtacts_lower_value"}


def _not_an_expression_index(_object, name, type_, _reflected, _compare_to) -> bool:
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def test_models_and_migrations_agree(db):
    with db.engine.connect() as connection, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": _not_an_expression_index},
        )
        differences = compare_metadata(context, Base.metadata)
        catalogue = (
            "SELECT name FROM sqlite_master WHERE type = 'index'"
            if db.engine.dialect.name == "sqlite"
            else "SELECT indexname FROM pg_indexes"
        )
        present = set(connection.exec_driver_sql(catalogue).scalars())
    assert differences == []
    assert present >= EXPRESSION_INDEXES


def test_sqlite_runs_with_foreign_keys_and_wal(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_sqlite_indexes_a_migration_adds_get_statistics(tmp_path):
    """Once a database has been ANALYZEd, SQLite takes an index without statistics for a very
    selective one and may prefer it to the primary key (a global search read every ticket of
    the Empresa through the prazo report's new index). An upgrade analyzes such indexes; a
    database never analyzed is left without statistics."""
    from flask_migrate import upgrade

    from isocrm.extensions import db as _db
    from tests.conftest import _test_app

    def stats(conn, index):
        return conn.exec_driver_sql(
            "SELECT stat FROM sqlite_stat1 WHERE idx = ?", (index,)
        ).scalar()

    app = _test_app(f"sqlite:///{tmp_path / 'analyzed.sqlite3'}")
    with app.app_context():
        upgrade(revision="0014")
        with _db.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO companies (name, last_ticket_code) VALUES ('A', 0)")
            for name in ("Reclamação", "Dúvida", "Elogio"):
                conn.execute(
                    sa.text("INSERT INTO reasons (company_id, name) VALUES (1, :name)"),
                    {"name": name},
                )
            conn.exec_driver_sql("ANALYZE")
            assert stats(conn, "ix_reasons_company_id") == "3 3"
            # As if the index had been created by a migration after that ANALYZE.
            conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE idx = 'ix_reasons_company_id'")
        upgrade(revision="0015")
        with _db.engine.connect() as conn:
            assert stats(conn, "ix_reasons_company_id") == "3 3"
        _db.engine.dispose()

    fresh = _test_app(f"sqlite:///{tmp_path / 'never-analyzed.sqlite3'}")
    with fresh.app_context():
        upgrade()
        with _db.engine.connect() as conn:
            assert not conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
            ).first()
        _db.engine.dispose()
