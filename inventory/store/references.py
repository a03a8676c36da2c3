"""Reference lists: read a CSV or xlsx list with the column names `forms/references.json` allows,
store it whole (replacing the previous list of its kind), and hand the rows to the cross-checks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select

from ..errors import UsageError
from ..form.normalize import clean_text
from ..resources import data_dir
from .models import ReferenceRow

MAX_ROWS = 500_000


@lru_cache(maxsize=2)
def reference_kinds(folder: Path | None = None) -> dict[str, Any]:
    path = (folder or data_dir("forms")) / "references.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _cells(path: Path) -> list[list[Any]]:
    """The rows of a CSV (UTF-8 or GB18030, as Excel saves it in China) or of an xlsx's first visible sheet."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise UsageError(f"{path.name} 的编码无法识别。", hint="请在 Excel 中另存为“CSV UTF-8”或 xlsx 后再导入。")
        return list(csv.reader(io.StringIO(text)))
    if suffix in (".xlsx", ".xlsm"):
        from ..intake.safeopen import FileProblem, open_safely

        try:
            safe = open_safely(path)
        except FileProblem as exc:
            raise UsageError(f"{path.name} 无法读取：{exc.issue.message}", hint=exc.issue.hint) from None
        try:
            from python_calamine import CalamineWorkbook, SheetVisibleEnum

            wb = CalamineWorkbook.from_path(str(safe.readable_path))
            visible = [m.name for m in wb.sheets_metadata if m.visible == SheetVisibleEnum.Visible]
            sheet = wb.get_sheet_by_name((visible or wb.sheet_names)[0])
            return sheet.to_python(skip_empty_area=False)
        finally:
            safe.close()
    raise UsageError(f"{path.name} 不是 CSV 或 xlsx 文件。", hint="参考清单请存为 .csv 或 .xlsx。")


def _norm(header: Any) -> str:
    return clean_text(str(header or "")).replace(" ", "")


def read_reference(kind: str, path: Path) -> list[dict[str, Any]]:
    """The list's rows as {field: value, "_row": n, "_raw": {header: value}}, its columns found by name."""
    kinds = reference_kinds()["kinds"]
    if kind not in kinds:
        known = "、".join(f"{k}（{v['title']}）" for k, v in kinds.items())
        raise UsageError(f"没有“{kind}”这种参考清单。", hint=f"可用：{known}。")
    columns = kinds[kind]["columns"]
    rows = _cells(Path(path))
    wanted = {field: {_norm(n) for n in names} for field, names in columns.items()}
    h = 0
    for h, header in enumerate(rows[:20]):  # noqa: B007  (h is the header row found)
        found = {}
        for i, cell in enumerate(header):
            for field, names in wanted.items():
                if _norm(cell) in names and field not in found:
                    found[field] = i
        if "unit" in found and "system_name" in found:
            break
    else:
        need = "、".join(f"{columns[f][0]}（或 {'、'.join(columns[f][1:3])}）" for f in ("unit", "system_name"))
        raise UsageError(f"{Path(path).name} 的前 20 行里找不到表头：需要 {need} 两列。", hint="列名可在 forms/references.json 中增加。")
    headers = [str(c or "").strip() for c in rows[h]]
    out = []
    for n, row in enumerate(rows[h + 1 :], start=h + 2):
        if n > MAX_ROWS:
            raise UsageError(f"{Path(path).name} 超过 {MAX_ROWS} 行。")
        values = {f: (row[i] if i < len(row) else None) for f, i in found.items()}
        if not any(v not in (None, "") for v in values.values()):
            continue
        raw = {headers[i]: row[i] for i in range(min(len(headers), len(row))) if headers[i] and row[i] not in (None, "")}
        out.append({**{k: (str(v).strip() if isinstance(v, str) else v) for k, v in values.items()}, "_row": n, "_raw": raw})
    return out


def import_reference(engine: Engine, kind: str, path: Path) -> dict[str, Any]:
    """Store a list, replacing the previous one of its kind, in one transaction."""
    rows = read_reference(kind, path)
    now = dt.datetime.now(dt.UTC)
    records = [
        {
            "kind": kind,
            "unit": str(r.get("unit") or "") or None,
            "system_name": str(r.get("system_name") or "") or None,
            "system_no": str(r.get("system_no") or "") or None,
            "data": json.loads(json.dumps({k: v for k, v in r.items() if k != "_row"}, ensure_ascii=False, default=str)),
            "source": Path(path).name,
            "row": r["_row"],
            "imported_at": now,
        }
        for r in rows
    ]
    with engine.begin() as conn:
        conn.execute(delete(ReferenceRow).where(ReferenceRow.kind == kind))
        if records:
            conn.execute(insert(ReferenceRow), records)
    return {"kind": kind, "title": reference_kinds()["kinds"][kind]["title"], "rows": len(records), "source": Path(path).name}


def reference_summary(engine: Engine) -> list[dict[str, Any]]:
    kinds = reference_kinds()["kinds"]
    with engine.connect() as conn:
        counts = dict(conn.execute(select(ReferenceRow.kind, func.count()).group_by(ReferenceRow.kind)).all())
        sources = dict(conn.execute(select(ReferenceRow.kind, func.max(ReferenceRow.source)).group_by(ReferenceRow.kind)).all())
    return [{"kind": k, "title": v["title"], "rows": counts.get(k, 0), "source": sources.get(k)} for k, v in kinds.items()]


def reference_rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """kind -> rows (unit, system_name, system_no, the mapped fields, source and row)."""
    out: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for r in conn.execute(select(ReferenceRow).order_by(ReferenceRow.kind, ReferenceRow.id)):
            out.setdefault(r.kind, []).append(
                {"unit": r.unit, "system_name": r.system_name, "system_no": r.system_no, **(r.data or {}), "source": r.source, "row": r.row}
            )
    return out
