"""Writing what returns contain, safely, in every medium we write.

A half-written file never takes the place of a good one. Text from a return is never trusted:
in a workbook it cannot become a formula (=, +, -, @), its control characters are written out
(⟨U+001B⟩) and a value longer than Excel's 32,767 characters is cut *and reported*; in Markdown it
cannot become HTML, a link or emphasis; on a terminal it cannot become markup or an escape sequence
(`inventory.cli.render` uses `shown` and rich's escaping).
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .chars import shown
from .errors import OutputError, os_reason

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXCEL_CELL_MAX = 32767
CUT_MARK = "…（内容超过 Excel 单元格上限，已截断）"


def put(cell: Any, value: Any) -> bool:
    """Write `value` into an openpyxl cell; text that looks like a formula stays text. Returns True
    when the text was longer than a cell holds and had to be cut (the caller says so in the file)."""
    if isinstance(value, (list, tuple)):
        value = "、".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    cut = False
    if isinstance(value, str):
        value = shown(value)
        if len(value) > EXCEL_CELL_MAX:
            value, cut = value[: EXCEL_CELL_MAX - len(CUT_MARK)] + CUT_MARK, True
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
    return cut


READABLE_JSON = 20 * 1024**2  # above this, nobody reads the file by eye: no indentation (a third smaller, faster)


def json_bytes(data: Any) -> bytes:
    """JSON as the contract shows it (Chinese as is, UTF-8), at C speed for 100k systems: indented by
    two spaces for reading, except a document too large to read by eye (the inventory of 100k systems),
    which is written compact."""
    import orjson

    try:
        compact = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS, default=str)
        if len(compact) > READABLE_JSON:
            return compact
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str)
    except TypeError:  # e.g. an integer beyond 64 bits: the standard library writes it
        return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def json_text(data: Any) -> str:
    return json_bytes(data).decode("utf-8")


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]()#|~>!"})


def markdown_text(value: Any) -> str:
    """Text for a Markdown table cell: no HTML, no links or emphasis, no line breaks."""
    import html

    text = shown("" if value is None else str(value))
    return html.escape(text, quote=False).translate(_MD_SPECIAL).replace("\n", " ").replace("\r", " ")


@contextmanager
def atomic_file(path: Path, suffix: str = ".xlsx") -> Iterator[str]:
    """A temporary file beside `path` that becomes `path` only when the block completes and its bytes
    are on disk: a reader never sees half a file, and a failure (a full disk) leaves the old one or
    none. Errors become a clear OutputError."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=suffix, dir=path.parent)
        os.close(fd)
        try:
            yield tmp
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            with open(tmp, "rb+") as fh:  # a disk that fills while the data is flushed fails here, not later
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        hint = "请确认目标文件夹存在且可写，文件没有在 Excel/WPS 中打开。"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            hint = "磁盘空间不足，没有留下写了一半的文件；请清理空间或换一个位置后重试。"
        raise OutputError(f"无法写入 {path}：{os_reason(exc)}", hint=hint) from exc


def save_workbook(wb: Any, path: Path) -> Path:
    """Save an openpyxl workbook atomically."""
    with atomic_file(path) as tmp:
        wb.save(tmp)
    return Path(path)


def write_text(path: Path, text: str | bytes, end: bytes = b"") -> Path:
    """Text (or UTF-8 bytes, written as they are, then `end`: no copy of 200 MB to add a newline) into
    a file, atomically (a full disk leaves no truncated report behind)."""
    with atomic_file(Path(path), suffix=Path(path).suffix) as tmp, open(tmp, "wb") as fh:
        fh.write(text if isinstance(text, bytes) else text.encode("utf-8"))
        fh.write(end)
    return Path(path)
