"""Rounds at scale: pre-filling every unit's template from its last return, and the change report
between two rounds of 100k systems.

Usage: python benchmarks/bench_rounds.py [SYSTEMS_PER_UNIT]   (default 60)
1. Every roster unit (61) imports a return of SYSTEMS_PER_UNIT systems; then `template build --all
   --prefill` writes each unit's template with its systems in place (timed as a user runs it).
2. The report benchmark's 100k-system database (benchmarks/bench_reports.py makes it) is copied, a
   second round is opened and filled by copying every return with 5% of systems changed, 1% retired
   and 1% dropped; `report changes` is timed in a fresh process.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import CACHE, measure

from inventory.demo.synth import clean_return, write_fast_return
from inventory.form.load import load_form
from inventory.form.roster import load_roster
from inventory.store.db import open_db
from inventory.store.importer import Importer

CHANGES = """
import time
from inventory.form.load import load_form
from inventory.store.db import open_db
from inventory.report.changes import changes_report
t = time.perf_counter()
data = changes_report(open_db({url!r}), "{old}", "2026", load_form())
print(time.perf_counter() - t, data["totals"])
"""


def prefill(per: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-rounds-"))
    url = f"sqlite:///{work / 'r.db'}"
    roster = load_roster()
    form, units = load_form(), roster.children(roster.root)
    importer = Importer(open_db(url))
    for i, unit in enumerate(units):
        values, rows = clean_return(form, unit, per, seed=500 + i)
        importer.import_file(write_fast_return(work / f"r{i}.xlsx", form, unit, values, rows))
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "inventory", "template", "build", "--all", "--prefill", "--db", url, "-o", str(work / "t")],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t
    assert proc.returncode == 0, proc.stderr
    print(f"template build --all --prefill: {len(units)} units x {per} systems in {wall:.1f} s ({proc.stdout.splitlines()[0]})")


def changes() -> None:
    source = CACHE / "reports-1666x60.db"
    if not source.exists():
        print("run benchmarks/bench_reports.py first (it makes the 100k-system database)")
        return
    db = CACHE / "rounds-100k.db"
    shutil.copyfile(source, db)
    url = f"sqlite:///{db}"
    engine = open_db(url)  # brings it to the head revision: its returns form the first round
    from sqlalchemy import text

    from inventory.workflow.rounds import open_round, rounds

    old = rounds(engine)[0]["key"]
    new = open_round(engine, "2026", "2026年度更新", None)["id"]
    with engine.begin() as conn:
        conn.execute(text("UPDATE system_records SET system_key = 'k' || id WHERE system_key IS NULL"))
        subs = conn.execute(text("SELECT id FROM submissions WHERE status = 'accepted'")).scalars().all()
        for sid in subs:
            conn.execute(
                text(
                    "INSERT INTO submissions (unit_id, unit_written, file_name, sha256, size, form_id, form_version, received_at, "
                    "operator, status, systems, errors, warnings, round_id) SELECT unit_id, unit_written, file_name, sha256 || '-2026', "
                    "size, form_id, form_version, received_at, operator, status, systems, errors, warnings, :r FROM submissions WHERE id = :s"
                ),
                {"r": new, "s": sid},
            )
            copy = conn.execute(text("SELECT max(id) FROM submissions")).scalar()
            conn.execute(
                text(
                    "INSERT INTO system_records (submission_id, unit_id, row, owner_unit, system_no, system_name, category, build_mode, "
                    "status, deploy_location, scope, build_amount, om_amount, mlps_level, golive_date, system_key, data) "
                    "SELECT :c, unit_id, row, owner_unit, system_no, system_name, category, build_mode, status, deploy_location, scope, "
                    "build_amount, om_amount, mlps_level, golive_date, system_key, "
                    "CASE WHEN id % 20 = 0 THEN json_set(data, '$.om_amount', 1.5) WHEN id % 100 = 1 THEN json_set(data, '$.status', '停用') "
                    "ELSE data END FROM system_records WHERE submission_id = :s AND id % 100 != 2"
                ),
                {"c": copy, "s": sid},
            )
    engine.dispose()
    wall, peak, out = measure(CHANGES.format(url=url, old=old))
    print(f"report changes between two rounds of 100k systems: {float(out.split()[0]):.2f} s ({wall:.2f} s whole), peak {peak:.0f} MB")
    print("  totals:", " ".join(out.split()[1:]))


if __name__ == "__main__":
    per = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    prefill(per)
    changes()
