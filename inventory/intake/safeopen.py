"""Open a returned file safely: identify it by its bytes, bound its size, check its parts.

Nothing here trusts the file name or the file's own claims. Before any parser sees the file, the
zip's central directory is read and entries whose size, count or compression ratio is out of
bounds are refused (a native reader aborts the process on such files, pitfall P28). Sheet XML is
scanned for cells far outside the form, which would make a dense reader allocate gigabytes.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree

from ..form.issues import Issue, make_issue

MAX_FILE_BYTES = 200 * 1024**2
MAX_TOTAL_UNCOMPRESSED = 2 * 1024**3
MAX_ENTRY_UNCOMPRESSED = 1536 * 1024**2
MAX_ENTRIES = 5000
MAX_RATIO = 400  # uncompressed / compressed, for entries over 4 MB
MAX_ROWS = 200_000  # rows read per sheet
MAX_COLUMN = 702  # "ZZ": anything further right is stray content, not the form

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_FAR_CELL = re.compile(rb' r="([A-Z]{3,}[0-9]+)"')
_ROW_NUM = re.compile(rb'<row [^>]*?r="([0-9]+)"')
_HAS_FORMULA = re.compile(rb"<f[ >/]")
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>\s*(<f[^>]*/>|<f[^>]*>(.*?)</f>)\s*(<v>[^<]+</v>)?', re.S)


class FileProblem(Exception):
    """The file cannot be read as a workbook; `issue` says why and how to fix it."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


@dataclass
class SheetScan:
    max_row: int = 0
    row_count: int = 0  # rows that have at least one cell element
    far_cell: str | None = None
    formulas_without_value: list[tuple[str, str]] = field(default_factory=list)  # (cell, formula)


@dataclass
class SafeFile:
    path: Path
    size: int
    sha256: str
    sheet_parts: dict[str, str]  # sheet name -> part name in the zip
    zip: zipfile.ZipFile

    def scan(self, sheet: str) -> SheetScan:
        return scan_sheet(self.zip, self.sheet_parts[sheet])

    def close(self) -> None:
        self.zip.close()


def _human(n: float) -> str:
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


def _workbook_sheets(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part, from xl/workbook.xml and its relationships."""
    workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels_xml = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels_xml.iter(f"{NS_PKG_REL}Relationship")}
    parts: dict[str, str] = {}
    for sheet in workbook.iter(f"{NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{NS_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        parts[sheet.get("name", "")] = part
    return parts


def open_safely(path: Path) -> SafeFile:
    """Check `path` and return a handle for reading, or raise FileProblem."""
    path = Path(path)
    name = str(path)

    def fail(code: str, value: object = None, expected: object = None) -> FileProblem:
        return FileProblem(make_issue(code, file=name, value=value, expected=expected))

    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise fail("FILE_UNREADABLE", exc.strerror or exc) from exc
    if size == 0:
        raise fail("FILE_EMPTY")
    if size > MAX_FILE_BYTES:
        raise fail("FILE_TOO_LARGE", _human(size), _human(MAX_FILE_BYTES))
    code = sniff(head)
    if code == "FILE_OLD_FORMAT" and _ole_is_encrypted(path):
        code = "FILE_ENCRYPTED"
    if code:
        raise fail(code, head[:8].hex(" ") if code == "FILE_NOT_EXCEL" else None)
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise fail("FILE_CORRUPT", "压缩结构损坏或文件被截断") from exc
    try:
        if len(infos) > MAX_ENTRIES:
            raise fail("FILE_ZIP_BOMB", f"{len(infos)} 个部件", f"{MAX_ENTRIES} 个")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise fail("FILE_ZIP_BOMB", _human(total), _human(MAX_TOTAL_UNCOMPRESSED))
        for info in infos:
            if info.flag_bits & 0x1:
                raise fail("FILE_ENCRYPTED")
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_ENTRY_UNCOMPRESSED or (info.file_size > 4 * 1024**2 and ratio > MAX_RATIO):
                raise fail("FILE_ZIP_BOMB", f"{info.filename} {_human(info.file_size)}", _human(MAX_ENTRY_UNCOMPRESSED))
        names = {i.filename for i in infos}
        for required in ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            if required not in names:
                raise fail("FILE_CORRUPT", f"缺少必需的部件 {required}")
        for info in infos:  # a DTD has no business in an xlsx part (entity expansion attacks)
            if info.filename.endswith((".xml", ".rels")):
                with zf.open(info) as fh:
                    start = fh.read(2048)
                if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
                    raise fail("FILE_XML_UNSAFE", f"{info.filename} 含 DOCTYPE/ENTITY")
        try:
            parts = _workbook_sheets(zf)
        except Exception as exc:  # defusedxml raises on entities; anything else is a broken part
            raise fail("FILE_CORRUPT", f"工作簿目录无法解析（{type(exc).__name__}）") from exc
        for sheet, part in parts.items():
            if part not in names:
                raise fail("FILE_CORRUPT", f"工作表“{sheet}”的数据部件缺失")
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1024**2), b""):
                digest.update(chunk)
    except FileProblem:
        zf.close()
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, KeyError) as exc:
        zf.close()
        raise fail("FILE_CORRUPT", f"压缩数据损坏（{type(exc).__name__}）") from exc
    return SafeFile(path=path, size=size, sha256=digest.hexdigest(), sheet_parts=parts, zip=zf)


def _inflate(zf: zipfile.ZipFile, part: str, chunk_size: int) -> Iterator[bytes]:
    """The part's bytes in chunks, each led by the last 64 bytes of the previous one (no tag is cut)."""
    tail = b""
    try:
        with zf.open(part) as fh:
            while chunk := fh.read(chunk_size):
                data = tail + chunk
                yield data
                tail = data[-64:]
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise FileProblem(make_issue("FILE_CORRUPT", value=f"工作表数据损坏（{type(exc).__name__}）")) from exc


def scan_sheet(zf: zipfile.ZipFile, part: str, chunk_size: int = 4 * 1024**2) -> SheetScan:
    """Stream the sheet XML: last row, any cell far right, formulas without cached values.

    The common case costs two literal-led regex scans; rows are counted in a second pass only for a
    sheet whose last row is beyond the cap.
    """
    scan = SheetScan()
    has_formula = False
    for data in _inflate(zf, part, chunk_size):
        # two literal-led patterns: each is a fast scan, where one alternation would be 20x slower
        if scan.far_cell is None and (far := _FAR_CELL.search(data)):
            scan.far_cell = far.group(1).decode()  # three letters: beyond column ZZ
        if not has_formula:
            has_formula = _HAS_FORMULA.search(data) is not None
        rows = _ROW_NUM.findall(data[-65536:])
        if rows:
            scan.max_row = max(scan.max_row, int(rows[-1]))
    scan.row_count = scan.max_row
    if scan.max_row > MAX_ROWS:  # rare: is the sheet really that long, or is one cell far down?
        scan.row_count = sum(chunk[64:].count(b"<row ") for chunk in _inflate(zf, part, chunk_size))
    if has_formula and zf.getinfo(part).file_size <= 64 * 1024**2:
        xml = zf.read(part)
        for m in _FORMULA_CELL.finditer(xml):
            if not m.group(4):
                formula = (m.group(3) or b"").decode("utf-8", "replace")
                scan.formulas_without_value.append((m.group(1).decode(), formula[:40]))
    return scan
