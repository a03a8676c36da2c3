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
import statistics
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
def rows():
    for path in {paths!r}:
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
import time
from inventory.store.db import open_db
from inventory.store.importer import Importer
engine = open_db({url!r}); imp = Importer(engine)
t = time.perf_counter(); n = 0; statuses = {{}}
for r in imp.import_files({paths!r}):
    n += r.systems; statuses[r.status] = statuses.get(r.status, 0) + 1
print(time.perf_counter() - t, n, statuses)
"""


def bench_import(total: int) -> None:
    t = time.perf_counter()
    paths = returns(total)
    print(f"{len(paths):,} returns ready in {time.perf_counter() - t:.0f} s (cached after the first run)")
    _, fpeak, out = measure(FLOOR.format(paths=paths, url=fresh("inventory_levels_floor")))
    floor = float(out.split()[0])
    print(f"{'floor: calamine + COPY':<28} {floor:>8.1f} s {fpeak:>6.0f} MB  {out.split()[1]} rows (every sheet)")
    url = fresh("inventory_levels")
    _, peak, out = measure(IMPORT.format(paths=paths, url=url))
    seconds = float(out.split()[0])
    print(f"{'inventory import':<28} {seconds:>8.1f} s {peak:>6.0f} MB  {' '.join(out.split()[1:])} ({seconds / floor:.2f}x floor)")


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


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "import"
    if what == "import":
        bench_import(int(sys.argv[2]) if len(sys.argv) > 2 else SYSTEMS)
    elif what == "reports":
        bench_reports()
    else:
        raise SystemExit(__doc__)
    _ = statistics, Path  # keep the imports the national step uses
