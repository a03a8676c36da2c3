"""Validation speed and memory against the raw read floor (python-calamine) and frictionless.

The floor reads every data sheet of the same file into dicts (a return has child sheets beside the
system list); rows/s counts system rows. frictionless checks the system sheet only (it has no
cross-sheet or conditional rules); install it with `pip install frictionless` to include it.

Usage: python benchmarks/bench_validate.py [ROWS ...] [--openpyxl] [--frictionless]   (default: 1000 10000 100000)
       python benchmarks/bench_validate.py odd
Each step runs in a fresh process, three times, interleaved; the files are saved by LibreOffice as
an office suite saves a return (see common.big_return), or with `--openpyxl` as openpyxl's streaming
writer leaves them (inline strings, no shared strings). The floor reads every data sheet into lists
and a dict per row (records, as a validator needs them).

`odd` measures the files that once cost minutes (a clean 20-system return, the same padded with
empty formatted rows to row 1,048,576, a valid sheet of 1,048,576 rows, a 300,000-system return):
each one's verdict, time and peak memory beside the calamine floor of the same file.
"""

from __future__ import annotations

import statistics
import sys

from common import CACHE, big_return, measure, odd_files

FLOOR = """
import time
from python_calamine import CalamineWorkbook
t = time.perf_counter()
wb = CalamineWorkbook.from_path({path!r})
records = []
for name in ("单位信息", "系统清单", "系统对接", "资金来源"):  # every data sheet of the return
    rows = wb.get_sheet_by_name(name).to_python()
    header = rows[1]
    records += [dict(zip(header, r)) for r in rows[2:]]
print(time.perf_counter() - t, len(records), "records")
"""

VALIDATE = """
import time
from inventory.intake.validate import Validator
v = Validator()
t = time.perf_counter()
r = v.validate({path!r})
print(time.perf_counter() - t, r.systems, "systems", r.errors, "errors", r.warnings, "warnings", *sorted({{i.code for i in r.issues}})[:3])
"""

FRICTIONLESS = """
import time, os
from frictionless import Resource, Schema, Dialect, formats
from inventory.form.load import load_form
form = load_form()
types = {{"amount": "number", "int": "integer"}}
fields = []
for f in form.main.fields:
    d = {{"name": f.header, "type": types.get(f.type, "string")}}
    c = {{}}
    if f.required: c["required"] = True
    if f.enum and f.type != "multi": c["enum"] = list(f.enum)
    if "pattern" in f.schema: c["pattern"] = f.schema["pattern"]
    if c: d["constraints"] = c
    fields.append(d)
os.chdir(os.path.dirname({path!r}))
t = time.perf_counter()
res = Resource(path=os.path.basename({path!r}), schema=Schema.from_descriptor({{"fields": fields}}),
               control=formats.ExcelControl(sheet="系统清单"), dialect=Dialect(header_rows=[2]))
report = res.validate()
print(time.perf_counter() - t, "valid" if report.valid else "invalid")
"""


def compare(label: str, path: str, rows: int, steps: list[tuple[str, str]], runs: int = 3) -> None:
    """Each step on `path`, `runs` times interleaved: medians, the highest peak, the ratio to the floor."""
    samples: dict[str, list[tuple[float, float, float, str]]] = {name: [] for name, _ in steps}
    for _ in range(runs):
        for name, code in steps:
            try:
                wall, peak, out = measure(code.format(path=path))
            except RuntimeError as exc:
                samples.pop(name, None)
                print(f"{label:>18} {name:<22} skipped: {str(exc)[:60]}")
                continue
            if name in samples:
                samples[name].append((float(out.split()[0]), wall, peak, " ".join(out.split()[1:])))
    results = {}
    for name, got in samples.items():
        if not got:
            continue
        seconds = statistics.median(g[0] for g in got)
        wall = statistics.median(g[1] for g in got)
        peak = max(g[2] for g in got)
        results[name] = (seconds, wall, peak)
        pairs = " ".join(f"{g[0]:.2f}" for g in got)
        print(f"{label:>18} {name:<22} {seconds:>10.2f} {wall:>7.2f} {rows / seconds:>9,.0f} {peak:>8.0f}  {got[0][3]}  (runs: {pairs})")
    if "calamine floor" in results and "inventory validate" in results:
        (fs, fw, fm), (vs, vw, vm) = results["calamine floor"], results["inventory validate"]
        print(f"{label:>18} {'ratio to floor':<22} {vs / fs:>9.2f}x {vw / fw:>6.2f}x {'':>9} {vm / fm:>7.2f}x")


def main() -> None:
    runs = 3
    print(f"medians of {runs} interleaved runs; 'in-process' from opening the file, 'whole' the process wall time")
    print(f"{'file':>18} {'step':<22} {'in-process':>10} {'whole':>7} {'rows/s':>9} {'peak MB':>8}  note")
    steps = [("calamine floor", FLOOR), ("inventory validate", VALIDATE)]
    if "odd" in sys.argv[1:]:
        for label, path in odd_files(CACHE / "odd").items():
            compare(label, str(path), 1, steps, runs)
        return
    sizes = [int(a) for a in sys.argv[1:] if a.isdigit()] or [1000, 10000, 100000]
    if "--frictionless" in sys.argv:
        steps.append(("frictionless validate", FRICTIONLESS))
    office = "--openpyxl" not in sys.argv
    for n in sizes:
        compare(f"{n}{'' if office else ' openpyxl'}", str(big_return(n, office=office)), n, steps, runs)


if __name__ == "__main__":
    main()
