"""Database connection, migrations on first use, the unit roster kept in step, and plain-Chinese
answers for every way a database can fail (unreachable, missing driver, read-only, corrupt, made by
a newer version, busy). A password in a URL never reaches a message."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..errors import SetupError
from .units import sync_defaults, sync_if_needed

DEFAULT_URL = "sqlite:///inventory.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_ID = 0x494E56  # PostgreSQL advisory lock held while the schema is upgraded
URL_HINT = "SQLite 写作 sqlite:///文件名.db，PostgreSQL 写作 postgresql+psycopg://用户@主机/库名。"


def wait_seconds() -> int:
    """How long to wait for another import holding the database before giving up with a message."""
    try:
        return max(1, int(os.environ.get("INVENTORY_DB_WAIT", "15")))
    except ValueError:
        return 15


def resolve_url(url: str | None = None) -> str:
    """--db, else INVENTORY_DB, else inventory.db in the current folder (contract.md)."""
    return url or os.environ.get("INVENTORY_DB") or DEFAULT_URL


_SECRET_QUERY = re.compile(r"(?i)([?&](?:password|passwd|pwd|pass|sslpassword)=)[^&]*")


def describe(url: str) -> str:
    """The URL as it may be shown: the password masked, in the address or in its query (?password=)."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "（无法解析的地址）"
    return unquote(_SECRET_QUERY.sub(r"\1***", shown))  # as typed: host=/var/run/postgresql, not %2F


def hide_secrets(text: str, url: str) -> str:
    """`text` (a driver's message) without the URL's password, wherever the driver repeated it."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return text
    for secret in (
        parsed.password,
        *(v for k, v in parsed.query.items() if k.lower() in ("password", "passwd", "pwd", "pass", "sslpassword")),
    ):
        for value in [secret] if isinstance(secret, str) else list(secret or ()):
            if value:
                text = text.replace(str(value), "***")
    return text


def explain(exc: BaseException, url: str = "") -> SetupError:
    """A database failure in plain Chinese: what happened and what to do. No SQL, no password."""
    where = f"数据库 {describe(url)} " if url else "数据库"
    text_ = hide_secrets(str(getattr(exc, "orig", None) or exc), url).lower()
    if "disk is full" in text_ or "no space left" in text_ or "could not extend file" in text_ or "disk full" in text_:
        return SetupError(
            f"{where}所在的磁盘空间已满，这份文件没有入库（已写入的部分已全部撤销，数据库保持原样）。",
            hint="请清理数据库所在磁盘的空间（或换到空间充足的位置）后重新导入。",
        )
    if (
        "terminating connection" in text_
        or "server closed the connection" in text_
        or "connection is lost" in text_
        or "consuming input failed" in text_
    ):
        return SetupError(
            f"{where}的连接在入库过程中中断（数据库服务可能已停止或重启），这份文件没有入库，数据库保持原样。",
            hint="请确认数据库服务已恢复运行后重新导入。",
        )
    if "readonly" in text_ or "read-only" in text_ or "permission denied" in text_:
        return SetupError(f"{where}是只读的，无法写入。", hint="请检查文件和所在文件夹的写权限，或改用可写的数据库（--db）。")
    if "malformed" in text_ or "not a database" in text_ or "file is encrypted" in text_:
        return SetupError(f"{where}的文件已损坏或不是数据库文件。", hint="请从备份恢复该文件，或用 --db 指定另一个数据库。")
    if "locked" in text_ or "busy" in text_ or "lock timeout" in text_ or "canceling statement" in text_:
        return SetupError(
            f"{where}正被另一个操作占用，等待 {wait_seconds()} 秒后仍未释放。",
            hint="请等另一个入库或升级操作结束后重试；需要等更久可设置环境变量 INVENTORY_DB_WAIT（秒）。",
        )
    if "no such table" in text_ or ("does not exist" in text_ and "relation" in text_):
        return SetupError(f"{where}的结构不完整。", hint="请运行 `inventory db upgrade`，或从备份恢复。")
    summary = text_.splitlines()[0][:200] if text_ else type(exc).__name__
    return SetupError(f"{where}出错：{summary}", hint="请检查数据库地址和服务状态；加 --debug 可看详细信息。")


def _alembic_config(connection: object) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*[\"']([^\"']+)[\"']", re.M)


@lru_cache(maxsize=1)
def _revisions() -> tuple[frozenset[str], str]:
    """(every revision the migration scripts define, the head), read from the scripts' headers: a
    database already at the head opens without importing Alembic (~0.25 s)."""
    known, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for kind, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (known if kind == "revision" else parents).add(value)
    heads = known - parents
    return frozenset(known), max(heads) if heads else ""


def head_revision() -> str:
    return _revisions()[1]


def known_revisions() -> set[str]:
    return set(_revisions()[0])


def create(url: str) -> Engine:
    """An engine for `url`, checked to be reachable."""
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise SetupError(
            f"使用 PostgreSQL 需要先安装数据库驱动（缺少 {exc.name}）。",
            hint='请运行 pip install "inventory[postgres]"（或 pip install "psycopg[binary]"）后重试。',
        ) from exc
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise SetupError(f"数据库地址无效：{describe(url)}", hint=URL_HINT) from exc
    if engine.dialect.name == "sqlite":
        busy_ms = wait_seconds() * 1000

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.execute("PRAGMA foreign_keys=ON")
            tables, ours = cur.execute(
                "SELECT count(*), count(CASE name WHEN 'alembic_version' THEN 1 END) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()
            if ours or not tables:  # someone else's file keeps its journal mode (it is refused, untouched)
                with contextlib.suppress(Exception):  # a read-only file cannot switch its journal; reading still works
                    cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

    elif engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _timeouts(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET lock_timeout = '{wait_seconds()}s'")
            dbapi_conn.commit()

    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        if "not a database" in str(exc).lower() or "malformed" in str(exc).lower():
            raise explain(exc, url) from exc
        said = hide_secrets(str(exc.orig if hasattr(exc, "orig") else exc), url).strip().splitlines()
        raise SetupError(
            f"无法连接数据库 {describe(url)}：{(said or [type(exc).__name__])[0][:200]}",
            hint="请检查 --db 或环境变量 INVENTORY_DB，确认数据库服务已启动、账号有权限。",
        ) from exc
    return engine


@contextlib.contextmanager
def _schema_lock(engine: Engine) -> Iterator[None]:
    """One process at a time upgrades a SQLite file (PostgreSQL uses an advisory lock in the transaction)."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        yield
        return
    with open(f"{path}.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` and the units table in step with the roster."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.util.exc import CommandError

    try:
        with _schema_lock(engine), engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
            current = MigrationContext.configure(conn).get_current_revision()
            _check_known(current, engine)
            if current is None:
                _refuse_foreign(conn, engine.url.render_as_string(hide_password=False))
            command.upgrade(_alembic_config(conn), revision)
            if revision == "head":
                sync_defaults(Session(bind=conn))
    except (SQLAlchemyError, CommandError) as exc:
        raise explain(exc, engine.url.render_as_string(hide_password=True)) from exc


def _check_known(revision: str | None, engine: Engine) -> None:
    if revision and revision not in known_revisions():
        raise SetupError(
            f"数据库 {describe(engine.url.render_as_string())} 由更新版本的本工具创建（结构版本 {revision}），当前版本无法使用。",
            hint="请升级本工具后再使用这个数据库。",
        )


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (Alembic's version table), None for an empty one."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.scalar(text("SELECT version_num FROM alembic_version"))
    except SQLAlchemyError as exc:
        raise explain(exc, engine.url.render_as_string(hide_password=True)) from exc


def database_exists(url: str | None = None) -> bool:
    """Whether there is a database to read at `url` (a server database is assumed to be there; a
    SQLite file must exist): commands that can work without one fall back to `forms/`."""
    url = resolve_url(url)
    parsed = make_url(url) if "://" in url else None
    if parsed is None or parsed.get_backend_name() != "sqlite":
        return True
    return bool(parsed.database) and Path(parsed.database).exists()


def _refuse_foreign(conn: Any, url: str) -> None:
    """A database that holds tables but not ours (no schema revision) is someone else's: adding our
    tables to it would change a file nobody meant to give us."""
    tables = [t for t in inspect(conn).get_table_names() if not t.startswith("sqlite_")]
    if tables and "alembic_version" not in tables:
        listed = "、".join(tables[:5]) + (f" 等 {len(tables)} 张表" if len(tables) > 5 else "")
        raise SetupError(
            f"数据库 {describe(url)} 不是本工具的数据库：其中已有别的表（{listed}），没有本工具的数据。为免改动别人的数据，没有写入任何内容。",
            hint="请用 --db 指定本工具的数据库；要新建，请给一个还不存在的文件名（SQLite）或一个空的数据库（PostgreSQL）。",
        )


@lru_cache(maxsize=8)
def open_db(url: str | None = None, create_missing: bool = True) -> Engine:
    """The engine for `url`, with the schema created or upgraded on first use. With
    `create_missing=False` (reports and lists) a database that does not exist yet is an error:
    a report over an empty database would say every unit has not submitted."""
    url = resolve_url(url)
    if not create_missing:
        parsed = make_url(url) if "://" in url else None
        if parsed is not None and parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
            raise SetupError(
                f"找不到数据库文件 {parsed.database}。",
                hint="请在入库时所在的文件夹运行，或用 --db 指定数据库（先用 `inventory import` 入库才会有数据库）。",
            )
    engine = create(url)
    revision = current_revision(engine)
    if revision is None:
        with engine.connect() as conn:
            _refuse_foreign(conn, url)
    if revision is None and not create_missing:
        raise SetupError(
            f"数据库 {describe(url)} 还是空的（没有建表，也没有任何报送数据）。",
            hint="新建的数据库请先运行 `inventory db upgrade` 建表（导入报表时也会自动建表）；数据本应在里面的，请检查 --db 是否写对。",
        )
    _check_known(revision, engine)
    if revision != head_revision():
        upgrade(engine)
    else:
        try:
            sync_if_needed(engine)
        except SQLAlchemyError as exc:
            raise explain(exc, url) from exc
    return engine
