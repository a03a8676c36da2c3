"""Writing files safely: atomic saves, and cell values that can never become formulas.

A half-written file never takes the place of a good one, and text from a return that starts like a
formula (=, +, -, @) stays text in every workbook we write (formula injection).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .errors import OutputError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def put(cell: Any, value: Any) -> None:
    """Write `value` into an openpyxl cell; text that looks like a formula stays text."""
    if isinstance(value, (list, tuple)):
        value = "、".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"


def save_workbook(wb: Any, path: Path) -> Path:
    """Save an openpyxl workbook atomically."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
        os.close(fd)
        try:
            wb.save(tmp)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise OutputError(
            f"无法写入 {path}：{exc.strerror or exc}",
            hint="请确认目标文件夹存在且可写，文件没有在 Excel/WPS 中打开。",
        ) from exc
    return path


def write_text(path: Path, text: str) -> Path:
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"无法写入 {path}：{exc.strerror or exc}", hint="请确认目标文件夹存在且可写。") from exc
    return Path(path)
