"""The audit log as a workbook: one row per entry, in Beijing time, actions and roles in Chinese,
every text written as text (an entry can quote what a user typed)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..beijing import shown
from ..output import put, save_workbook

COLUMNS = (
    ("at", "时间（北京时间）", 20),
    ("actor", "操作人", 18),
    ("role_name", "角色", 8),
    ("address", "地址", 16),
    ("action_name", "操作", 16),
    ("target", "对象", 30),
    ("detail", "详情", 50),
    ("action", "操作代码", 18),
    ("request", "请求（原始记录）", 30),
)


def write_audit_xlsx(rows: Iterable[dict[str, Any]], path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "操作日志"
    for col, (_, title, width) in enumerate(COLUMNS, start=1):
        put(ws.cell(row=1, column=col), title)
        ws.column_dimensions[get_column_letter(col)].width = width
    for n, r in enumerate(rows, start=2):
        for col, (key, _, _) in enumerate(COLUMNS, start=1):
            value = shown(r["at"], seconds=True) if key == "at" else r.get(key)
            put(ws.cell(row=n, column=col), value)
    ws.freeze_panes = "A2"
    return save_workbook(wb, path)
