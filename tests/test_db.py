"""Import into SQLite and PostgreSQL: atomic, idempotent, with history; migrations; concurrency; crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import run_cli
from sqlalchemy import func, select, text

from inventory.demo.synth import clean_return, write_fast_return, write_return
from inventory.store.db import create, head_revision, open_db, upgrade
from inventory.store.importer import Importer
from inventory.store.models import SYSTEM_COLUMNS, ChildRecord, IssueRecord, Submission, SystemRecord
from inventory.workflow.reviews import submission_rows


def returns(tmp_path, form, roster, names=("人社厅", "成都"), n=8, seed=1, mistakes=False):
    out = []
    for i, name in enumerate(names):
        unit = roster.resolve(name)
        values, rows = clean_return(form, unit, n, seed=seed + i)
        if mistakes:
            rows[form.main.name][0]["layer"] = "应用"
        out.append(write_return(tmp_path / f"{unit.short_name}-{seed}.xlsx", form, unit, values, rows))
    return out


def count(engine, model, **where):
    q = select(func.count()).select_from(model)
    for k, v in where.items():
        q = q.where(getattr(model, k) == v)
    with engine.connect() as conn:
        return conn.scalar(q)


def test_import_history_unchanged_rejected_dry_run(tmp_path, form, roster, db_url):
    engine = open_db(db_url)
    importer = Importer(engine, operator="测试员")
    first = returns(tmp_path, form, roster)
    results = [importer.import_file(p) for p in first]
    assert [r.status for r in results] == ["imported", "imported"]
    assert count(engine, SystemRecord) == 16 and count(engine, Submission, status="accepted") == 2
    assert count(engine, ChildRecord) > 0
    # the same content again changes nothing
    again = importer.import_file(first[0])
    assert again.status == "unchanged" and again.submission_id == results[0].submission_id
    # a newer accepted return of a unit supersedes the older, which stays in the history
    newer = returns(tmp_path, form, roster, names=("人社厅",), n=5, seed=9)[0]
    dry = importer.import_file(newer, dry_run=True)
    assert (dry.status, dry.submission_id) == ("imported", None)
    assert count(engine, Submission) == 2  # the dry run wrote nothing
    real = importer.import_file(newer)
    assert real.as_dict() | {"submission_id": None} == dry.as_dict()
    assert count(engine, Submission, status="superseded") == 1
    assert count(engine, SystemRecord) == 21  # history keeps the old rows; reports read the current ones
    # a return with errors is rejected: its issues are kept, its rows are not
    bad = returns(tmp_path, form, roster, names=("成都",), n=4, seed=20, mistakes=True)[0]
    rejected = importer.import_file(bad)
    assert rejected.status == "rejected" and rejected.errors == 1
    assert count(engine, IssueRecord, submission_id=rejected.submission_id) == 1
    assert count(engine, SystemRecord, submission_id=rejected.submission_id) == 0
    assert count(engine, Submission, status="accepted") == 2  # the unit's accepted return stays current
    history = submission_rows(engine, roster.resolve("人社厅").name)
    assert [h["status"] for h in history] == ["accepted", "superseded"] and history[0]["operator"] == "测试员"
    with engine.connect() as conn:
        row = conn.execute(select(SystemRecord).where(SystemRecord.submission_id == real.submission_id)).first()
    assert row.system_no and row.row == form.main.first_data_row and row.data["system_no"] == row.system_no


def test_a_failed_write_leaves_nothing(tmp_path, form, roster, db_url, monkeypatch):
    engine = open_db(db_url)
    importer = Importer(engine)
    path = returns(tmp_path, form, roster, names=("人社厅",))[0]
    original = importer._store_rows

    def explode(conn, *args):
        original(conn, *args)  # the rows are written ... then the disk fills up
        raise OSError("disk full")

    monkeypatch.setattr(importer, "_store_rows", explode)
    with pytest.raises(OSError):
        importer.import_file(path)
    assert count(engine, Submission) == 0 and count(engine, SystemRecord) == 0 and count(engine, IssueRecord) == 0


def test_a_chunk_that_fails_is_stored_again_file_by_file(tmp_path, form, roster, db_url, monkeypatch):
    """import_files stores several files in one transaction; when that transaction fails, nothing of
    it is kept and each file is stored again in its own transaction: every file once, all or nothing."""
    from sqlalchemy.exc import OperationalError

    from inventory.store.chunk import ChunkFacts

    engine = open_db(db_url)
    importer = Importer(engine)
    paths = returns(tmp_path, form, roster, names=("人社厅", "成都", "教育厅"))
    original_write, original_rows, writes, calls = ChunkFacts.write, importer._store_rows, [], []

    def flaky(self, conn):
        writes.append(len(self.submissions))
        original_write(self, conn)  # the chunk's rows are written, then the connection drops
        raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))

    def one(conn, *args):
        calls.append(args[0])
        original_rows(conn, *args)

    monkeypatch.setattr(ChunkFacts, "write", flaky)
    monkeypatch.setattr(importer, "_store_rows", one)
    results = list(importer.import_files(paths, workers=1))
    assert [r.status for r in results] == ["imported"] * 3
    assert writes == [3] and len(calls) == 3  # the whole chunk once, then each file on its own
    assert count(engine, Submission) == 3
    with engine.connect() as conn:
        per_unit = conn.execute(select(Submission.unit_id, func.count()).group_by(Submission.unit_id)).all()
        stored = conn.scalar(select(func.count()).select_from(SystemRecord))
    assert sorted(n for _, n in per_unit) == [1, 1, 1] and stored == sum(r.systems for r in results)


def test_cli_import_json_and_submissions(tmp_path, form, roster, db_url):
    files = returns(tmp_path, form, roster)
    proc = run_cli("import", str(tmp_path), "--db", db_url, "--json", "--operator", "王五")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)["files"]
    assert sorted(f["path"] for f in out) == sorted(map(str, files))
    for f in out:
        assert set(f) >= {"path", "unit", "status", "submission_id", "systems", "errors", "warnings"}  # the contract; extra keys allowed
        assert f["status"] == "imported" and f["submission_id"]
    dry = json.loads(run_cli("import", str(tmp_path), "--db", db_url, "--json", "--dry-run").stdout)["files"]
    assert {f["status"] for f in dry} == {"unchanged"}
    listed = json.loads(run_cli("submissions", "list", "--db", db_url, "--json").stdout)
    assert len(listed) == 2 and {s["operator"] for s in listed} == {"王五"}


def test_every_typed_column_is_a_field_marked_x_db(form):
    marked = {f.key for f in form.main.fields if f.schema.get("x-db")}
    assert set(SYSTEM_COLUMNS) == marked


def test_upgrade_keeps_data_written_by_the_first_revision(tmp_path, db_url):
    engine = create(db_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO units (name, short_name, kind, level, region_code, pilot) "
                "VALUES ('四川省人力资源和社会保障厅', '人社厅', '省政府组成部门', '省级', '510000', true)"
            )
        )
        unit_id = conn.scalar(text("SELECT id FROM units"))
        conn.execute(
            text(
                "INSERT INTO submissions (unit_id, file_name, sha256, size, form_id, form_version, received_at,"
                " status, systems, errors, warnings) VALUES (:u, 'a.xlsx', 'abc', 10, 'f', '2025.1',"
                " CURRENT_TIMESTAMP, 'accepted', 1, 0, 0)"
            ),
            {"u": unit_id},
        )
        sub_id = conn.scalar(text("SELECT id FROM submissions"))
        conn.execute(
            text(
                "INSERT INTO system_records (submission_id, unit_id, row, system_no, system_name, data) "
                "VALUES (:s, :u, 3, 'XT-1', '社保系统', '{\"system_no\": \"XT-1\"}')"
            ),
            {"s": sub_id, "u": unit_id},
        )
    open_db.cache_clear()
    engine = open_db(db_url)  # upgrades on first use
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
        row = conn.execute(
            text("SELECT s.status, s.as_of, r.system_name FROM submissions s JOIN system_records r ON r.submission_id = s.id")
        ).one()
        assert tuple(row) == ("accepted", None, "社保系统")
        # revision 0001 had no completeness: it is computed from the stored rows, not left at 0
        assert 0 < conn.scalar(text("SELECT completeness FROM submissions")) < 1
        assert conn.scalar(text("SELECT count(*) FROM units")) >= 61  # the roster joined the old units
    # and the upgraded database takes new imports
    files = returns(tmp_path, load_form_(), load_roster_(), names=("人社厅",))
    assert Importer(engine).import_file(files[0]).status == "imported"
    assert count(engine, Submission, status="superseded") == 1


def load_form_():
    from inventory.form.load import load_form

    return load_form()


def load_roster_():
    from inventory.form.roster import load_roster

    return load_roster()


def test_concurrent_imports_into_postgresql(tmp_path, form, roster, pg_url):
    open_db(pg_url)  # create the schema once, as `inventory db upgrade` would
    files = returns(tmp_path, form, roster, names=("人社厅", "成都", "德阳", "交通运输厅"), n=6, seed=1)
    rival = returns(tmp_path, form, roster, names=("人社厅",), n=7, seed=50)[0]  # same unit, other content
    jobs = [*files, rival, files[1]]  # and one file twice

    def run(path):
        return run_cli("import", str(path), "--db", pg_url, "--json")

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        procs = list(pool.map(run, jobs))
    assert all(p.returncode == 0 for p in procs), [p.stderr for p in procs]
    statuses = sorted(json.loads(p.stdout)["files"][0]["status"] for p in procs)
    assert statuses.count("unchanged") == 1 and statuses.count("imported") == 5
    engine = open_db(pg_url)
    with engine.connect() as conn:
        per_unit = conn.execute(text("SELECT unit_id, count(*) FROM submissions WHERE status = 'accepted' GROUP BY unit_id")).all()
        assert len(per_unit) == 4 and all(n == 1 for _, n in per_unit)
        assert conn.scalar(text("SELECT count(*) FROM submissions")) == 5  # nothing duplicated
        # every submission holds exactly its own rows: nothing lost
        bad = conn.execute(
            text(
                "SELECT s.id FROM submissions s LEFT JOIN system_records r ON r.submission_id = s.id "
                "GROUP BY s.id, s.systems HAVING count(r.id) <> s.systems"
            )
        ).all()
        assert bad == []


def test_sigkill_during_import_leaves_all_or_nothing(tmp_path, form, roster):
    unit = roster.resolve("人社厅")
    values, rows = clean_return(form, unit, 30000, seed=3)
    big = write_fast_return(tmp_path / "big.xlsx", form, unit, values, rows)
    db = tmp_path / "crash.db"
    url = f"sqlite:///{db}"
    open_db(url)
    wal = db.with_name(db.name + "-wal")
    start = wal.stat().st_size if wal.exists() else 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "inventory", "import", str(big), "--db", url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 120
    killed_mid_write = False
    while time.time() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > start + 2 * 1024**2:  # rows are being written
            os.kill(proc.pid, signal.SIGKILL)
            killed_mid_write = True
            break
        time.sleep(0.005)
    proc.wait(timeout=60)
    assert killed_mid_write, "the import finished before it could be interrupted"
    assert proc.returncode == -signal.SIGKILL
    open_db.cache_clear()
    engine = open_db(url)
    submissions = count(engine, Submission)
    rows_in = count(engine, SystemRecord)
    assert (submissions, rows_in) == (0, 0)
    # the same file imports whole afterwards
    assert Importer(engine).import_file(big).status == "imported"
    assert count(engine, SystemRecord) == 30000


def test_a_chunk_read_at_once_stores_what_file_by_file_would(tmp_path, form, roster, db_url):
    """import_files asks the database once per chunk (units, content seen before, current and previous
    returns) and writes the chunk's rows together: the outcome is the same as storing file by file, in
    a second round (keys carried, changes said) and with two files of one unit in the chunk."""
    from inventory.workflow.rounds import open_round

    engine, one_by_one = open_db(db_url), open_db(f"sqlite:///{tmp_path / 'single.db'}")
    first = returns(tmp_path, form, roster, names=("人社厅", "成都", "教育厅"), seed=1)
    second = returns(tmp_path, form, roster, names=("人社厅", "成都", "教育厅"), seed=1)  # the same bytes, sent in round 2
    changed = returns(tmp_path, form, roster, names=("人社厅",), seed=5)  # another return of 人社厅
    for e in (engine, one_by_one):
        list(Importer(e).import_files(first, workers=1))
        open_round(e, "R2", "第二轮", None, None, "all", form.version)
    chunked = list(Importer(engine).import_files(second, workers=1))  # asked at once
    chunked += Importer(engine).import_files([changed[0], second[1]], workers=1)  # distinct units: at once again
    chunked += Importer(engine).import_files([changed[0], second[0]], workers=1)  # one unit twice: file by file
    single = [Importer(one_by_one).import_file(p) for p in [*second, changed[0], second[1], changed[0], second[0]]]
    assert [(r.status, r.current, r.note) for r in chunked] == [(r.status, r.current, r.note) for r in single]
    assert chunked[0].note and "与上一次报送" in chunked[0].note and chunked[3].status == "imported"
    assert [r.status for r in chunked[4:]] == ["unchanged"] * 3

    def keys(e):
        with e.connect() as conn:
            q = select(Submission.file_name, Submission.round_id, SystemRecord.row, SystemRecord.system_key)
            return sorted(conn.execute(q.join(Submission, SystemRecord.submission_id == Submission.id)).all())

    mine = keys(engine)
    by_round = {}
    for name, rid, row, key in mine:
        by_round.setdefault((name, row), {})[rid] = key
    assert all(len(set(v.values())) == 1 for (name, _), v in by_round.items() if len(v) == 2 and "-1" in name)  # keys carried
    assert count(engine, Submission) == count(one_by_one, Submission) and count(engine, SystemRecord) == count(one_by_one, SystemRecord)
    assert count(engine, Submission, status="accepted") == 6  # three per round; in round 2 人社厅's second file is current
