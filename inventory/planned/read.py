"""Planned projects read from a filled template (xlsx), a CSV file, or the 在建 rows of stored returns.

Headers are matched by their text (with or without the required star), so a sheet whose columns were
moved still reads; every cell is normalised as the returns' cells are. A row with an error is named
(file, sheet, row, column, what is wrong, how to fix) and left out of the check; the others are
checked. Nothing in the file is trusted: xlsx files pass the same safe opening as a return.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..form.issues import Issue, make_issue
from ..form.model import Sheet
from ..form.normalize import match_key
from .fields import normalise, planned_sheet

HEADER_ROWS = 6  # rows searched for the header
MAX_ROWS = 2000


def read_projects(path: Path, sheet: Sheet | None = None) -> tuple[list[dict[str, Any]], list[Issue]]:
    """(projects, issues) from a filled template or a CSV file."""
    sheet = sheet or planned_sheet()
    path = Path(path)
    if not path.exists():
        raise UsageError(f"找不到文件：{path}", hint="请检查路径。")
    if path.suffix.lower() == ".csv":
        rows, where = _csv_rows(path), path.name  # a CSV has no sheet: its cells are named in the file
    else:
        rows, where = _xlsx_rows(path, sheet)
    return projects_from_rows(rows, sheet, str(path), where)


_CSV_ENUM_HINT = "请改为上面列出的可选值之一；多选时用顿号“、”分隔。"


def _csv_rows(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel saves CSV as UTF-8 or, on Chinese Windows, as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UsageError(f"{path.name} 不是 UTF-8 或 GBK 编码的 CSV 文件，无法读取。", hint="请用 Excel 或 WPS 另存为“CSV UTF-8”后再试。")
    return [list(r) for r in csv.reader(io.StringIO(text))][: MAX_ROWS + HEADER_ROWS]


def _xlsx_rows(path: Path, sheet: Sheet) -> tuple[list[list[Any]], str]:
    from python_calamine import CalamineWorkbook

    from ..intake.safeopen import open_safely
    from ..intake.scan import FileProblem

    try:
        safe = open_safely(path)
    except FileProblem as exc:
        raise UsageError(exc.issue.message, hint=exc.issue.hint) from None
    try:
        wb = CalamineWorkbook.from_path(str(safe.readable_path))
        names = wb.sheet_names
        name = sheet.name if sheet.name in names else next((n for n in names if not n.startswith("_") and n != "填表说明"), None)
        if name is None:
            raise UsageError(f"{path.name} 中没有“{sheet.name}”工作表。", hint="请使用 `inventory planned template` 生成的模板填写。")
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)[: MAX_ROWS + HEADER_ROWS]
    finally:
        safe.close()
    return [list(r) for r in rows], name


def projects_from_rows(rows: list[list[Any]], sheet: Sheet, file: str, where: str) -> tuple[list[dict[str, Any]], list[Issue]]:
    """Projects from a table's rows: the header found in the first rows, then one project a row."""
    titles = {match_key(f.title): f for f in sheet.fields}
    header_at, columns = None, {}
    for r, row in enumerate(rows[:HEADER_ROWS]):
        found = {
            c: titles[match_key(str(v).lstrip("*＊"))]
            for c, v in enumerate(row)
            if v is not None and match_key(str(v).lstrip("*＊")) in titles
        }
        if len(found) >= 2:
            header_at, columns = r, found
            break
    if header_at is None:
        raise UsageError(
            f"{Path(file).name} 的“{where}”中找不到表头（如“项目名称”“建设单位全称”）。",
            hint="请使用 `inventory planned template` 生成的模板，不要删除或改动表头行。",
        )
    missing = [f for f in sheet.fields if f.required and f not in columns.values()]
    issues = [make_issue("HEADER_MISSING", file=file, sheet=where, expected=f.title) for f in missing]
    if missing:
        return [], issues
    letters = {f.key: _letter(c) for c, f in columns.items()}
    projects = []
    for r, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        raw = {f.key: row[c] if c < len(row) else None for c, f in columns.items()}
        if all(v is None or str(v).strip() == "" for v in raw.values()):
            continue
        values, problems = normalise(sheet, raw)
        for code, key, typed, expected in problems:
            f = sheet.by_key[key]
            hint = _CSV_ENUM_HINT if code == "CELL_ENUM" and file.lower().endswith(".csv") else None  # no dropdown in a CSV
            issues.append(
                make_issue(
                    code,
                    file=file,
                    sheet=where,
                    row=r,
                    column=letters[key],
                    field=key,
                    title=f.title,
                    value=typed,
                    expected=expected,
                    hint=hint,
                )
            )
        if not any(p[0] for p in problems if _is_error(p[0])):
            projects.append({**values, "source_row": r})
    return projects, issues


def _is_error(code: str) -> bool:
    from ..form.issues import CATALOGUE

    return CATALOGUE[code].severity == "error"


def _letter(c: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(c + 1)


def from_returns(systems: list[Any]) -> list[dict[str, Any]]:
    """The 在建 systems of stored returns read as planned projects (each keeps its system key, so the
    check does not find the system itself)."""
    out = []
    for s in systems:
        v = s.values
        if v.get("status") != "在建":
            continue
        out.append(
            {
                "project_name": s.name,
                "owner_unit": s.owner,
                "nature": "新建",
                "functions": str(v.get("functions") or ""),
                "users": v.get("users"),
                "scope": v.get("scope"),
                "budget": v.get("contract_amount") or v.get("build_amount"),
                "deploy": v.get("deploy_location"),
                "system_key": s.key,
                "source_row": f"{s.unit}/{v.get('system_no') or s.row}",
            }
        )
    return out
