"""Report speed: coverage, issues (with duplicate detection) and the inventory over 100k systems in 60 units.

Usage: python benchmarks/bench_reports.py [TOTAL_ROWS] [UNITS]   (default 100000 60)
The database is filled once through the importer and kept in the benchmark folder. Then, each in a
fresh process: the three reports' data; coverage + issues + inventory written as json and html; the
inventory as xlsx; every unit's own report (html + xlsx).
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


WRITE = """
import time, tempfile
from pathlib import Path
from inventory.store.db import open_db
from inventory.report import Reports
from inventory.report.formats import write_report
r = Reports(open_db({url!r}), lean={lean!r}); out = Path(tempfile.mkdtemp())  # as the CLI does for xlsx
t = time.perf_counter()
for kind in {kinds!r}:
    data = getattr(r, kind)()
    for fmt in {formats!r}:
        write_report(kind, data, fmt, out / f"{{kind}}.{{fmt}}", r.form)
print(time.perf_counter() - t)
"""

UNITS = """
import time, tempfile
from pathlib import Path
from inventory.store.db import open_db
from inventory.report import Reports
from inventory.report.formats import write_unit_reports
r = Reports(open_db({url!r})); out = Path(tempfile.mkdtemp())
t = time.perf_counter()
n = len(write_unit_reports(r, None, out, ("html", "xlsx")))
print(time.perf_counter() - t, n)
"""


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    units = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    per = total // units
    paths = [str(big_return(per, unit_index=i, seed=i + 1, office=False)) for i in range(units)]
    db = CACHE / f"reports-{per}x{units}.db"
    url = f"sqlite:///{db}"
    if not db.exists():
        measure(FILL.format(url=url, paths=paths))
    _, peak, out = measure(REPORTS.format(url=url))
    total_s, cov, iss, inv, systems, findings, dups = out.split()
    print(f"{int(systems):,} current systems in {units} units (SQLite)")
    print(f"coverage {float(cov):.2f} s, issues+findings {float(iss):.2f} s, inventory {float(inv):.2f} s")
    print(f"all three: {float(total_s):.2f} s, peak {peak:.0f} MB; {int(findings):,} findings, {dups} duplicate groups")
    steps = [
        (
            "coverage + issues + inventory, json and html",
            WRITE.format(url=url, kinds=("coverage", "issues", "inventory"), formats=("json", "html"), lean=False),
        ),
        ("inventory as xlsx", WRITE.format(url=url, kinds=("inventory",), formats=("xlsx",), lean=True)),
    ]
    if "--units" in sys.argv:
        steps.append(("every unit's report, html + xlsx", UNITS.format(url=url)))
    for label, code in steps:
        wall, peak, out = measure(code)
        print(f"{label}: {float(out.split()[0]):.2f} s ({wall:.2f} s whole), peak {peak:.0f} MB {' '.join(out.split()[1:])}")


if __name__ == "__main__":
    main()
