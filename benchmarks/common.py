"""Shared helpers for the benchmarks: realistic large returns, and timing a child process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from inventory.demo.synth import clean_return, write_fast_return
from inventory.form.load import load_form
from inventory.form.roster import load_roster

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


def measure(code: str) -> tuple[float, float, str]:
    """Run `code` in a fresh Python; (wall seconds, peak RSS in MB, its stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"benchmark step failed ({status}): {code[:80]}")
    return elapsed, usage.ru_maxrss / 1024, out.strip()
