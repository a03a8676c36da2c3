"""Pictures for the guides, as a person sees them.

Workbooks (docs/填报指南.md): a copy of a real generated workbook reduced to one sheet and a print
area, printed to PDF by LibreOffice headless and turned into PNG by pdftoppm. Needs LibreOffice,
poppler-utils and a Chinese font (Debian: libreoffice-calc-nogui poppler-utils fonts-noto-cjk).

Reports (docs/操作手册.md, with --reports): the demo's HTML reports opened in headless Chromium
(the system's, driven by Playwright from the test extra) and photographed, a filter or an opened
row included where that is what the picture shows.

Usage: python scripts/make_screenshots.py [--reports] [OUTPUT_DIR]   (default docs/images)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

from inventory.demo.synth import clean_return, write_return
from inventory.form.load import load_form
from inventory.form.roster import load_roster
from inventory.intake.feedback import write_feedback
from inventory.intake.validate import Validator


def picture(workbook: Path, sheet: str, area: str, out: Path, work: Path) -> Path:
    wb = openpyxl.load_workbook(workbook)
    for name in wb.sheetnames:
        if name != sheet:
            del wb[name]
    ws = wb[sheet]
    ws.sheet_state = "visible"
    ws.print_area = area
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 1
    ws.print_options.gridLines = True
    single = work / f"{out.stem}.xlsx"
    wb.save(single)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{work / 'lo'}", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(single)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    subprocess.run(
        ["pdftoppm", "-png", "-r", "110", "-singlefile", str(work / f"{out.stem}.pdf"), str(out.with_suffix(""))], check=True, timeout=60
    )
    _trim(out)
    return out


def _trim(png: Path, margin: int = 12) -> None:
    """Cut the white page margins away (Pillow comes with the test extra)."""
    try:
        from PIL import Image, ImageChops
    except ImportError:
        return
    img = Image.open(png).convert("RGB")
    box = ImageChops.difference(img, Image.new("RGB", img.size, "white")).getbbox()
    if box:
        left, top, right, bottom = box
        img.crop((max(left - margin, 0), max(top - margin, 0), min(right + margin, img.width), min(bottom + margin, img.height))).save(png)


def report_pictures(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from inventory.demo.run import run_demo

    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not exe:
        sys.exit("chromium is missing: apt-get install chromium fonts-noto-cjk")
    made = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        reports = run_demo(Path(tmp)).directory / "reports"
        browser = pw.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])

        def shot(page_name: str, picture_name: str, height: int, action=None) -> None:  # type: ignore[no-untyped-def]
            page = browser.new_page(viewport={"width": 1200, "height": height}, device_scale_factor=1)
            page.goto((reports / page_name).as_uri())
            if action:
                action(page)
            page.screenshot(path=str(out / picture_name))
            made.append(out / picture_name)
            page.close()

        def chase(page) -> None:  # type: ignore[no-untyped-def]
            page.locator("h2", has_text="催报名单").scroll_into_view_if_needed()

        def by_unit(page) -> None:  # type: ignore[no-untyped-def]
            box = page.locator("div.tbl").filter(has=page.locator("tr.g")).first
            box.locator("select.f").nth(2).select_option(index=1)
            box.scroll_into_view_if_needed()

        def unit_page(page) -> None:  # type: ignore[no-untyped-def]
            page.goto(sorted((reports / "units").glob("*.html"))[0].as_uri())

        shot("coverage.html", "report-coverage.png", 900)
        shot("coverage.html", "report-chase.png", 700, chase)
        shot("issues.html", "report-issues-filter.png", 800, by_unit)
        shot("brief.html", "report-brief.png", 1100)
        shot("brief.html", "report-unit.png", 1000, unit_page)
        browser.close()
    return made


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    if "--reports" in sys.argv:
        for p in report_pictures(out):
            print(p)
        return
    for tool in ("soffice", "pdftoppm"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install libreoffice-calc-nogui poppler-utils fonts-noto-cjk")
    form, roster = load_form(), load_roster()
    unit = roster.resolve("人社厅")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        values, rows = clean_return(form, unit, 6, seed=8)
        good = write_return(work / "template.xlsx", form, unit, values, rows)
        main = form.main
        last_col = main.fields[9].position
        made = [
            picture(good, form.unit_sheet.name, "A1:C13", out / "template-unit.png", work),
            picture(good, main.name, f"A1:{last_col}{main.first_data_row + 6}", out / "template-systems.png", work),
        ]
        rows[main.name][1]["layer"] = "应用"
        rows[main.name][2]["system_name"] = None
        rows[main.name][3]["build_amount"] = 3500000
        values["unit_name"] = "人社厅"
        bad = write_return(work / "人社厅-报表.xlsx", form, unit, values, rows)
        report = Validator(form, roster).validate(bad)
        feedback = write_feedback(report, form, work / "feedback")
        made.append(picture(feedback, "问题清单", f"A1:H{6 + len(report.issues)}", out / "feedback-list.png", work))
        made.append(picture(feedback, main.name, f"A1:{last_col}{main.first_data_row + 6}", out / "feedback-cells.png", work))
    for p in made:
        print(p)


if __name__ == "__main__":
    main()
