"""Validation speed and memory against the raw read floor (python-calamine) and frictionless.

The floor reads every data sheet of the same file into dicts (a return has child sheets beside the
system list); rows/s counts system rows. frictionless checks the system sheet only (it has no
cross-sheet or conditional rules); install it with `pip install frictionless` to include it.

Usage: python benchmarks/bench_validate.py [ROWS ...]   (default: 1000 10000 100000)
Each step runs in a fresh process; time includes opening the file, not Python start-up imports.
"""

from __future__ import annotations

import sys

from common import big_return, measure

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
print(time.perf_counter() - t, len(records))
"""

VALIDATE = """
import time
from inventory.intake.validate import Validator
v = Validator()
t = time.perf_counter()
r = v.validate({path!r})
print(time.perf_counter() - t, r.systems, r.errors, r.warnings)
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


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000, 100000]
    print(f"{'rows':>8} {'step':<22} {'seconds':>8} {'rows/s':>9} {'peak MB':>8}  note")
    for n in sizes:
        path = str(big_return(n))
        results = {}
        for name, code in (("calamine floor", FLOOR), ("inventory validate", VALIDATE), ("frictionless validate", FRICTIONLESS)):
            try:
                _, peak, out = measure(code.format(path=path))
            except RuntimeError as exc:
                print(f"{n:>8} {name:<22} {'-':>8} {'-':>9} {'-':>8}  skipped: {exc}")
                continue
            seconds = float(out.split()[0])
            results[name] = (seconds, peak)
            print(f"{n:>8} {name:<22} {seconds:>8.2f} {n / seconds:>9,.0f} {peak:>8.0f}  {' '.join(out.split()[1:])}")
        if "calamine floor" in results and "inventory validate" in results:
            (fs, fm), (vs, vm) = results["calamine floor"], results["inventory validate"]
            print(f"{n:>8} {'ratio to floor':<22} {vs / fs:>8.2f}x time, {vm / fm:.2f}x memory")


if __name__ == "__main__":
    main()
