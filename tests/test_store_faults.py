"""When the database or the disk fails under an import or a report: a clear Chinese answer, nothing
half-written, nothing of someone else's changed, no secret and no stray English line printed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import run_cli

from inventory.demo.synth import clean_return, write_fast_return, write_return


@pytest.fixture(scope="module")
def unit(roster):
    return roster.resolve("人社厅")


@pytest.fixture()
def small_disk(tmp_path):
    """A real file system of a few megabytes (tmpfs), so a disk really fills; skipped where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("a small file system cannot be mounted here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_an_unrelated_sqlite_file_is_refused_untouched(tmp_path, form, unit):
    theirs = tmp_path / "crm.db"
    with sqlite3.connect(theirs) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers (name) VALUES ('张三')")
    before = theirs.read_bytes()
    values, rows = clean_return(form, unit, 3, seed=1)
    path = write_return(tmp_path / "r.xlsx", form, unit, values, rows)
    for args in (["import", str(path)], ["report", "coverage"], ["db", "upgrade"]):
        proc = run_cli(*args, "--db", f"sqlite:///{theirs}")
        assert proc.returncode == 3 and "不是本工具的数据库" in proc.stderr and "customers" in proc.stderr, (args, proc.stderr)
    with sqlite3.connect(theirs) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["customers"]
    assert theirs.read_bytes() == before


def test_a_full_disk_during_import_is_said_and_nothing_is_kept(tmp_path, form, unit, small_disk):
    values, rows = clean_return(form, unit, 3000, seed=2)
    path = write_fast_return(tmp_path / "big.xlsx", form, unit, values, rows)
    url = f"sqlite:///{small_disk / 'inventory.db'}"
    proc = run_cli("import", str(path), "--db", url)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert "磁盘空间已满" in proc.stderr and "内部错误" not in proc.stderr and "disk is full" not in proc.stderr, proc.stderr
    with sqlite3.connect(small_disk / "inventory.db") as conn:
        assert conn.execute("SELECT count(*) FROM submissions").fetchone() == (0,)


def test_a_report_written_to_a_full_disk_leaves_no_truncated_file(tmp_path, form, unit, small_disk):
    values, rows = clean_return(form, unit, 40, seed=3)
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    assert run_cli("import", str(write_return(tmp_path / "r.xlsx", form, unit, values, rows)), "--db", url).returncode == 0
    (small_disk / "filler").write_bytes(b"\0" * (6 * 1024**2 - 8 * 1024))  # 8 KB left
    for fmt in ("json", "md", "html"):
        target = small_disk / f"清单.{fmt}"
        proc = run_cli("report", "inventory", "--db", url, "--format", fmt, "--output", str(target))
        assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
        assert "磁盘空间已满" in proc.stderr and "No space" not in proc.stderr, proc.stderr
        assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]  # no report, no temporary file


def test_a_password_in_the_query_of_a_url_is_never_printed():
    url = "postgresql+psycopg://inv@127.0.0.1:9/nope?password=topsecret&sslpassword=alsosecret"
    for args in (["report", "coverage"], ["db", "upgrade"]):
        proc = run_cli(*args, "--db", url)
        said = proc.stderr + proc.stdout
        assert proc.returncode == 3 and "topsecret" not in said and "alsosecret" not in said, said
        assert "password=***" in said


def test_postgresql_lost_in_the_middle_of_an_import_is_said_in_chinese(tmp_path, form, unit, pg_url):
    import psycopg
    from sqlalchemy.engine import make_url

    values, rows = clean_return(form, unit, 10000, seed=4)
    path = write_fast_return(tmp_path / "big.xlsx", form, unit, values, rows)
    assert run_cli("db", "upgrade", "--db", pg_url).returncode == 0
    database, host = make_url(pg_url).database, make_url(pg_url).query.get("host")
    name = f"import-{uuid.uuid4().hex[:8]}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "inventory", "import", str(path), "--db", pg_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**__import__("os").environ, "PGAPPNAME": name},
    )
    with psycopg.connect(dbname="postgres", host=host, autocommit=True) as admin:
        killed = False
        deadline = time.time() + 120
        while not killed and time.time() < deadline and proc.poll() is None:
            copying = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND query ILIKE 'COPY%%' AND state = 'active'", (database,)
            ).fetchall()
            for (pid,) in copying:
                killed = admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
            time.sleep(0.005)
    _, err = proc.communicate(timeout=120)
    if not killed:
        pytest.skip("the import finished before its COPY could be stopped")
    assert proc.returncode == 3 and "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in line) for line in lines), lines  # every line is ours, in Chinese
    assert "连接在入库过程中中断" in err, err
    with psycopg.connect(dbname=database, host=host) as conn:
        assert conn.execute("SELECT count(*) FROM submissions").fetchone() == (0,)
    assert Path(path).exists()
