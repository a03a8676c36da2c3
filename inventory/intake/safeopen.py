"""Open a returned file safely: identify it by its bytes, bound its size, prove its parts sane.

Nothing here trusts the file name or the file's own claims. Before any parser sees the file, the
zip's central directory is read and entries whose size, count or compression ratio is out of
bounds are refused; no part may declare a DTD or entities; and every worksheet is scanned for cells
far outside the form (a native reader sizes its grid from the furthest cell and aborts the whole
process on a crafted one, pitfall P28). A sheet with such cells is rewritten without them before the
reader sees it (`sanitized`), so the one reader only ever reads parts proven sane.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import re2
from defusedxml import ElementTree

from ..form.issues import Issue, make_issue

MAX_FILE_BYTES = 200 * 1024**2
MAX_TOTAL_UNCOMPRESSED = 2 * 1024**3
MAX_ENTRY_UNCOMPRESSED = 1536 * 1024**2
MAX_ENTRIES = 5000
MAX_RATIO = 400  # uncompressed / compressed, for entries over 4 MB
MAX_ROWS = 200_000  # rows read per sheet
MAX_COLUMN = 702  # "ZZ": anything further right is stray content, not the form
ROW_LIMIT = MAX_ROWS + 50  # the last row number kept (header rows above the data included)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# Scanning a sheet costs a few passes over its XML, so each pass is a literal-led pattern or a byte
# search (an alternation over the whole sheet would be many times slower). XML allows any whitespace
# around attributes and either quote: the fast pass looks for far references written as office suites
# write them (r="..."), and any sheet that writes an attribute another way gets the general pattern.
_FAR_REF = re.compile(rb"""r\s*=\s*["']([A-Za-z]{3,}[0-9]+|[A-Za-z]{0,3}(?:[2-9][0-9]{5}|[0-9]{7,}))["']""")
# searched in every chunk of every sheet, and tried at each of its millions of r="…": RE2's automaton
# does that in one linear pass without holding the GIL (a 228 MB sheet: 0.2 s, Python's re 1.9 s)
_FAR_REF_PLAIN = re2.compile(rb'r="([A-Za-z]{3,}[0-9]+|[A-Za-z]{0,3}(?:[2-9][0-9]{5}|[0-9]{7,}))"')
_SPACED_EQUALS = (re.compile(rb" ="), re.compile(rb"= "))
_ROW_OPEN = re.compile(rb"<(?:\w{1,16}:)?row[\s>/]")
_PREFIXED_ROW = re.compile(rb":row[\s>/]")
_HAS_FORMULA = (re.compile(rb"<f[\s>/]"), re.compile(rb":f[\s>/]"))
_MARKUP_DECL = re.compile(rb"<!")
_BOOLEAN_CELL = re.compile(rb't="b"')
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>\s*(<f[^>]*/>|<f[^>]*>(.*?)</f>)\s*(<v>[^<]+</v>)?', re.S)
_UNSAFE = (b"<!DOCTYPE", b"<!ENTITY")
_SPACE = b" \t\r\n"


class FileProblem(Exception):
    """The file cannot be read as a workbook; `issue` says why and how to fix it."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


@dataclass
class SheetScan:
    row_count: int = 0  # row elements in the sheet
    far_cell: str | None = None  # the first cell or row beyond the form's area, as written
    formulas_without_value: list[tuple[str, str]] = field(default_factory=list)  # (cell, formula)
    booleans: bool = False  # may hold TRUE/FALSE cells (which Python would confuse with 1 and 0)

    @property
    def needs_sanitizing(self) -> bool:
        return self.far_cell is not None or self.row_count > ROW_LIMIT


@dataclass
class SafeFile:
    path: Path
    size: int
    sha256: str
    sheet_parts: dict[str, str]  # sheet name -> part name in the zip
    zip: zipfile.ZipFile
    scans: dict[str, SheetScan] = field(default_factory=dict)  # sheet name -> what scanning it found
    copy: Path | None = None  # a sanitized copy, when a sheet had cells far outside the form

    @property
    def readable_path(self) -> Path:
        """The file the reader may open: the original, or its sanitized copy."""
        return self.copy or self.path

    def close(self) -> None:
        self.zip.close()
        if self.copy is not None:
            self.copy.unlink(missing_ok=True)


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


def open_safely(path: Path, package_ok: Callable[[], None] | None = None, sheet_ok: Callable[[str], None] | None = None) -> SafeFile:
    """Check `path` and return a handle for reading, or raise FileProblem. `package_ok` is called once
    the package and every part but the worksheets are proven sane, and `sheet_ok(name)` as each
    worksheet is (largest first), so the reader can start on them while the rest are scanned."""
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
        try:
            parts = _workbook_sheets(zf)
        except Exception as exc:  # defusedxml raises on entities; anything else is a broken part
            raise fail("FILE_CORRUPT", f"工作簿目录无法解析（{type(exc).__name__}）") from exc
        for sheet, part in parts.items():
            if part not in names:
                raise fail("FILE_CORRUPT", f"工作表“{sheet}”的数据部件缺失")
        sheets = set(parts.values())
        for info in infos:  # a DTD has no business in an xlsx part (entity expansion attacks), anywhere in it
            if info.filename.endswith((".xml", ".rels")) and info.filename not in sheets and _declares_dtd(zf, info.filename):
                raise fail("FILE_XML_UNSAFE", f"{info.filename} 含 DOCTYPE/ENTITY")
        if package_ok is not None:
            package_ok()
        scans: dict[str, SheetScan] = {}
        for sheet, part in sorted(parts.items(), key=lambda item: -zf.getinfo(item[1]).file_size):
            scans[sheet] = scan = scan_sheet(zf, part)  # worksheets check for DTDs here
            if sheet_ok is not None and not scan.needs_sanitizing:
                sheet_ok(sheet)
        scans = {sheet: scans[sheet] for sheet in parts}
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1024**2), b""):
                digest.update(chunk)
    except FileProblem as exc:
        zf.close()
        raise FileProblem(replace_file(exc.issue, name)) from exc
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, KeyError, NotImplementedError) as exc:
        zf.close()
        raise fail("FILE_CORRUPT", f"压缩数据损坏（{type(exc).__name__}）") from exc
    safe = SafeFile(path=path, size=size, sha256=digest.hexdigest(), sheet_parts=parts, zip=zf, scans=scans)
    if any(s.needs_sanitizing for s in scans.values()):
        safe.copy = sanitized_copy(safe)
    return safe


def replace_file(issue: Issue, file: str) -> Issue:
    from dataclasses import replace

    return replace(issue, file=file)


def _inflate(zf: zipfile.ZipFile, part: str, chunk_size: int = 4 * 1024**2, overlap: int = 64) -> Iterator[bytes]:
    """The part's bytes in chunks, each led by the last `overlap` bytes of the previous one (no tag is cut)."""
    tail = b""
    try:
        with zf.open(part) as fh:
            while chunk := fh.read(chunk_size):
                data = tail + chunk
                yield data
                tail = data[-overlap:]
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise FileProblem(make_issue("FILE_CORRUPT", value=f"{part} 数据损坏（{type(exc).__name__}）")) from exc


def _declares_dtd(zf: zipfile.ZipFile, part: str) -> bool:
    return any(_MARKUP_DECL.search(data) and any(marker in data for marker in _UNSAFE) for data in _inflate(zf, part, overlap=16))


def _far(ref: bytes) -> bool:
    """A cell or row reference beyond the form's area: column past ZZ, or row past the limit."""
    letters = ref.rstrip(b"0123456789")
    digits = ref[len(letters) :]
    return len(letters) > 2 or (digits and int(digits) > ROW_LIMIT)


def _plain_attributes(data: bytes) -> bool:
    """True when every attribute in `data` is written name="value" (no single quotes, no whitespace
    around "="); single bytes are found at memchr speed, so most sheets answer in a few milliseconds."""
    if b"'" in data or b"\t" in data or b"\r" in data or data.find(b"\n", 256) != -1:
        return False
    return not any(p.search(data) for p in _SPACED_EQUALS)


def scan_sheet(zf: zipfile.ZipFile, part: str) -> SheetScan:
    """Stream the sheet XML once: declared DTDs, rows, any cell or row far outside the form,
    formulas without cached values."""
    scan = SheetScan()
    has_formula = False
    for n, data in enumerate(_inflate(zf, part)):
        if _MARKUP_DECL.search(data) and any(marker in data for marker in _UNSAFE):
            raise FileProblem(make_issue("FILE_XML_UNSAFE", value=f"{part} 含 DOCTYPE/ENTITY"))
        start = 64 if n else 0  # a chunk repeats the previous one's last 64 bytes
        scan.row_count += data.count(b"<row", start) + len(_PREFIXED_ROW.findall(data, start))  # (<rowBreaks> too: a bound)
        plain = _plain_attributes(data)
        if not scan.booleans:
            scan.booleans = not plain or _BOOLEAN_CELL.search(data) is not None
        if scan.far_cell is None:
            if plain:
                m = _FAR_REF_PLAIN.search(data)
                if m and _far(m.group(1)):
                    scan.far_cell = m.group(1).decode()
                elif m:  # a near miss such as r="A150000": look through the rest of the chunk
                    scan.far_cell = _first_far(data)
            else:
                scan.far_cell = _first_far(data)
        if not has_formula:
            has_formula = any(p.search(data) is not None for p in _HAS_FORMULA)
    if has_formula and zf.getinfo(part).file_size <= 64 * 1024**2:
        xml = zf.read(part)
        for m in _FORMULA_CELL.finditer(xml):
            if not m.group(4):
                formula = (m.group(3) or b"").decode("utf-8", "replace")
                scan.formulas_without_value.append((m.group(1).decode(), formula[:40]))
    return scan


def _first_far(data: bytes) -> str | None:
    for m in _FAR_REF.finditer(data):
        if data[m.start() - 1 : m.start()] in (b" ", b"\t", b"\r", b"\n") and _far(m.group(1)):
            return m.group(1).decode()
    return None


_ROW_ELEMENT = re.compile(rb"<(?:\w{1,16}:)?row\b[^>]*?(?:/>|>.*?</(?:\w{1,16}:)?row>)", re.S)
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["']([0-9]+)["']""")
_CELL_ELEMENT = re.compile(rb"""<(?:\w{1,16}:)?c\b[^>]*?\sr\s*=\s*["']([A-Za-z]+)([0-9]+)["'][^>]*?(?:/>|>.*?</(?:\w{1,16}:)?c>)""", re.S)


def _sanitized_rows(zf: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The sheet XML without rows past the limit and without cells past column ZZ, streamed."""
    buffer, row_no = b"", 0
    for chunk in _inflate(zf, part, overlap=0):
        buffer += chunk
        pos = 0
        for m in _ROW_ELEMENT.finditer(buffer):
            yield buffer[pos : m.start()]
            pos = m.end()
            element = m.group(0)
            start_tag = element[: element.find(b">") + 1]
            number = _ROW_NUMBER.search(start_tag)
            row_no = int(number.group(1)) if number else row_no + 1
            if row_no <= ROW_LIMIT:
                yield _CELL_ELEMENT.sub(lambda c: b"" if len(c.group(1)) > 2 or int(c.group(2)) > ROW_LIMIT else c.group(0), element)
        buffer = buffer[pos:]
    yield buffer


def sanitized_copy(safe: SafeFile) -> Path:
    """A temporary copy of the workbook whose flagged sheets hold only the form's area."""
    flagged = {safe.sheet_parts[name] for name, scan in safe.scans.items() if scan.needs_sanitizing}
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", prefix="inventory-sane-")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
            for info in safe.zip.infolist():
                if info.filename in flagged:
                    with out.open(info.filename, "w", force_zip64=True) as fh:
                        for piece in _sanitized_rows(safe.zip, info.filename):
                            fh.write(piece)
                else:
                    with safe.zip.open(info) as src, out.open(info.filename, "w", force_zip64=True) as fh:
                        while chunk := src.read(1024**2):
                            fh.write(chunk)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)
