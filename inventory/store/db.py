"""Database connection, migrations on first use, and the unit roster kept in step."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..errors import SetupError
from ..form.roster import load_roster
from .models import Unit

DEFAULT_URL = "sqlite:///inventory.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_ID = 0x494E56  # PostgreSQL advisory lock held while the schema is upgraded


def resolve_url(url: str | None = None) -> str:
    """--db, else INVENTORY_DB, else inventory.db in the current folder (contract.md)."""
    return url or os.environ.get("INVENTORY_DB") or DEFAULT_URL


def _alembic_config(connection: object) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head() or ""


def _describe(url: str) -> str:
    return url.split("@")[-1] if "@" in url else url


def create(url: str) -> Engine:
    """An engine for `url`, checked to be reachable."""
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise SetupError(
            f"数据库地址无效：{_describe(url)}（{exc}）",
            hint="SQLite 写作 sqlite:///文件名.db，PostgreSQL 写作 postgresql+psycopg://用户@主机/库名。",
        ) from exc
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise SetupError(
            f"无法连接数据库 {_describe(url)}：{str(exc.orig if hasattr(exc, 'orig') else exc).strip()}",
            hint="请检查 --db 或环境变量 INVENTORY_DB，确认数据库服务已启动、账号有权限。",
        ) from exc
    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` and the units table in step with the roster."""
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
            command.upgrade(_alembic_config(conn), revision)
            if revision == "head":
                sync_units(Session(bind=conn))
    except SQLAlchemyError as exc:
        raise SetupError(f"数据库结构升级失败：{exc}", hint="请确认账号有建表权限；可用 `inventory db upgrade --debug` 查看详情。") from exc


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def sync_units(session: Session) -> None:
    existing = {u.name: u for u in session.scalars(select(Unit))}
    for u in load_roster():
        row = existing.get(u.name) or Unit(name=u.name)
        row.short_name, row.kind, row.level, row.region_code, row.pilot = u.short_name, u.kind, u.level, u.region_code, u.pilot
        session.add(row)
    session.flush()


@lru_cache(maxsize=8)
def open_db(url: str | None = None) -> Engine:
    """The engine for `url`, with the schema created or upgraded on first use."""
    engine = create(resolve_url(url))
    if current_revision(engine) != head_revision():
        upgrade(engine)
    return engine
