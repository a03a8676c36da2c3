"""What an evidence file really is, judged by its bytes and never by its name or the browser's word.

Accepted: PDF, OFD (a zip with OFD.xml), PNG, JPEG, .docx and .xlsx (zips with their main parts).
Everything else is refused with a clear reason: HTML, SVG and XML (active content a browser would
run), other zips, files whose declared extension names another type, and zips whose directory
promises more than a scan could hold (entry count, total size, compression ratio), read from the
central directory without inflating anything.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePath

from ..errors import os_reason
from ..form.evidence import Evidence
from ..form.issues import Issue, make_issue
from .safeopen import human_size

ZIP_MAX_ENTRIES = 2000
ZIP_MAX_TOTAL = 200 * 1024**2
ZIP_MAX_RATIO = 100  # uncompressed / compressed, for entries over 1 MB
EXTENSIONS = {"pdf": (".pdf",), "ofd": (".ofd",), "png": (".png",), "jpeg": (".jpg", ".jpeg"), "docx": (".docx",), "xlsx": (".xlsx",)}
ACTIVE = (b"<!doctype html", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body", b"<iframe", b"<meta")


def _zip_kind(path: Path) -> tuple[str | None, tuple[str, object, object] | None]:
    """(the zip's document type, or a problem as (code, value, expected))."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None, ("ATTACH_TYPE", "损坏的压缩文件", None)
    if len(infos) > ZIP_MAX_ENTRIES:
        return None, ("ATTACH_ZIP_BOMB", f"{len(infos)} 个部件", f"{ZIP_MAX_ENTRIES} 个")
    total = sum(i.file_size for i in infos)
    if total > ZIP_MAX_TOTAL:
        return None, ("ATTACH_ZIP_BOMB", human_size(total), human_size(ZIP_MAX_TOTAL))
    for i in infos:
        if i.file_size > 1024**2 and i.file_size / max(i.compress_size, 1) > ZIP_MAX_RATIO:
            return None, ("ATTACH_ZIP_BOMB", f"{i.filename} 压缩比 {i.file_size // max(i.compress_size, 1)}:1", f"{ZIP_MAX_RATIO}:1")
    names = {i.filename for i in infos}
    if "OFD.xml" in names:
        return "ofd", None
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return "docx", None
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return "xlsx", None
    return None, ("ATTACH_TYPE", "其他压缩文件（zip）", None)


def media_of(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def sniff_attachment(path: Path, name: str, evidence: Evidence) -> tuple[str | None, Issue | None]:
    """(the file's type, None) when it may be kept; (None, the issue saying why not) otherwise. `name`:
    the file's name as sent (its extension must agree with its content)."""
    shown = PurePath(name.replace("\\", "/")).name

    def refuse(code: str, value: object = None, expected: object = None) -> tuple[None, Issue]:
        return None, make_issue(code, file=shown, value=value, expected=expected)

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return refuse("ATTACH_TYPE", "不是普通文件")
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        return refuse("ATTACH_TYPE", os_reason(exc, path))
    if info.st_size == 0:
        return refuse("ATTACH_EMPTY")
    if info.st_size > evidence.max_bytes:
        return refuse("ATTACH_TOO_LARGE", human_size(info.st_size), human_size(evidence.max_bytes))
    media = media_of(head)
    if media is None:
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if text.startswith(ACTIVE) or b"<svg" in text or b"<script" in text:
            return refuse("ATTACH_ACTIVE", "网页、SVG 或 XML")
        return refuse("ATTACH_TYPE", head[:8].hex(" "))
    if media == "zip":
        media, problem = _zip_kind(path)
        if problem:
            return refuse(*problem)
    assert media is not None
    ext = PurePath(shown).suffix.lower()
    if ext not in EXTENSIONS[media]:
        return refuse("ATTACH_EXT_MISMATCH", evidence.media.get(media, media), ext or "（无扩展名）")
    return media, None
