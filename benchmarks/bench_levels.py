"""The survey in levels at province size: ~6,000 units in the default tree, ~60,000 systems, on PostgreSQL.

Usage:
  python benchmarks/bench_levels.py import [SYSTEMS]     # every reporter's return imported, beside the read+COPY floor
  python benchmarks/bench_levels.py reports              # coverage at nodes of every depth, findings of the province and of a city
  python benchmarks/bench_levels.py national [PROVINCES] # 31 provinces' worth of units and systems (~200k / ~1.5M), bulk-loaded

PostgreSQL: INVENTORY_BENCH_PG or INVENTORY_TEST_PG names a server database; the benchmark creates
`inventory_levels` (and `inventory_national`) next to it. Returns are cached in the benchmark folder.
Each step runs in a fresh process (its own peak memory); times are medians where repeated.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

from common import CACHE, measure

from inventory.demo.synth import clean_return, write_fast_return
from inventory.form.load import load_form
from inventory.form.roster import load_roster
from inventory.workflow.scope import Scope

SYSTEMS = 60_000


def returns(total: int) -> list[str]:
    """One clean return per reporter of the default tree, ~`total` systems in all (3 to 18 each)."""
    folder = CACHE / f"levels-{total}"
    folder.mkdir(parents=True, exist_ok=True)
    form, roster = load_form(), load_roster()
    reporters = Scope(roster, "all").reporters
    rng = random.Random(60)
    mean = total / len(reporters)
    sizes = [max(3, min(18, round(rng.gauss(mean, mean / 3)))) for _ in reporters]
    paths = []
    for i, (unit, n) in enumerate(zip(reporters, sizes, strict=True)):
        path = folder / f"{unit.code}.xlsx"
        if not path.exists():
            values, rows = clean_return(form, unit, n, seed=10_000 + i)
            write_fast_return(path, form, unit, values, rows)
        paths.append(str(path))
    return paths


def fresh(name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = os.environ.get("INVENTORY_BENCH_PG") or os.environ.get("INVENTORY_TEST_PG")
    if not base:
        raise SystemExit("set INVENTORY_BENCH_PG (or INVENTORY_TEST_PG) to a PostgreSQL database")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def existing(name: str) -> str:
    from sqlalchemy.engine import make_url

    base = os.environ.get("INVENTORY_BENCH_PG") or os.environ.get("INVENTORY_TEST_PG") or ""
    return make_url(base).set(database=name).render_as_string(hide_password=False)


FLOOR = """
import time, orjson, psycopg
from python_calamine import CalamineWorkbook
SHEETS = ("单位信息", "系统清单", "系统对接", "资金来源")
import glob
def rows():
    for path in sorted(glob.glob({folder!r} + "/*.xlsx")):
        wb = CalamineWorkbook.from_path(path)
        for name in SHEETS:
            table = wb.get_sheet_by_name(name).to_python()
            for i, r in enumerate(table[2:], start=3):
                yield (path[-20:], name, i, orjson.dumps(dict(zip(map(str, table[1]), r)), default=str).decode())
t = time.perf_counter()
with psycopg.connect({url!r}.replace("postgresql+psycopg://", "postgresql://")) as con:
    con.execute("DROP TABLE IF EXISTS floor"); con.execute("CREATE TABLE floor (file TEXT, sheet TEXT, row INTEGER, data JSONB)")
    with con.cursor().copy("COPY floor FROM STDIN") as copy:
        for r in rows():
            copy.write_row(r)
    n = con.execute("SELECT count(*) FROM floor").fetchone()[0]
print(time.perf_counter() - t, n)
"""

IMPORT = """
import time, glob, resource
from inventory.store.db import open_db
from inventory.store.importer import Importer
engine = open_db({url!r}); imp = Importer(engine)
t = time.perf_counter(); c = time.process_time(); n = 0; statuses = {{}}
for r in imp.import_files(sorted(glob.glob({folder!r} + "/*.xlsx"))):
    n += r.systems; statuses[r.status] = statuses.get(r.status, 0) + 1
wall, parent = time.perf_counter() - t, time.process_time() - c
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, n, statuses, f"CPU: parent {{parent:.1f}} s, validation workers {{kids.ru_utime + kids.ru_stime:.1f}} s")
"""

# The same import with every file validated beforehand (untimed): what storing alone costs, the bound the
# import approaches when there are enough cores for validation to keep ahead of it.
STORE_ALONE = """
import time, glob, gc
import inventory.store.importer as importer
from inventory.intake.validate import validate_many
from inventory.store.db import open_db
engine = open_db({url!r}); imp = importer.Importer(engine)
paths = sorted(glob.glob({folder!r} + "/*.xlsx"))
t = time.perf_counter(); reports = list(validate_many(paths, imp.validator)); validation = time.perf_counter() - t
gc.collect(); gc.freeze()
importer.validate_many = lambda paths, validator, workers=None: iter(reports)
t = time.perf_counter(); c = time.process_time()
for r in imp.import_files(paths):
    pass
print(time.perf_counter() - t, time.process_time() - c, validation)
"""


def bench_import(total: int) -> None:
    t = time.perf_counter()
    paths = returns(total)
    print(f"{len(paths):,} returns ready in {time.perf_counter() - t:.0f} s (cached after the first run)")
    folder = str(Path(paths[0]).parent)
    _, fpeak, out = measure(FLOOR.format(folder=folder, url=fresh("inventory_levels_floor")))
    floor = float(out.split()[0])
    print(f"{'floor: calamine + COPY':<28} {floor:>8.1f} s {fpeak:>6.0f} MB  {out.split()[1]} rows (every sheet)")
    url = fresh("inventory_levels")
    _, peak, out = measure(IMPORT.format(folder=folder, url=url))
    seconds = float(out.split()[0])
    said, _, cpu = " ".join(out.split()[1:]).partition(" CPU: ")
    print(f"{'inventory import':<28} {seconds:>8.1f} s {peak:>6.0f} MB  {said} ({seconds / floor:.2f}x floor)")
    print(f"{'':<28} CPU: {cpu} (the floor is one process; PostgreSQL's own CPU not counted)")
    _, _, out = measure(STORE_ALONE.format(folder=folder, url=fresh("inventory_levels_store")))
    store, parent, validation = map(float, out.split())
    cores = os.cpu_count() or 1
    print(f"{'validation alone':<28} {validation:>8.1f} s           {cores} cores, no database ({validation / floor:.2f}x floor)")
    print(f"{'storing alone':<28} {store:>8.1f} s           files validated beforehand ({store / floor:.2f}x floor, CPU {parent:.1f} s)")


COVERAGE = """
import time, statistics
from inventory.store.db import open_db
from inventory.report import Reports
engine = open_db({url!r})
for node in {nodes!r}:
    times = []
    for _ in range(5):
        t = time.perf_counter(); cov = Reports(engine, under=node).coverage(); times.append(time.perf_counter() - t)
    print(node, round(statistics.median(times), 3), round(max(times), 3), len(cov["units"]), cov["totals"]["systems"])
"""

FINDINGS = """
import time
from inventory.store.db import open_db
from inventory.report import Reports
engine = open_db({url!r})
t = time.perf_counter(); data = Reports(engine, under={node!r}).issues(); took = time.perf_counter() - t
print(took, len(data["findings"]), sum(1 for f in data["findings"] if f["code"].startswith("FIND_DUPLICATE")))
"""


def bench_reports() -> None:
    url = existing("inventory_levels")
    nodes = ["四川省", "德阳市", "中江县", "德阳市教育局", "成都市", "四川省教育厅"]
    _, peak, out = measure(COVERAGE.format(url=url, nodes=nodes))
    print(f"coverage (median / max of 5 calls, after the first; peak {peak:.0f} MB):")
    for line in out.strip().splitlines():
        node, median, worst, units, systems = line.split()
        print(f"  {node:<12} {float(median):>6.3f} s  (max {float(worst):.3f})  {units} units, {systems} systems")
    for node in ("四川省", "德阳市", "中江县"):
        wall, peak, out = measure(FINDINGS.format(url=url, node=node))
        took, found, dups = out.split()
        print(
            f"findings under {node:<6} {float(took):>7.1f} s (process {wall:.1f} s, peak {peak:.0f} MB)  {found} findings, {dups} duplicate"
        )


PROVINCES = [
    ("11", "北京市"),
    ("12", "天津市"),
    ("13", "河北省"),
    ("14", "山西省"),
    ("15", "内蒙古自治区"),
    ("21", "辽宁省"),
    ("22", "吉林省"),
    ("23", "黑龙江省"),
    ("31", "上海市"),
    ("32", "江苏省"),
    ("33", "浙江省"),
    ("34", "安徽省"),
    ("35", "福建省"),
    ("36", "江西省"),
    ("37", "山东省"),
    ("41", "河南省"),
    ("42", "湖北省"),
    ("43", "湖南省"),
    ("44", "广东省"),
    ("45", "广西壮族自治区"),
    ("46", "海南省"),
    ("50", "重庆市"),
    ("52", "贵州省"),
    ("53", "云南省"),
    ("54", "西藏自治区"),
    ("61", "陕西省"),
    ("62", "甘肃省"),
    ("63", "青海省"),
    ("64", "宁夏回族自治区"),
    ("65", "新疆维吾尔自治区"),
]

NATIONAL_FILL = """
import datetime as dt, hashlib, random, time, copy
from sqlalchemy import select, update, insert
from sqlalchemy.orm import Session
from inventory.store.db import open_db
from inventory.store.bulk import bulk_insert
from inventory.store.models import Unit, Submission, SystemRecord, Setting, SYSTEM_COLUMNS
from inventory.store.units import recompute_paths, bump_version, tree
from inventory.form.load import load_form
from inventory.demo.synth import system_rows
from inventory.workflow.scope import Scope
t0 = time.perf_counter()
engine = open_db({url!r}); form = load_form()
sichuan = tree(engine)
provinces = {provinces!r}[: {count} - 1]
with engine.begin() as conn:
    root = conn.execute(insert(Unit).values(name="全国", short_name="全国", kind="国家", level="国家级", region_code="000000", pilot=False, code="000000", source="import", active=True).returning(Unit.id)).scalar()
    conn.execute(update(Unit).where(Unit.code == "510000").values(parent_id=root))
    rows = []
    for prefix, pname in provinces:
        for u in sichuan:
            name = pname if u.parent is None else pname + u.name.removeprefix("四川省")
            rows.append(dict(name=name, short_name=name, aliases=[], kind=u.kind, level=u.level, region_code=prefix + u.region_code[2:],
                             pilot=False, code=prefix + u.code[2:], parent_id=None, path=None, source="import", active=True,
                             contact_name=None, contact_phone=None, contact_email=None))
    bulk_insert(conn, Unit.__table__, rows)
    ids = dict(conn.execute(select(Unit.code, Unit.id)).all())
    links = []
    for prefix, _ in provinces:
        for u in sichuan:
            parent = root if u.parent is None else ids[prefix + u.parent[2:]]
            links.append({{"_id": ids[prefix + u.code[2:]], "parent_id": parent}})
    from sqlalchemy import bindparam
    conn.execute(update(Unit).where(Unit.id == bindparam("_id")).values(parent_id=bindparam("parent_id")), links)
with Session(engine) as session, session.begin():
    recompute_paths(session); bump_version(session)
t1 = time.perf_counter()
roster = tree(engine)
t2 = time.perf_counter()
reporters = Scope(roster, "all").reporters
rng = random.Random(7)
template = {{}}
for u in Scope(sichuan, "all").reporters:
    template[u.code] = system_rows(u, rng.randrange(5, 12), rng, form.as_of)
round_id = 1
now = dt.datetime.now(dt.UTC)
subs, n = [], 0
by_code = {{u.code: u for u in reporters}}
for u in reporters:
    base = template.get("51" + u.code[2:])
    subs.append(dict(unit_id=ids.get(u.code) or ids.get("510000" if u.code == "510000" else u.code), unit_written=u.name, file_name=u.code + ".xlsx",
                     sha256=hashlib.sha256(u.code.encode()).hexdigest(), size=1, form_id=form.id, form_version=form.version,
                     received_at=now, operator="bench", status="accepted", systems=len(base), errors=0, warnings=0, as_of=form.as_of,
                     unit_values={{"unit_name": u.name}}, completeness=1.0, completeness_recommended=0.8, filled_on=form.as_of, round_id=round_id))
with engine.begin() as conn:
    bulk_insert(conn, Submission.__table__, subs)
    sub_ids = dict(conn.execute(select(Submission.unit_id, Submission.id)).all())
t3 = time.perf_counter()
batch = []
def flush():
    with engine.begin() as conn:
        bulk_insert(conn, SystemRecord.__table__, batch)
    batch.clear()
prov_name = {{p: name for p, name in provinces}}
for u in reporters:
    base = template["51" + u.code[2:]]
    uid = ids[u.code]
    pname = prov_name.get(u.code[:2])
    for i, values in enumerate(base):
        v = dict(values)
        if pname:
            for k in ("system_name", "owner_unit"):
                if isinstance(v.get(k), str):
                    v[k] = v[k].replace("四川省", pname, 1) if v[k].startswith("四川省") else pname + v[k]
        row = {{c: v.get(c) for c in SYSTEM_COLUMNS}}
        row.update(submission_id=sub_ids[uid], unit_id=uid, row=3 + i, data=v, system_key=None)
        batch.append(row); n += 1
    if len(batch) >= 50_000:
        flush()
flush()
t4 = time.perf_counter()
print(len(roster), len(reporters), n, round(t1 - t0, 1), round(t2 - t1, 2), round(t3 - t2, 1), round(t4 - t3, 1))
"""

NATIONAL_REPORTS = """
import time, statistics
from inventory.store.db import open_db
from inventory.store.units import tree
from inventory.report import Reports
engine = open_db({url!r})
t = time.perf_counter(); roster = tree(engine); took = time.perf_counter() - t
print("tree", round(took, 2), len(roster))
for node in {nodes!r}:
    times = []
    for _ in range(3):
        t = time.perf_counter(); cov = Reports(engine, under=node, roster=roster).coverage(); times.append(time.perf_counter() - t)
    print("coverage", node, round(statistics.median(times), 2), len(cov["units"]), cov["totals"]["systems"])
"""


def bench_national(count: int) -> None:
    url = fresh("inventory_national")
    wall, peak, out = measure(NATIONAL_FILL.format(url=url, provinces=PROVINCES, count=count))
    units, reporters, systems, t_units, t_tree, t_subs, t_rows = out.split()
    print(
        f"{count} provinces: {int(units):,} units ({reporters} reporters), {int(systems):,} systems; loaded in {wall:.0f} s, peak {peak:.0f} MB"
    )
    print(f"  units + paths {t_units} s, tree read {t_tree} s, submissions {t_subs} s, system rows (COPY) {t_rows} s")
    nodes = ["全国", "四川省", "河北省", "德阳市", "中江县", "德阳市教育局"]
    wall, peak, out = measure(NATIONAL_REPORTS.format(url=url, nodes=nodes))
    print(f"  reports process {wall:.0f} s, peak {peak:.0f} MB")
    for line in out.splitlines():
        print("  " + line)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "import"
    if what == "import":
        bench_import(int(sys.argv[2]) if len(sys.argv) > 2 else SYSTEMS)
    elif what == "reports":
        bench_reports()
    elif what == "national":
        bench_national(int(sys.argv[2]) if len(sys.argv) > 2 else 31)
    else:
        raise SystemExit(__doc__)
