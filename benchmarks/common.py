"""Shared helpers for the benchmarks: realistic large returns, and timing a child process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

# A benchmark run as a script has this folder first on sys.path, so an installed (non-editable) copy of the
# package would be measured instead of the checkout: the checkout goes first (every benchmark imports this).
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inventory.demo.synth import clean_return, write_fast_return  # noqa: E402
from inventory.form.load import load_form  # noqa: E402
from inventory.form.roster import load_roster  # noqa: E402

CACHE = Path(os.environ.get("INVENTORY_BENCH_DIR", "/tmp/inventory-bench"))


def first_level() -> list:
    """The provincial units and the 21 市(州): the units directly under the root, as the flat roster had them."""
    roster = load_roster()
    return roster.children(roster.root)


def big_return(rows: int, unit_index: int = 0, seed: int = 1, office: bool = True) -> Path:
    """A clean return of `rows` systems for the roster's unit number `unit_index`, cached on disk.

    With `office` (the default) the file is saved again by LibreOffice, as Excel, WPS and
    LibreOffice save what a unit returns: shared strings, styles, a dimension element. openpyxl's
    streaming writer alone writes inline strings, about half again as much XML to parse."""
    form = load_form()
    unit = first_level()[unit_index]
    path = CACHE / f"return-{rows}-{unit_index}-{seed}.xlsx"
    if not path.exists():
        values, records = clean_return(form, unit, rows, seed=seed)
        tmp = path.with_name(path.stem + ".tmp.xlsx")
        write_fast_return(tmp, form, unit, values, records)
        tmp.rename(path)
    if not office:
        return path
    saved = CACHE / f"return-{rows}-{unit_index}-{seed}-office.xlsx"
    if not saved.exists():
        out = CACHE / "office"
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if not soffice:
            raise SystemExit("benchmarks need LibreOffice (soffice) to save returns the way office suites do")
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{CACHE / 'lo-profile'}",
                "--headless",
                "--convert-to",
                "xlsx",
                "--outdir",
                str(out),
                str(path),
            ],
            check=True,
            capture_output=True,
            timeout=1800,
        )
        (out / path.name).rename(saved)
    return saved


# the step's own peak, told by the step as it ends (the kernel's count for a child includes the copy
# of this process it was forked from, before it became the step)
_PEAK = """
import sys as _sys
_sys.stdout.flush()
_sys.stderr.write("\\n" + [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0])
"""


def measure(code: str) -> tuple[float, float, str]:
    """Run `code` in a fresh Python; (wall seconds, peak RSS in MB, its stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code + _PEAK], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark step failed ({proc.returncode}): {code[:80]} {err[-300:]}")
    peak_kb = int(err.rsplit("VmHWM:", 1)[1].split()[0])
    return elapsed, peak_kb / 1024, out.strip()


def odd_files(folder: Path) -> dict[str, Path]:
    """The files a unit can really send that once cost minutes (issue 29), made once: a clean
    20-system return, the same padded with empty formatted rows to row 1,048,576, a valid sheet of
    1,048,576 rows, and a 300,000-system return (written by openpyxl)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from corpus import padded_return, tall_return

    folder.mkdir(parents=True, exist_ok=True)
    twenty = big_return(20, office=False)
    made = {"20 systems": twenty, "padded to 1M rows": folder / "padded.xlsx", "1M-row sheet": folder / "tall.xlsx"}
    if not made["padded to 1M rows"].exists():
        padded_return(twenty, made["padded to 1M rows"])
    if not made["1M-row sheet"].exists():
        tall_return(twenty, made["1M-row sheet"])
    made["300k systems"] = big_return(300_000, office=False)
    return made
