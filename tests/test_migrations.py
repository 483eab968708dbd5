"""Migrations: they build the schema the models describe, and can be undone."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from porchlight.db import make_engine
from porchlight.migrate import downgrade, upgrade
from porchlight.models import Base


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models differ from migrations; add a revision: {diff}"


def test_upgrade_then_downgrade_to_base_and_back(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(eng)
    assert {"users", "households", "cameras", "privacy_zones"} <= set(
        inspect(eng).get_table_names()
    )
    downgrade(eng, "base")
    assert set(inspect(eng).get_table_names()) <= {"alembic_version"}
    upgrade(eng)
    assert "users" in inspect(eng).get_table_names()
    eng.dispose()


def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    eng.dispose()
