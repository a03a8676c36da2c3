"""Intake never stores wrong data silently, never drops a batch, and never misleads: one test per trap,
through the command line as a user meets it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli
from corpus import main_sheet_part, rewrite_zip
from sqlalchemy import text

from inventory.demo.synth import clean_return, write_fast_return, write_return
from inventory.output import CUT_MARK, save_workbook
from inventory.store.db import open_db


@pytest.fixture(scope="module")
def unit(roster):
    return roster.resolve("人社厅")


def make(tmp_path, form, unit, mutate=None, n=4, seed=3, name="r.xlsx", values_mutate=None):
    values, rows = clean_return(form, unit, n, seed=seed)
    for row in rows[form.main.name]:
        row["build_mode"] = "自行建设"
        row.setdefault("vendor", "四川华西信息技术有限公司")
    if mutate:
        mutate(rows)
    if values_mutate:
        values_mutate(values)
    return write_return(tmp_path / name, form, unit, values, rows)


def validate_json(*paths) -> dict:
    proc = run_cli("validate", *map(str, paths), "--json")
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def issues_of(result: dict, code: str) -> list[dict]:
    return [i for f in result["files"] for i in f["issues"] if i["code"] == code]


def stored_values(url: str) -> list[dict]:
    engine = open_db(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT data FROM system_records ORDER BY row")).scalars().all()
    return [json.loads(r) if isinstance(r, str) else r for r in rows]


# -- wrong data stored without a word --


def test_numbers_in_date_columns_are_read_as_a_person_meant(tmp_path, form, unit):
    def mutate(rows):
        s = rows[form.main.name]
        s[0]["approval_date"] = 2019  # a year alone: not a month; rejected, the value shown as typed
        s[1]["approval_date"] = 201905  # a year and month
        s[2]["approval_date"] = 20190315  # a compact date
        s[3]["approval_date"] = 43466  # a date that lost its format (2019-01-01): read, and said so

    path = make(tmp_path, form, unit, mutate)
    result = validate_json(path)
    (year,) = issues_of(result, "CELL_DATE")
    assert year["value"] == 2019 and "2019" in year["message"] and year["row"] == form.main.first_data_row
    assert "2019.0" not in year["message"] and "“2019”" in year["message"]  # the year as typed, not as a float
    assert "1905" not in json.dumps(result, ensure_ascii=False)
    (serial,) = issues_of(result, "CELL_DATE_SERIAL")
    assert serial["severity"] == "warning" and "2019-01" in serial["message"]
    # the same return without the bare year imports, and stores what was meant
    path = make(tmp_path, form, unit, lambda rows: [mutate(rows), rows[form.main.name][0].update(approval_date="2019-06")], name="ok.xlsx")
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert run_cli("import", str(path), "--db", url).returncode == 0
    assert [v.get("approval_date") for v in stored_values(url)] == ["2019-06", "2019-05", "2019-03-15", "2019-01"]


def test_a_year_typed_into_a_date_formatted_cell_is_caught(tmp_path, form, unit):
    # Excel keeps 2024 typed into a cell of a date column as the number 2024 with the column's date
    # format, and shows it as 1905-07-16: a date decades before any information system
    path = make(tmp_path, form, unit)
    wb = openpyxl.load_workbook(path)
    ws = wb[form.main.name]
    field = form.main.by_key["mlps_test_date"]
    assert field.type == "date"
    cell = ws[f"{field.position}{form.main.first_data_row}"]
    cell.value, cell.number_format = 2024, field.number_format
    late = ws[f"{field.position}{form.main.first_data_row + 1}"]
    late.value, late.number_format = 202387, field.number_format  # 2454-02-10
    save_workbook(wb, path)
    result = validate_json(path)
    year, far = issues_of(result, "CELL_DATE")
    assert year["row"] == form.main.first_data_row and year["column"] == field.position and year["severity"] == "error"
    assert "只填了年份 2024" in year["message"] and "1905-07-16" in year["message"], year["message"]
    assert "2454" in far["message"] and "1950–2100" in far["message"], far["message"]
    url = f"sqlite:///{tmp_path / 'y.db'}"
    assert run_cli("import", str(path), "--db", url).returncode == 1  # rejected: nothing stored as 1905-07-16
    assert stored_values(url) == []


def test_a_hidden_original_is_not_read_when_a_visible_copy_exists(tmp_path, form, unit):
    path = make(tmp_path, form, unit)
    wb = openpyxl.load_workbook(path)
    original = wb[form.main.name]
    copy = wb.copy_worksheet(original)
    copy.title = f"{form.main.name} (2)"
    name_col = form.main.by_key["system_name"].position
    copy[f"{name_col}{form.main.first_data_row}"] = "四川省改过的系统名称"
    original.sheet_state = "hidden"
    save_workbook(wb, path)
    result = validate_json(path)
    (skipped,) = issues_of(result, "SHEET_HIDDEN_SKIPPED")
    assert form.main.name in skipped["message"] and skipped["sheet"] == f"{form.main.name} (2)"
    url = f"sqlite:///{tmp_path / 'h.db'}"
    assert run_cli("import", str(path), "--db", url).returncode == 0
    assert stored_values(url)[0]["system_name"] == "四川省改过的系统名称"
    # both visible: which one the unit meant cannot be known
    original.sheet_state = "visible"
    save_workbook(wb, path)
    (ambiguous,) = issues_of(validate_json(path), "SHEET_AMBIGUOUS")
    assert ambiguous["severity"] == "error"


def _return_filled_on(tmp_path, form, unit, day, name, seed):
    return make(tmp_path, form, unit, n=2, seed=seed, name=name, values_mutate=lambda v: v.update(fill_date=day))


def test_the_current_return_is_the_latest_filled_never_an_older_one(tmp_path, form, unit, db_url):
    folder = tmp_path / "回收"
    folder.mkdir()
    _return_filled_on(folder, form, unit, "2025-07-02", "人社厅-第2次报送.xlsx", 2)
    newest = _return_filled_on(folder, form, unit, "2025-07-10", "人社厅-第10次报送.xlsx", 10)
    proc = run_cli("import", str(folder), "--db", db_url, "--json")
    files = json.loads(proc.stdout)["files"]
    assert [Path(f["path"]).name for f in files] == ["人社厅-第2次报送.xlsx", "人社厅-第10次报送.xlsx"]  # natural order
    assert files[1]["current"] is True
    older = _return_filled_on(tmp_path, form, unit, "2025-07-05", "人社厅-迟到的第5次.xlsx", 5)
    late = json.loads(run_cli("import", str(older), "--db", db_url, "--json").stdout)["files"][0]
    assert late["status"] == "imported" and late["current"] is False and "inventory submissions use" in late["note"]
    current = [s for s in json.loads(run_cli("submissions", "list", "--json", "--db", db_url).stdout) if s["status"] == "accepted"]
    assert [s["file_name"] for s in current] == [newest.name]
    # the office decides otherwise, explicitly
    used = json.loads(run_cli("submissions", "use", str(late["submission_id"]), "--json", "--db", db_url).stdout)
    assert used["status"] == "accepted" and used["file_name"] == older.name
    again = json.loads(run_cli("import", str(older), "--db", db_url, "--json").stdout)["files"][0]
    assert again["status"] == "unchanged" and again["current"] is True


def test_concurrent_imports_keep_the_newest_current(tmp_path, form, unit, pg_url):
    open_db(pg_url)
    for attempt in range(3):
        old = _return_filled_on(tmp_path, form, unit, "2025-07-01", f"old-{attempt}.xlsx", 100 + attempt)
        new = _return_filled_on(tmp_path, form, unit, f"2025-08-0{attempt + 1}", f"new-{attempt}.xlsx", 200 + attempt)
        with ThreadPoolExecutor(2) as pool:
            procs = list(pool.map(lambda p: run_cli("import", str(p), "--db", pg_url), [new, old] if attempt % 2 else [old, new]))
        assert all(p.returncode == 0 for p in procs), [p.stderr for p in procs]
        current = [s for s in json.loads(run_cli("submissions", "list", "--json", "--db", pg_url).stdout) if s["status"] == "accepted"]
        assert [s["file_name"] for s in current] == [new.name]


def test_free_text_is_stored_as_typed(tmp_path, form, unit):
    typed = "四川省社保  业务系统（已更正）"

    def mutate(rows):
        rows[form.main.name][0]["system_name"] = typed
        rows[form.main.name][0]["layer"] = (
            rows[form.main.name][0]["layer"][:2] + "\u00a0" + rows[form.main.name][0]["layer"][2:]
        )  # an option

    url = f"sqlite:///{tmp_path / 't.db'}"
    assert run_cli("import", str(make(tmp_path, form, unit, mutate)), "--db", url).returncode == 0
    first = stored_values(url)[0]
    assert first["system_name"] == typed and first["layer"] in form.main.by_key["layer"].enum  # stored in its canonical spelling


def test_values_too_long_for_a_cell_are_cut_and_said(tmp_path, form, unit):
    def mutate(rows):
        rows[form.main.name][0]["remark"] = "备" * 1990  # within the form's limit

    url = f"sqlite:///{tmp_path / 'l.db'}"
    assert run_cli("import", str(make(tmp_path, form, unit, mutate)), "--db", url).returncode == 0
    engine = open_db(url)
    with engine.begin() as conn:  # as if a long text came in some other way: the export must still say so
        conn.execute(text("UPDATE system_records SET data = json_set(data, '$.remark', :v) WHERE row = 3"), {"v": "长" * 40000})
    out = tmp_path / "inv.xlsx"
    assert run_cli("report", "inventory", "-o", str(out), "--db", url).returncode == 0
    wb = openpyxl.load_workbook(out)
    cells = [c.value for row in wb[form.main.name].iter_rows() for c in row if isinstance(c.value, str) and c.value.endswith(CUT_MARK)]
    assert len(cells) == 1 and len(cells[0]) <= 32767
    assert any("已截断" in str(c.value) for row in wb["说明"].iter_rows() for c in row)


def test_another_units_systems_are_not_taken_for_this_units(tmp_path, form, unit):
    def mutate(rows):
        rows[form.main.name][0]["owner_unit"] = "四川省自然资源厅"
        rows[form.main.name][1].update(owner_unit="四川省自然资源厅", build_mode="上级统建（省垂）")

    path = make(tmp_path, form, unit, mutate)
    found = issues_of(validate_json(path), "UNIT_OTHER_OWNER")
    assert [(i["row"], i["severity"]) for i in found] == [(form.main.first_data_row, "error"), (form.main.first_data_row + 1, "warning")]
    url = f"sqlite:///{tmp_path / 'o.db'}"
    assert json.loads(run_cli("import", str(path), "--db", url, "--json").stdout)["files"][0]["status"] == "rejected"


def test_invisible_characters_in_a_unit_name(tmp_path, form, unit):
    path = make(tmp_path, form, unit, values_mutate=lambda v: v.update(unit_name="\ufeff四川省人力资源\u200b和社会保障厅\u00a0"))
    result = validate_json(path)
    assert result["files"][0]["unit"] == unit.name and not issues_of(result, "UNIT_UNKNOWN")
    path = make(tmp_path, form, unit, values_mutate=lambda v: v.update(unit_name="四川省不存在\u200b厅"), name="u.xlsx")
    (unknown,) = issues_of(validate_json(path), "UNIT_UNKNOWN")
    assert "⟨U+200B⟩" in unknown["message"]  # the reader sees why two names that look alike differ


def test_deleting_a_child_sheet_does_not_make_a_return_pass(tmp_path, form, unit):
    def mutate(rows):
        rows[form.main.name][0]["build_amount"] = 999  # its funding rows no longer add up

    path = make(tmp_path, form, unit, mutate)
    assert issues_of(validate_json(path), "RULE_FUNDING_SUM")
    wb = openpyxl.load_workbook(path)
    del wb["资金来源"]
    save_workbook(wb, path)
    result = validate_json(path)
    assert result["valid"] is False and [i["severity"] for i in issues_of(result, "SHEET_MISSING")] == ["error"]


# -- a crash never stops the batch --


def test_values_that_pass_validation_always_store(tmp_path, form, roster, db_url):
    hr = roster.resolve("人社厅")

    def huge(rows):
        s = rows[form.main.name]
        s[0]["build_amount"] = 1e308
        s[1]["registered_users"] = "1e20"
        s[2]["annual_volume"] = 10**19

    bad = make(tmp_path, form, hr, huge, name="huge.xlsx")
    long_unit = make(tmp_path, form, hr, values_mutate=lambda v: v.update(unit_name="四" * 300), name="long.xlsx")
    proc = run_cli("import", str(bad), str(long_unit), "--db", db_url, "--json", "--operator", "操" * 150)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    files = json.loads(proc.stdout)["files"]
    assert [f["status"] for f in files] == ["rejected", "rejected"]
    codes = {i["code"] for i in validate_json(bad)["files"][0]["issues"]}
    assert "CELL_RANGE" in codes
    # a sheet name longer than Excel allows, as a crafted file may have it
    crafted = tmp_path / "sheet-name.xlsx"  # and an issue on that sheet, so its name is stored with the issue
    base = make(
        tmp_path, form, hr, lambda rows: rows["资金来源"].append({"system_no": "XT-99999", "source": "其他", "amount": 1}), name="base.xlsx"
    )
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(crafted, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                data = data.replace('name="资金来源"'.encode(), ('name="' + "资金来源" * 12 + '"').encode())
            zout.writestr(info, data)
    proc = run_cli("import", str(crafted), "--db", db_url, "--json")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert json.loads(proc.stdout)["files"][0]["status"] == "rejected"


def test_markup_and_escape_sequences_in_returns_stay_text(tmp_path, form, unit):
    def mutate(rows):
        s = rows[form.main.name]
        s[0]["system_name"] = "[/]四川省[link=http://evil.example]点我[/link]系统"
        s[1]["system_name"] = "四川省<script>alert(1)</script>系统"

    folder = tmp_path / "[link=file:evil]回收[bold]"
    folder.mkdir()
    path = make(folder, form, unit, mutate, name="[bold]人社厅.xlsx")
    url = f"sqlite:///{tmp_path / 'm.db'}"
    run_cli("import", str(path), "--db", url)
    # and raw escape sequences (clear screen, window title) that only a crafted file can carry
    escaped = rewrite_zip(
        path,
        folder / "esc.xlsx",
        sheet=main_sheet_part(path),
        sheet_sub=(rb'(<c r="D5"[^>]*>\s*<is>\s*<t>)', rb"\1_x001B_[2J_x001B_]0;pwned_x0007_"),
    )
    run_cli("import", str(escaped), "--db", url)
    for args in (("report", "issues"), ("report", "inventory", "--format", "table"), ("submissions", "list"), ("validate", str(escaped))):
        for _ in range(2):
            proc = run_cli(*args, "--db", url) if args[0] != "validate" else run_cli(*args)
            assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), (args, proc.stderr)
            assert "\x1b" not in proc.stdout and "\x1b" not in proc.stderr, args
    assert "[bol" in run_cli("submissions", "list", "--db", url).stdout  # shown as text, not taken as markup
    assert "[bold]人社厅.xlsx" in {s["file_name"] for s in json.loads(run_cli("submissions", "list", "--json", "--db", url).stdout)}
    proc = run_cli("validate", str(escaped), "--feedback", str(tmp_path / "fb"))  # a control character in a cell
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and len(list((tmp_path / "fb").glob("*.xlsx"))) == 1
    md = run_cli("report", "inventory", "--format", "md", "--db", url).stdout
    assert "<script>" not in md and "&lt;script&gt;" in md and "](http" not in md


def test_four_first_uses_of_a_new_sqlite_file_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    with ThreadPoolExecutor(4) as pool:
        procs = list(pool.map(lambda _: run_cli("db", "upgrade", "--db", url), range(4)))
    assert all(p.returncode == 0 for p in procs), [p.stderr for p in procs]


def test_ctrl_c_at_once_ends_without_a_traceback(tmp_path):
    # Python's own start-up (site and the .pth files of what is installed) runs before any program code and
    # cannot be interrupted cleanly; "at once" is the first moment after it, measured on this machine and now
    # (a loaded machine starts slower): the slowest of three runs of the shortest command
    startup = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "inventory", "--version"], check=True, capture_output=True)
        startup = max(startup, time.perf_counter() - t0)
    for delay in (startup + 0.03, startup + 0.15, startup + 0.45):
        proc = subprocess.Popen(
            [sys.executable, "-m", "inventory", "kb", "search", "等保"], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err, (delay, err)


def test_ctrl_c_while_a_command_works_always_says_so(tmp_path, form, unit):
    values, rows = clean_return(form, unit, 12000, seed=6)  # long enough that most interrupts land while it works
    path = write_fast_return(tmp_path / "big.xlsx", form, unit, values, rows)
    interrupted = 0
    for delay in (0.8, 1.0, 1.2, 1.4, 1.6, 1.8):
        proc = subprocess.Popen(
            [sys.executable, "-m", "inventory", "validate", str(path)], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        if proc.returncode in (0, 1):  # it had finished
            continue
        interrupted += 1
        assert proc.returncode == 130 and "已中止。" in err and "Traceback" not in err, (delay, proc.returncode, err)
    assert interrupted >= 3


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry.name))
    return out


def test_a_worker_that_dies_costs_only_its_file_though_files_travel_in_batches(tmp_path, form, unit):
    from inventory.intake.validate import Validator, _batches, validate_many

    good = make(tmp_path, form, unit, name="good.xlsx")
    paths = []
    for i in range(40):
        paths.append(tmp_path / f"r{i:02}.xlsx")
        paths[-1].write_bytes(good.read_bytes())
    fatal = paths[17]

    class Dying(Validator):
        def validate(self, path):
            if Path(path) == fatal and os.getpid() != parent:
                os._exit(9)  # a reader that kills its process (a crash in a native library)
            return super().validate(path)

    parent = os.getpid()
    assert max(map(len, _batches(paths, 2))) > 1  # several files to a worker at once
    reports = list(validate_many(paths, Dying(), workers=2))
    assert [r.path for r in reports] == paths
    assert [r.path for r in reports if any(i.code == "FILE_CRASHED" for i in r.issues)] == [fatal]
    assert all(r.systems == 4 and r.errors == 0 for r in reports if r.path != fatal)


def test_a_long_batch_lets_go_of_each_report_and_leaves_the_collector_as_it_found_it(tmp_path, form, unit):
    """Reports of a batch are freed as the caller drops them (a batch of the whole province kept all
    of them once: 765 MB); the heap held before the batch is set aside from the collector, which still
    frees the cycles the caller leaves (a feedback workbook each); afterwards all is as before."""
    import gc
    import weakref

    from inventory.intake.validate import Validator, validate_many

    class Cyclic:  # what an openpyxl workbook is: parts that point at each other
        pass

    good = make(tmp_path, form, unit, name="good.xlsx")
    paths = []
    for i in range(40):
        paths.append(tmp_path / f"r{i:02}.xlsx")
        paths[-1].write_bytes(good.read_bytes())
    seen = []
    for i, report in enumerate(validate_many(paths, Validator(), workers=2)):
        assert report.systems == 4 and report.errors == 0
        assert gc.get_freeze_count() > 0  # the heap from before the batch is set aside
        if i == 0:
            first = weakref.ref(report.data)
            left = Cyclic()
            left.me = left
            cycle = weakref.ref(left)
            del left
        if i == 39:
            seen = [first() is None, cycle() is None]
        del report
    assert seen == [True, True]
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_killed_batch_leaves_no_workers_behind(tmp_path, form, roster):
    folder = tmp_path / "batch"
    folder.mkdir()
    for i, name in enumerate(("人社厅", "成都", "德阳", "遂宁", "交通运输厅", "自然资源厅")):
        u = roster.resolve(name)
        values, rows = clean_return(form, u, 300, seed=i)
        write_return(folder / f"{i}.xlsx", form, u, values, rows)
    proc = subprocess.Popen(
        [sys.executable, "-m", "inventory", "validate", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    workers: set[int] = set()
    deadline = time.time() + 60
    while time.time() < deadline and len(workers) < 2:
        workers |= _children(proc.pid)
        time.sleep(0.05)
    assert workers, "no worker processes were started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(1.5)
    alive = {
        w for w in workers if Path(f"/proc/{w}").exists() and "Z" not in (Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()[0])
    }
    assert not alive, alive


def test_a_database_held_by_someone_else_fails_the_file_in_seconds(tmp_path, form, unit, db_url):
    path = make(tmp_path, form, unit)
    open_db(db_url)
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        if db_url.startswith("sqlite"):
            conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
            conn.execute("BEGIN IMMEDIATE")
        else:
            import psycopg
            from sqlalchemy.engine import make_url

            u = make_url(db_url)
            conn = psycopg.connect(dbname=u.database, host=u.query.get("host"))
            conn.execute("SELECT id FROM units WHERE name = %s FOR UPDATE", (unit.name,))
        held.set()
        release.wait(60)
        conn.rollback()
        conn.close()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(30)
    try:
        start = time.time()
        proc = subprocess.run(
            [sys.executable, "-m", "inventory", "import", str(path), "--db", db_url, "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "INVENTORY_DB_WAIT": "2"},
        )
        took = time.time() - start
    finally:
        release.set()
        holder.join()
    assert proc.returncode == 3 and took < 30 and "Traceback" not in proc.stderr, (proc.returncode, took, proc.stderr, proc.stdout)
    (f,) = json.loads(proc.stdout)["files"]
    assert f["status"] == "failed" and "占用" in f["note"]


def test_a_pipe_named_like_a_workbook_does_not_hang(tmp_path):
    fifo = tmp_path / "x.xlsx"
    os.mkfifo(fifo)
    proc = run_cli("validate", str(fifo), "--json")
    assert proc.returncode == 1
    (issue,) = json.loads(proc.stdout)["files"][0]["issues"]
    assert issue["code"] == "FILE_UNREADABLE"


def test_broken_links_in_a_batch_are_bad_files_not_a_stopped_batch(tmp_path, form, unit):
    folder = tmp_path / "回收"
    folder.mkdir()
    good = make(folder, form, unit, name="good.xlsx")
    (folder / "dangling.xlsx").symlink_to(tmp_path / "gone.xlsx")
    (folder / "loop.xlsx").symlink_to(folder / "loop.xlsx")
    for args in ([str(good), str(folder / "dangling.xlsx"), str(folder / "loop.xlsx")], [str(folder)]):
        proc = run_cli("validate", *args, "--json")
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        files = {Path(f["path"]).name: f for f in json.loads(proc.stdout)["files"]}
        assert files["good.xlsx"]["valid"], files["good.xlsx"]  # the good file was validated
        (dangling,) = files["dangling.xlsx"]["issues"]
        (loop,) = files["loop.xlsx"]["issues"]
        assert dangling["code"] == loop["code"] == "FILE_UNREADABLE"
        assert "指向的文件不存在" in dangling["message"] and "gone.xlsx" in dangling["message"], dangling["message"]
        assert "循环" in loop["message"] and "Too many" not in loop["message"], loop["message"]


# -- answers that mislead --


def test_a_report_without_a_database_says_so(tmp_path):
    proc = run_cli("report", "coverage", cwd=tmp_path)
    assert proc.returncode == 3 and "找不到数据库" in proc.stderr
    assert not (tmp_path / "inventory.db").exists()


def test_results_go_to_stdout(tmp_path, form, unit):
    path = make(tmp_path, form, unit, lambda rows: rows[form.main.name][0].update(layer="应用"))
    proc = run_cli("validate", str(path))
    assert proc.returncode == 1 and "未通过" in proc.stdout and "不是可选值" in proc.stdout
    title = form.main.by_key["layer"].title.lstrip("*")
    flat = proc.stdout.replace("\n", "").replace("│", "").replace(" ", "")
    assert f"（{title}）" in flat  # the table says which field, not only the cell
    from inventory.cli.render import _title_in

    assert _title_in("“系统清单” AB3 单元格（建设金额（万元））") == "（建设金额（万元））"  # a title's own brackets kept whole


def test_the_same_rejected_file_twice_fails_twice(tmp_path, form, unit, db_url):
    path = make(tmp_path, form, unit, lambda rows: rows[form.main.name][0].update(layer="应用"))
    first = run_cli("import", str(path), "--db", db_url, "--json")
    second = run_cli("import", str(path), "--db", db_url, "--json")
    assert (first.returncode, second.returncode) == (1, 1)
    again = json.loads(second.stdout)["files"][0]
    assert again["status"] == "unchanged" and again["errors"] == 1 and "退回" in again["note"]


def test_one_deleted_column_is_one_problem(tmp_path, form, unit):
    path = make(tmp_path, form, unit)
    wb = openpyxl.load_workbook(path)
    col = openpyxl.utils.column_index_from_string(form.main.by_key["division"].position)
    wb[form.main.name].delete_cols(col)
    save_workbook(wb, path)
    codes = [i["code"] for i in validate_json(path)["files"][0]["issues"]]
    assert codes.count("HEADER_MISSING_OPTIONAL") == 1 and "HEADER_MOVED" not in codes


def test_database_failures_are_explained_without_secrets(tmp_path, form, unit):
    proc = run_cli("report", "coverage", "--db", "postgresql+psycopg://inv:topsecret@127.0.0.1:9/nope")
    assert proc.returncode == 3 and "topsecret" not in proc.stderr + proc.stdout and "Traceback" not in proc.stderr
    missing_driver = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['psycopg'] = None; from inventory.__main__ import main; main()",
         "report", "coverage", "--db", "postgresql+psycopg://u:pw@localhost/x"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert missing_driver.returncode == 3 and "pip install" in missing_driver.stderr and "pw@" not in missing_driver.stderr
    # corrupt, read-only and future-revision SQLite files
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not a database" * 100)
    proc = run_cli("report", "coverage", "--db", f"sqlite:///{corrupt}")
    assert proc.returncode == 3 and "损坏" in proc.stderr and "Traceback" not in proc.stderr
    good = tmp_path / "ro" / "inv.db"
    good.parent.mkdir()
    url = f"sqlite:///{good}"
    assert run_cli("import", str(make(tmp_path, form, unit)), "--db", url).returncode == 0
    with sqlite3.connect(good) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    good.chmod(stat.S_IRUSR)
    good.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.geteuid() != 0:  # root ignores file permissions
            proc = run_cli("import", str(make(tmp_path, form, unit, name="r2.xlsx", seed=9)), "--db", url)
            assert proc.returncode == 3 and "只读" in proc.stderr
    finally:
        good.parent.chmod(stat.S_IRWXU)
        good.chmod(stat.S_IRUSR | stat.S_IWUSR)
    with sqlite3.connect(good) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    proc = run_cli("report", "coverage", "--db", url)
    assert proc.returncode == 3 and "更新版本" in proc.stderr and "Traceback" not in proc.stderr
