"""Open a returned file safely: identify it by its bytes, bound its size, prove its parts sane.

Nothing here trusts the file name or the file's own claims. Before any parser sees the file, the
zip's central directory is read and entries whose size, count or compression ratio is out of
bounds are refused; no part may declare a DTD or entities; and every worksheet is scanned
(`scan.py`) for cells far outside the form, rows beyond any return and tags that do not match. A
sheet that must not be read as it is gets a trimmed copy before the reader sees it, so the one
reader only ever reads parts proven sane.
"""

from __future__ import annotations

import hashlib
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree.ElementTree import XML as fast_xml

from defusedxml import ElementTree

from ..errors import os_reason
from ..form.issues import Issue, make_issue
from .active import active_parts
from .memzip import MemoryZip
from .scan import MAX_COLUMN, MAX_ROWS, PIECE, ROW_LIMIT, FileProblem, SheetScan, declares_dtd, pieces, scan_sheet
from .trim import trimmed_copy

__all__ = ["MAX_COLUMN", "MAX_ROWS", "ROW_LIMIT", "FileProblem", "SafeFile", "SheetScan", "open_safely", "scan_sheet"]

MAX_FILE_BYTES = 200 * 1024**2
IN_MEMORY = 1024**2  # a file up to this size is read once and its parts inflated from memory (memzip.py)
MAX_TOTAL_UNCOMPRESSED = 2 * 1024**3
MAX_ENTRY_UNCOMPRESSED = 1536 * 1024**2
MAX_ENTRIES = 5000
MAX_RATIO = 400  # uncompressed / compressed, for entries over 4 MB
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass
class SafeFile:
    path: Path
    size: int
    sha256: str
    sheet_parts: dict[str, str]  # sheet name -> part name in the zip
    zip: zipfile.ZipFile
    scans: dict[str, SheetScan] = field(default_factory=dict)  # sheet name -> what scanning it found
    copy: Path | None = None  # a trimmed copy, when a sheet must not be read as it is (scan.py)
    active: list[str] = field(default_factory=list)  # macros or links to other workbooks it carries (active.py)

    @property
    def readable_path(self) -> Path:
        """The file the reader may open: the original, or its trimmed copy."""
        return self.copy or self.path

    def close(self) -> None:
        self.zip.close()
        if self.copy is not None:
            self.copy.unlink(missing_ok=True)


def human_size(n: float) -> str:
    """A size as people say it: 12 MB."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.0f} {unit}"
        n /= 1024
    return f"{n:.0f} TB"


def sniff(head: bytes) -> str | None:
    """The error code for a head that is not an xlsx (zip), or None when it looks like one."""
    if head.startswith(ZIP_MAGIC):
        return None
    if head.startswith(OLE_MAGIC):
        return "FILE_OLD_FORMAT"  # refined to FILE_ENCRYPTED by the caller
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head", b"<body")) or (
        text.startswith(b"<?xml") and (b"<html" in text or b"urn:schemas-microsoft-com:office" in text)
    ):
        return "FILE_HTML"
    if not head:
        return "FILE_EMPTY"
    try:
        decoded = head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            decoded = head.decode("gb18030")
        except UnicodeDecodeError:
            return "FILE_NOT_EXCEL"
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in decoded)
    if printable / max(len(decoded), 1) > 0.95:
        return "FILE_CSV"
    return "FILE_NOT_EXCEL"


def _ole_is_encrypted(path: Path) -> bool:
    """An encrypted .xlsx is an OLE file holding EncryptionInfo/EncryptedPackage streams."""
    marker = "EncryptedPackage".encode("utf-16-le")
    with path.open("rb") as fh:
        return marker in fh.read(4 * 1024**2)


def _xml(data: bytes) -> Any:
    """A small part's tree. Parsed by defusedxml, unless it holds no markup declaration at all ("<!":
    no DTD, so no entity can be declared) in an encoding where that would be seen (no NUL byte, as
    UTF-16 has): then the C parser builds the same tree with the same expat, at a fraction of the cost."""
    if b"<!" not in data and b"\x00" not in data:
        return fast_xml(data)
    return ElementTree.fromstring(data)


def _workbook_sheets(zf: zipfile.ZipFile, read: dict[str, bytes] | None = None) -> dict[str, str]:
    """Sheet name -> worksheet part, from xl/workbook.xml and its relationships (`read`: the parts'
    bytes are left there, for the checks that read them next)."""
    read = {} if read is None else read
    read["xl/workbook.xml"] = book = zf.read("xl/workbook.xml")
    read["xl/_rels/workbook.xml.rels"] = rels = zf.read("xl/_rels/workbook.xml.rels")
    workbook = _xml(book)
    rels_xml = _xml(rels)
    targets = {r.get("Id"): r.get("Target", "") for r in rels_xml.iter(f"{NS_PKG_REL}Relationship")}
    parts: dict[str, str] = {}
    for sheet in workbook.iter(f"{NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{NS_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        parts[sheet.get("name", "")] = part
    return parts


def open_safely(path: Path, package_ok: Callable[[], None] | None = None, sheet_ok: Callable[[str], None] | None = None) -> SafeFile:
    """Check `path` and return a handle for reading, or raise FileProblem. `package_ok` is called once
    the package and every part but the worksheets are proven sane, and `sheet_ok(name)` as each
    worksheet is (small ones, then largest first), so the reader can start on them while the rest are scanned."""
    path = Path(path)
    name = str(path)

    def fail(code: str, value: object = None, expected: object = None) -> FileProblem:
        return FileProblem(make_issue(code, file=name, value=value, expected=expected))

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a pipe or device would block or never end
            raise fail("FILE_UNREADABLE", "不是普通文件（可能是管道、设备或文件夹）")
        size = info.st_size
        with path.open("rb") as fh:
            # as many bytes as it has, and one more: a file that grew meanwhile is read as a big one
            # (asking for a megabyte would cost a megabyte's allocation for every 20 KB return)
            raw = fh.read(size + 1) if size <= IN_MEMORY else None
            head = raw[:512] if raw is not None else fh.read(512)
    except OSError as exc:
        raise fail("FILE_UNREADABLE", os_reason(exc, path)) from exc
    if size == 0:
        raise fail("FILE_EMPTY")
    if size > MAX_FILE_BYTES:
        raise fail("FILE_TOO_LARGE", human_size(size), human_size(MAX_FILE_BYTES))
    code = sniff(head)
    if code == "FILE_OLD_FORMAT" and _ole_is_encrypted(path):
        code = "FILE_ENCRYPTED"
    if code:
        raise fail(code, head[:8].hex(" ") if code == "FILE_NOT_EXCEL" else None)
    try:
        zf = MemoryZip(raw) if raw is not None and len(raw) <= size else zipfile.ZipFile(path)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise fail("FILE_CORRUPT", "压缩结构损坏或文件被截断") from exc
    try:
        if len(infos) > MAX_ENTRIES:
            raise fail("FILE_ZIP_BOMB", f"{len(infos)} 个部件", f"{MAX_ENTRIES} 个")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise fail("FILE_ZIP_BOMB", human_size(total), human_size(MAX_TOTAL_UNCOMPRESSED))
        for info in infos:
            if info.flag_bits & 0x1:
                raise fail("FILE_ENCRYPTED")
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_ENTRY_UNCOMPRESSED or (info.file_size > 4 * 1024**2 and ratio > MAX_RATIO):
                raise fail("FILE_ZIP_BOMB", f"{info.filename} {human_size(info.file_size)}", human_size(MAX_ENTRY_UNCOMPRESSED))
        names = {i.filename for i in infos}
        for required in ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            if required not in names:
                raise fail("FILE_CORRUPT", f"缺少必需的部件 {required}")
        read: dict[str, bytes] = {}  # small parts already inflated (a zip in memory): not inflated again
        try:
            parts = _workbook_sheets(zf, read)
        except Exception as exc:  # defusedxml raises on entities; anything else is a broken part
            raise fail("FILE_CORRUPT", f"工作簿目录无法解析（{type(exc).__name__}）") from exc
        for sheet, part in parts.items():
            if part not in names:
                raise fail("FILE_CORRUPT", f"工作表“{sheet}”的数据部件缺失")
        sheets = set(parts.values())
        whole = isinstance(zf, MemoryZip)  # each part is one piece (`pieces`): read it once, keep the small ones
        for info in infos:  # a DTD has no business in an xlsx part (entity expansion attacks), anywhere in it
            name_ = info.filename
            if not name_.endswith((".xml", ".rels")) or name_ in sheets:
                continue
            if whole and zf.getinfo(name_).file_size <= PIECE:
                data = read.get(name_)
                if data is None:
                    data = _part(zf, name_)
                    if name_ == "[Content_Types].xml":
                        read[name_] = data
                unsafe = bool(data) and declares_dtd(data)
            else:
                unsafe = any(declares_dtd(d) for _, d in pieces(zf, name_))
            if unsafe:
                raise fail("FILE_XML_UNSAFE", f"{info.filename} 含 DOCTYPE/ENTITY")
        if package_ok is not None:
            package_ok()
        scans: dict[str, SheetScan] = {}
        for sheet, part in sorted(parts.items(), key=lambda item: _scan_order(zf.getinfo(item[1]).file_size)):
            try:
                scans[sheet] = scan = scan_sheet(zf, part)  # worksheets check for DTDs here
            except FileProblem as exc:  # named by the sheet, as the unit knows it
                raise FileProblem(make_issue(exc.issue.code, file=name, sheet=sheet, value=exc.issue.value)) from exc
            if sheet_ok is not None and not scan.needs_copy:
                sheet_ok(sheet)
        scans = {sheet: scans[sheet] for sheet in parts}
        digest = hashlib.sha256()
        if isinstance(zf, MemoryZip):
            digest.update(zf.raw)
        else:
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1024**2), b""):
                    digest.update(chunk)
        trimmed = {parts[name]: scan for name, scan in scans.items() if scan.needs_copy}
        copy = trimmed_copy(zf, trimmed) if trimmed else None
        types = read.get("[Content_Types].xml")
        active = active_parts(names, types if types is not None else zf.read("[Content_Types].xml"))
    except FileProblem as exc:
        zf.close()
        raise FileProblem(replace_file(exc.issue, name)) from exc
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, KeyError, NotImplementedError) as exc:
        zf.close()
        raise fail("FILE_CORRUPT", f"压缩数据损坏（{type(exc).__name__}）") from exc
    return SafeFile(path=path, size=size, sha256=digest.hexdigest(), sheet_parts=parts, zip=zf, scans=scans, copy=copy, active=active)


def _part(zf: zipfile.ZipFile, name: str) -> bytes:
    """A part held in memory, in its one piece (`pieces`: damaged data is FILE_CORRUPT, as there)."""
    for _, data in pieces(zf, name):
        return data
    return b""


def _scan_order(size: int) -> tuple[bool, int]:
    """Small sheets first (the unit's sheet and _meta: scanned and parsed in milliseconds, then read
    at once while the big ones are parsed), then the largest first (its parse is the longest)."""
    return size > 1024**2, -size


def replace_file(issue: Issue, file: str) -> Issue:
    from dataclasses import replace

    return replace(issue, file=file)


def not_a_workbook(path: Path) -> str | None:
    """The error code when a file is plainly not an .xlsx workbook (text, a web page, an .xls, a zip
    of something else), read from its head and zip directory only; None when it may be one (the
    full checks come later)."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    code = sniff(head)
    if code is not None:
        return "FILE_ENCRYPTED" if code == "FILE_OLD_FORMAT" and _ole_is_encrypted(path) else code
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "FILE_NOT_EXCEL"
    return (
        None
        if "xl/workbook.xml" in names or ("[Content_Types].xml" in names and any(n.startswith("xl/") for n in names))
        else "FILE_NOT_EXCEL"
    )
