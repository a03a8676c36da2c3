"""Report speed: coverage, issues (with duplicate detection) and the inventory over 100k systems in 60 units.

Usage: python benchmarks/bench_reports.py [TOTAL_ROWS] [UNITS]   (default 100000 60)
The database is filled once through the importer and kept in the benchmark folder.
"""

from __future__ import annotations

import sys

from common import CACHE, big_return, measure

FILL = """
from inventory.store.db import open_db
from inventory.store.importer import Importer
imp = Importer(open_db({url!r}))
for path in {paths!r}:
    imp.import_file(path)
"""

REPORTS = """
import time
from inventory.store.db import open_db
from inventory.report import Reports
r = Reports(open_db({url!r}))
t0 = time.perf_counter(); cov = r.coverage(); t1 = time.perf_counter()
iss = r.issues(); t2 = time.perf_counter(); inv = r.inventory(); t3 = time.perf_counter()
dups = sum(1 for f in iss["findings"] if f["code"].startswith("FIND_DUPLICATE"))
print(t3 - t0, t1 - t0, t2 - t1, t3 - t2, len(inv["systems"]), len(iss["findings"]), dups)
"""


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    units = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    per = total // units
    paths = [str(big_return(per, unit_index=i, seed=i + 1)) for i in range(units)]
    db = CACHE / f"reports-{per}x{units}.db"
    url = f"sqlite:///{db}"
    if not db.exists():
        measure(FILL.format(url=url, paths=paths))
    _, peak, out = measure(REPORTS.format(url=url))
    total_s, cov, iss, inv, systems, findings, dups = out.split()
    print(f"{int(systems):,} current systems in {units} units (SQLite)")
    print(f"coverage {float(cov):.2f} s, issues+findings {float(iss):.2f} s, inventory {float(inv):.2f} s")
    print(f"all three: {float(total_s):.2f} s, peak {peak:.0f} MB; {int(findings):,} findings, {dups} duplicate groups")


if __name__ == "__main__":
    main()
