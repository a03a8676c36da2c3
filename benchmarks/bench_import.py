"""Import speed: 100k system rows in 60 returns, into SQLite and PostgreSQL.

Prints rows/s and peak memory beside the validation-only run (in one process and in parallel
processes, as `inventory validate`/`import` do for several files) and the raw read floor
(python-calamine reading every data sheet of the same files, in one process). Peak memory is the
parent's; each worker holds one return at a time. PostgreSQL runs when
INVENTORY_BENCH_PG (or INVENTORY_TEST_PG) names a server database the benchmark may fill.

Usage: python benchmarks/bench_import.py [TOTAL_ROWS] [UNITS]   (default 100000 60)
       python benchmarks/bench_import.py single [ROWS]         (one return of ROWS systems, default 100000)

`single` compares importing one large return with its floors: python-calamine reading every sheet
and storing each row as JSON with executemany (SQLite) or COPY (PostgreSQL), nothing else.
"""

from __future__ import annotations

import os
import sys
import tempfile

from common import big_return, measure

FLOOR = """
import time, glob
from python_calamine import CalamineWorkbook
t = time.perf_counter(); n = 0
for path in {paths!r}:
    wb = CalamineWorkbook.from_path(path)
    for name in ("单位信息", "系统清单", "系统对接", "资金来源"):
        rows = wb.get_sheet_by_name(name).to_python()
        n += len([dict(zip(rows[1], r)) for r in rows[2:]])
print(time.perf_counter() - t, n)
"""

VALIDATE = """
import time
from inventory.intake.validate import Validator, validate_many
v = Validator(); t = time.perf_counter(); n = e = 0
for r in validate_many({paths!r}, v, workers={workers}):
    n += r.systems; e += r.errors
print(time.perf_counter() - t, n, e)
"""

IMPORT = """
import time
from inventory.store.db import open_db
from inventory.store.importer import Importer
engine = open_db({url!r}); imp = Importer(engine)
t = time.perf_counter(); n = 0; statuses = set()
for r in imp.import_files({paths!r}):  # validation in parallel processes, storage here
    n += r.systems; statuses.add(r.status)
print(time.perf_counter() - t, n, sorted(statuses))
"""


SHEETS = ("单位信息", "系统清单", "系统对接", "资金来源")

STORE_FLOOR = """
import time, orjson
from python_calamine import CalamineWorkbook
t = time.perf_counter(); n = 0
wb = CalamineWorkbook.from_path({path!r})
def rows():
    for name in {sheets!r}:
        table = wb.get_sheet_by_name(name).to_python()
        for i, r in enumerate(table[2:], start=3):
            yield (name, i, orjson.dumps(dict(zip(map(str, table[1]), r)), default=str).decode())
if {url!r}.startswith("sqlite"):
    import sqlite3
    con = sqlite3.connect({url!r}[len("sqlite:///"):])
    con.execute("CREATE TABLE floor (sheet TEXT, row INTEGER, data TEXT)")
    con.executemany("INSERT INTO floor VALUES (?, ?, ?)", rows()); con.commit()
    n = con.execute("SELECT count(*) FROM floor").fetchone()[0]
else:
    import psycopg
    with psycopg.connect({url!r}.replace("postgresql+psycopg://", "postgresql://")) as con:
        con.execute("DROP TABLE IF EXISTS floor"); con.execute("CREATE TABLE floor (sheet TEXT, row INTEGER, data JSONB)")
        with con.cursor().copy("COPY floor FROM STDIN") as copy:
            for r in rows():
                copy.write_row(r)
        n = con.execute("SELECT count(*) FROM floor").fetchone()[0]
print(time.perf_counter() - t, n)
"""


def single(rows: int) -> None:
    path = str(big_return(rows))
    pg = os.environ.get("INVENTORY_BENCH_PG") or os.environ.get("INVENTORY_TEST_PG")
    print(f"one return of {rows:,} systems (saved by an office suite)")
    print(f"{'step':<28} {'seconds':>8} {'peak MB':>8}  note")
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{tmp}/floor.db", f"sqlite:///{tmp}/bench.db")]
        if pg:
            url = fresh_pg(pg)
            targets.append(("PostgreSQL", url, url))
        for label, floor_url, url in targets:
            _, fpeak, out = measure(STORE_FLOOR.format(path=path, sheets=SHEETS, url=floor_url))
            floor = float(out.split()[0])
            print(
                f"{'floor: calamine + ' + ('executemany' if label == 'SQLite' else 'COPY'):<28} {floor:>8.2f} {fpeak:>8.0f}  {out.split()[1]} rows"
            )
            _, peak, out = measure(IMPORT.format(paths=[path], url=url))
            seconds = float(out.split()[0])
            print(
                f"{'inventory import ' + label:<28} {seconds:>8.2f} {peak:>8.0f}  {' '.join(out.split()[1:])} ({seconds / floor:.2f}x floor)"
            )


def fresh_pg(base: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS inventory_bench"))
        conn.execute(text("CREATE DATABASE inventory_bench"))
    return make_url(base).set(database="inventory_bench").render_as_string(hide_password=False)


def main() -> None:
    if sys.argv[1:2] == ["single"]:
        single(int(sys.argv[2]) if len(sys.argv) > 2 else 100000)
        return
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    units = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    per = total // units
    paths = [str(big_return(per, unit_index=i, seed=i + 1)) for i in range(units)]
    n = per * units
    steps = [
        ("calamine floor", FLOOR.format(paths=paths)),
        ("validate, 1 process", VALIDATE.format(paths=paths, workers=1)),
        ("validate, parallel", VALIDATE.format(paths=paths, workers=0)),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        steps.append(("import SQLite", IMPORT.format(paths=paths, url=f"sqlite:///{tmp}/bench.db")))
        pg = os.environ.get("INVENTORY_BENCH_PG") or os.environ.get("INVENTORY_TEST_PG")
        if pg:
            steps.append(("import PostgreSQL", IMPORT.format(paths=paths, url=fresh_pg(pg))))
        print(f"{n:,} system rows in {units} returns of {per} systems")
        print(f"{'step':<20} {'seconds':>8} {'rows/s':>9} {'peak MB':>8}  note")
        floor = None
        for name, code in steps:
            _, peak, out = measure(code)
            seconds = float(out.split()[0])
            floor = floor or seconds
            print(
                f"{name:<20} {seconds:>8.2f} {n / seconds:>9,.0f} {peak:>8.0f}  {' '.join(out.split()[1:])} ({seconds / floor:.2f}x floor)"
            )


if __name__ == "__main__":
    main()
