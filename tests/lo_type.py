"""Typing into a workbook as a person would, in LibreOffice (our stand-in for Excel and WPS).

Run with a Python that has LibreOffice's `uno` module (Debian: the system python3 with python3-uno):
    python3 tests/lo_type.py TEMPLATE OUT '[["sheet", "C800", "0012"], ...]'
Each value goes in through the keyboard path (.uno:EnterString), so the cell's format decides what it
becomes, exactly as when a unit types it; the workbook is then saved as xlsx to OUT.
"""

import contextlib
import json
import os
import subprocess
import sys
import time

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main() -> None:
    src, out, cells = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    pipe = f"inventory-{os.getpid()}"
    profile = os.path.join(os.path.dirname(os.path.abspath(out)), "lo-profile")
    office = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--invisible",
            "--norestore",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(240):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.5)
        else:
            raise SystemExit("LibreOffice did not start")
        smgr = ctx.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(src)), "_blank", 0, (prop("Hidden", True),))
        dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
        frame = doc.getCurrentController().getFrame()
        for sheet, ref, text in cells:
            doc.getCurrentController().setActiveSheet(doc.Sheets.getByName(sheet))
            dispatcher.executeDispatch(frame, ".uno:GoToCell", "", 0, (prop("ToPoint", ref),))
            dispatcher.executeDispatch(frame, ".uno:EnterString", "", 0, (prop("StringName", text),))
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(out)), (prop("FilterName", "Calc MS Excel 2007 XML"),))
        # the workbook is saved; LibreOffice sometimes drops the bridge while closing (seen once in ~20 runs), which
        # changes nothing in the file
        with contextlib.suppress(Exception):
            doc.close(True)
        with contextlib.suppress(Exception):
            desktop.terminate()
    finally:
        try:
            office.wait(timeout=60)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    main()
