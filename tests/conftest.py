from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inventory.form import Form, Roster, load_form, load_roster
from inventory.template import write_templates


@pytest.fixture(scope="session")
def form() -> Form:
    return load_form()


@pytest.fixture(scope="session")
def roster() -> Roster:
    return load_roster()


@pytest.fixture(scope="session")
def pilot_templates(tmp_path_factory, form, roster) -> list[Path]:
    out = tmp_path_factory.mktemp("pilot")
    return write_templates(form, roster.pilots(), out)


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real console script in a subprocess (exit codes and stdout/stderr as users see them)."""
    import os
    import sys

    full_env = {**os.environ, **env} if env else None
    return subprocess.run([sys.executable, "-m", "inventory", *args], capture_output=True, text=True, cwd=cwd, timeout=300, env=full_env)


def cli_json(*args: str) -> object:
    proc = run_cli(*args)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_roundtrip(path: Path, outdir: Path) -> Path:
    """Open `path` in LibreOffice headless and save it again as xlsx (our stand-in for Excel/WPS)."""
    exe = soffice()
    if not exe:
        pytest.skip("LibreOffice (soffice) is not installed")
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "lo-profile"
    subprocess.run(
        [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx", "--outdir", str(outdir), str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    out = outdir / path.name
    assert out.exists(), f"LibreOffice did not write {out}"
    return out


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (the system's; nothing is downloaded), driven by Playwright."""
    exe = chromium()
    if not exe:
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def html(page) -> str:
    """The page's HTML once it has loaded. A click that navigates returns when the new page
    starts to arrive; on a busy machine its body may still be empty then."""
    page.wait_for_load_state()
    return page.content()


PG_ENV = "INVENTORY_TEST_PG"


def _fresh_pg_database(base: str) -> tuple[str, object]:
    """A new, empty PostgreSQL database next to `base`; returns (url, dropper)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"inv_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        from inventory.store.db import open_db

        open_db.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return url, drop


def _pg_database():
    """A fresh PostgreSQL database for one test, dropped afterwards; skip when no server is given."""
    import os

    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"set {PG_ENV} to run the PostgreSQL tests")
    url, drop = _fresh_pg_database(base)
    try:
        yield url
    finally:
        drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh database: SQLite always; PostgreSQL when INVENTORY_TEST_PG gives a server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        yield from _pg_database()


@pytest.fixture()
def pg_url():
    yield from _pg_database()
