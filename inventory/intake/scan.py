"""Scan a worksheet's XML before any parser sees it, and write the copy the reader may read instead.

A native reader sizes its grid from the furthest cell that holds something and aborts the whole
process on a crafted one (pitfall P28); it also reads a sheet whose closing tags do not match as if
they did. So every worksheet is streamed once, in pieces that end at a row (no tag or row is cut):
declared DTDs, rows that hold a value, cells with content far outside the form, formulas without a
value, and whether its tags can be trusted. Empty rows and cells that only carry a format (what
Excel leaves after a column was formatted to the bottom) are not rows: they cost nothing later.

What a sheet that must not be read as it is keeps is decided here and copied by `trim.py`.
"""

from __future__ import annotations

import queue
import re
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import re2

from ..form.issues import Issue, make_issue
from .memzip import MemoryZip

MAX_ROWS = 200_000  # rows read per sheet
MAX_COLUMN = 702  # "ZZ": anything further right is stray content, not the form
ROW_LIMIT = MAX_ROWS + 50  # the last row number kept (header rows above the data included)
HEAD_ROWS = 100  # what is kept of a sheet with too many rows: enough to recognise it (headers, _meta)
PADDING = 1024**2  # bytes of empty rows after the data worth leaving out of the copy
PIECE = 4 * 1024**2
T = TypeVar("T")

# a cell with content (not self-closed: `<c r="E9" s="3"/>` only carries a format) whose reference is
# past column ZZ or past the row limit, as office suites write it and as anyone may write XML
_FAR = rb"""([A-Za-z]{3,}[0-9]+|[A-Za-z]{0,3}(?:[2-9][0-9]{5}|[0-9]{7,}))"""
_FAR_CELL_PLAIN = rb'<(?:\w{1,16}:)?c\s(?:[^>]*\s)?r="' + _FAR + rb'"(?:[^>]*[^/>])?>'
_FAR_CELL_ANY = re2.compile(rb"""<(?:\w{1,16}:)?c\s(?:[^>]*\s)?r\s*=\s*["']""" + _FAR + rb"""["'](?:[^>]*[^/>])?>""")
FAR_CELL_ELEMENT = re2.compile(
    rb"""(?s)<(?:\w{1,16}:)?c\s(?:[^>]*\s)?r\s*=\s*["']""" + _FAR + rb"""["'](?:[^>]*[^/>])?>.*?</(?:\w{1,16}:)?c\s*>"""
)


def _not(*names: bytes) -> bytes:
    """A closing tag's name that is none of `names` (RE2 has no lookahead: spelled out letter by letter)."""
    alternatives = []
    for prefix in sorted({n[:i] for n in names for i in range(len(n) + 1)}):
        following = b"".join(sorted({n[len(prefix) : len(prefix) + 1] for n in names if n.startswith(prefix) and n != prefix}))
        excluded = following + (rb">\s" if prefix in names else b"")
        alternatives.append(re2.escape(prefix) + b"[^" + excluded + b"]")
    return b"(?:" + b"|".join(alternatives) + b")"


# a closing tag where the data's grammar has no place for it (`<v>3</t>`, `</c></rox>`, `</row></sheetDatum>`):
# calamine would read past it as if it matched
_BAD_CLOSE = (
    rb"<v>[^<]*</" + _not(b"v"),
    rb"<t(?:\s[^>]*[^/])?>[^<]*</" + _not(b"t"),
    rb"<f(?:\s[^>]*[^/])?>[^<]*</" + _not(b"f"),
    rb"(?:</(?:v|is|f)>|<f(?:\s[^>]*)?/>)\s*</" + _not(b"c"),
    rb"(?:</c>|<c\s[^>]*/>)\s*</" + _not(b"row"),
    rb"<c(?:\s[^>]*[^/])?>\s*</" + _not(b"c"),
    rb"(?:</row>|<row\s[^>]*/>)\s*</" + _not(b"sheetData"),
    rb"<row(?:\s[^>]*[^/])?>\s*</" + _not(b"row"),
    rb"(?:</t>|<t/>)\s*</" + _not(b"is", b"r"),
    rb"</r>\s*</" + _not(b"is"),
    rb"</rPr>\s*</",
)
# anything but plain cells, searched in one pass: most pieces of an office suite's sheet hold none of it
_ODD_THINGS = (rb"<!", rb"'", rb"\t", rb"\r", rb"\n", rb" =", rb"= ", rb't="b"', rb"[<:]f[\s>/]", rb":(?:row|c|v|is|t|r)[\s>/]")
_ODD = re2.compile(b"|".join((*_ODD_THINGS, _FAR_CELL_PLAIN, *_BAD_CLOSE)))
_ODD_BUT_FAR = re2.compile(b"|".join(_ODD_THINGS + _BAD_CLOSE))
_FAR_CELL_PLAIN_RE = re2.compile(_FAR_CELL_PLAIN)
_BAD_CLOSE_RE = re2.compile(b"|".join(_BAD_CLOSE))
_PREFIXED_DATA = re.compile(rb"</\w{1,16}:(?:row|c|v|is|t|f|r)>")
# a row that holds a value: its last cell with content, then only format-only cells, then its end
_CONTENT_ROW = re.compile(rb"</(?:\w{1,16}:)?c\s*>\s*(?:<(?:\w{1,16}:)?c\s[^>]*/>\s*)*</(?:\w{1,16}:)?row\s*>")
_SPACED_EQUALS = (re.compile(rb" ="), re.compile(rb"= "))
_ROW_OPEN = re.compile(rb"<(?:\w{1,16}:)?row[\s>/]")
_PREFIXED_ROW = re.compile(rb":row[\s>/]")
_SHEETDATA_CLOSE = re.compile(rb"</(?:\w{1,16}:)?sheetData\s*>")
_HAS_FORMULA = (re.compile(rb"<f[\s>/]"), re.compile(rb":f[\s>/]"))
_MARKUP_DECL = re.compile(rb"<!")
_BOOLEAN_CELL = re.compile(rb't="b"')
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>\s*(<f[^>]*/>|<f[^>]*>(.*?)</f>)\s*(<v>[^<]+</v>)?', re.S)
_UNSAFE = (b"<!DOCTYPE", b"<!ENTITY")


class FileProblem(Exception):
    """The file cannot be read as a workbook; `issue` says why and how to fix it."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


@dataclass
class SheetScan:
    row_count: int = 0  # the last row that holds a value (empty and format-only rows are not rows)
    far_cell: str | None = None  # the first cell with content beyond the form's area, as written
    formulas_without_value: list[tuple[str, str]] = field(default_factory=list)  # (cell, formula)
    booleans: bool = False  # may hold TRUE/FALSE cells (which Python would confuse with 1 and 0)
    too_many_rows: bool = False  # rows with a value go on past the limit (not a few stray cells)
    head_end: int | None = None  # where the rows after the first HEAD_ROWS begin
    data_end: int | None = None  # where the first row after the last row with a value begins
    tail: int | None = None  # where the data's closing tag begins
    kept: list[bytes] | None = field(default=None, repr=False)  # of a sheet with too many rows: its head and tail
    after: list[bytes] = field(default_factory=list, repr=False)  # what follows the data (from `tail` on), kept from the scan

    @property
    def padded(self) -> bool:
        return self.data_end is not None and self.tail is not None and self.tail - self.data_end > PADDING

    @property
    def needs_copy(self) -> bool:
        return self.too_many_rows or self.far_cell is not None or self.padded

    def keep(self) -> tuple[int, int] | None:
        """(end of what is kept of the rows, start of what follows them), or None to keep every row."""
        if self.tail is None:
            return None
        if self.too_many_rows:
            return (self.head_end, self.tail) if self.head_end is not None else None
        return (self.data_end, self.tail) if self.padded and self.data_end is not None else None


def pieces(zf: zipfile.ZipFile, part: str, size: int = PIECE) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of a part in pieces of about `size`, each ending where a row ends (or, without
    one near, a tag): no tag and no row is cut, and no byte is read twice."""
    carry, offset = b"", 0
    try:
        if isinstance(zf, MemoryZip) and zf.getinfo(part).file_size <= size:  # held in memory: one piece
            if data := zf.read(part):
                yield 0, data
            return
        with zf.open(part) as fh:
            while chunk := fh.read(size):
                data = carry + chunk if carry else chunk
                cut = _cut(data)
                yield offset, data[:cut] if cut < len(data) else data
                offset += cut
                carry = data[cut:]
        if carry:
            yield offset, carry
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise FileProblem(make_issue("FILE_CORRUPT", value=f"{part} 数据损坏（{type(exc).__name__}）")) from exc


def read_ahead(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """The items of `items`, produced on a thread of their own up to `depth` ahead. Inflating a part
    releases the GIL, and so does RE2: the next piece is inflated while this one is searched."""
    box: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                box.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
            put((False, None))
        except BaseException as exc:  # raised where the items are used
            put((False, exc))

    threading.Thread(target=produce, name="inflate", daemon=True).start()
    try:
        while True:
            more, item = box.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()


def _cut(data: bytes) -> int:
    for marker in (b"row>", b">"):
        i = data.rfind(marker)
        if i >= 0 and len(data) - i < 1024**2:
            return i + len(marker)
    return len(data)  # no tag ends near the end (a text of megabytes): nothing to cut


def declares_dtd(data: bytes) -> bool:
    return _MARKUP_DECL.search(data) is not None and any(marker in data for marker in _UNSAFE)


def far(ref: bytes) -> bool:
    """A cell reference beyond the form's area: column past ZZ, or row past the limit."""
    letters = ref.rstrip(b"0123456789")
    digits = ref[len(letters) :]
    return len(letters) > 2 or bool(digits and int(digits) > ROW_LIMIT)


def _plain_attributes(data: bytes) -> bool:
    """True when every attribute in `data` is written name="value" (no single quotes, no whitespace
    around "="); single bytes are found at memchr speed, so most sheets answer in a few milliseconds."""
    if b"'" in data or b"\t" in data or b"\r" in data or data.find(b"\n", 256) != -1:
        return False
    return not any(p.search(data) for p in _SPACED_EQUALS)


def _sheetdata_close(data: bytes) -> int | None:
    """Where the first closing tag of the data begins, or None. The name is found at memchr speed and
    the tag matched around it (a regular-expression search from the start would visit every "</" of the sheet)."""
    at = data.find(b"sheetData")
    while at >= 0:
        end = data.find(b">", at)
        closing = _SHEETDATA_CLOSE.search(data, max(at - 19, 0), len(data) if end < 0 else end + 1)
        if closing is not None and closing.start() <= at:
            return closing.start()
        at = data.find(b"sheetData", at + 1)
    return None


def _rows(data: bytes, start: int = 0, end: int | None = None, prefixed: bool = False) -> int:
    """Row elements in data[start:end] (a bound: <rowBreaks> count too)."""
    end = len(data) if end is None else end
    return data.count(b"<row", start, end) + (len(_PREFIXED_ROW.findall(data, start, end)) if prefixed else 0)


def _first_far(data: bytes, plain: bool) -> str | None:
    if plain:
        m = _FAR_CELL_PLAIN_RE.search(data)
        if m is None:
            return None
        if far(m.group(1)):
            return m.group(1).decode()
    for m in _FAR_CELL_ANY.finditer(data):  # a near miss such as r="A200010", or attributes written unusually
        if far(m.group(1)):
            return m.group(1).decode()
    return None


def scan_sheet(zf: zipfile.ZipFile, part: str) -> SheetScan:
    """Stream the sheet XML once: declared DTDs, where its rows with a value end, whether they go on
    past the limit, any cell with content far outside the form, formulas without cached values,
    closing tags that do not match. Most pieces of an office suite's sheet cost one RE2 pass
    (without the GIL); once a sheet has too many rows, the rest of its rows (never read) cost a byte search."""
    scan = SheetScan()
    has_formula = untrusted = prefixed = False
    rows = beyond = 0  # row elements until the head is found; rows with a value past the limit
    head: list[bytes] = []
    tail: list[bytes] = []
    source = pieces(zf, part)
    if zf.getinfo(part).compress_size > PIECE // 8:  # a small sheet is inflated in one go: no thread to start
        source = read_ahead(source)
    for offset, data in source:
        if scan.too_many_rows and b"sheetData" not in data and b"<!" not in data:
            scan.row_count = _last_row(data, prefixed) or scan.row_count  # (the rows here are left out)
            continue
        odd = _ODD.search(data, _declaration_end(data) if offset == 0 else 0)
        if odd is not None and odd.group(1) is not None:  # a cell far out, or a near miss: anything else odd here?
            scan.far_cell = scan.far_cell or (odd.group(1).decode() if far(odd.group(1)) else _first_far(data, True))
            odd = _ODD_BUT_FAR.search(data)
        if odd is not None:  # anything but plain cells: look closer
            if declares_dtd(data):
                raise FileProblem(make_issue("FILE_XML_UNSAFE", value=f"{part} 含 DOCTYPE/ENTITY"))
            plain = _plain_attributes(data)
            prefixed = prefixed or _PREFIXED_ROW.search(data) is not None
            untrusted = untrusted or _BAD_CLOSE_RE.search(data) is not None or _PREFIXED_DATA.search(data) is not None
            scan.booleans = scan.booleans or not plain or _BOOLEAN_CELL.search(data) is not None
            has_formula = has_formula or any(p.search(data) is not None for p in _HAS_FORMULA)
            if scan.far_cell is None:
                scan.far_cell = _first_far(data, plain)
        if scan.tail is None and (closing := _sheetdata_close(data)) is not None:
            scan.tail = offset + closing  # (a plain piece needs no other look: most small sheets are one)
        if scan.head_end is None:
            head.append(data)
            if (more := _rows(data, prefixed=prefixed)) + rows > HEAD_ROWS:
                scan.head_end = offset + _nth_row_start(data, HEAD_ROWS - rows)
            rows += more
        if scan.tail is not None:
            tail.append(data[max(scan.tail - offset, 0) :])
        last = max(data.rfind(b"</c>"), data.rfind(b":c>") if prefixed else -1)  # the end of the last cell with content here
        if last >= 0:
            scan.row_count = _row_number(data, last, prefixed) or scan.row_count + 1
            following = _ROW_OPEN.search(data, last)
            scan.data_end = offset + following.start() if following else None
            if scan.row_count > ROW_LIMIT:  # count the rows with a value past the limit
                beyond += _content_rows(data[_first_row_beyond(data) if not beyond else 0 :])
                scan.too_many_rows = beyond > STRAY_ROWS
        elif scan.data_end is None and scan.row_count and (following := _ROW_OPEN.search(data)) is not None:
            scan.data_end = offset + following.start()
    scan.after = tail if sum(map(len, tail)) <= 64 * 1024**2 else []
    if scan.too_many_rows:
        scan.kept = _head_and_tail(scan, head, tail)
    elif untrusted:
        well_formed(zf, part)
    if has_formula and zf.getinfo(part).file_size <= 64 * 1024**2:
        scan.formulas_without_value = formulas_in(zf, part)
    return scan


_DECLARATION = re.compile(rb"<\?xml[^<>]*\?>\r?")


def _declaration_end(data: bytes) -> int:
    """Where a part's content starts after an XML declaration alone on its first line (office suites end
    it with a line break, which would otherwise send every sheet down the slow path); 0 when there is
    anything else on that line."""
    end = data.find(b"\n", 0, 256)
    return end + 1 if end > 0 and _DECLARATION.fullmatch(data, 0, end) else 0


STRAY_ROWS = 100  # rows with a value past the limit that are still a few stray cells, not the data going on
_ROW_NUMBER = re.compile(rb"""<(?:\w{1,16}:)?row\b[^>]*?\sr\s*=\s*["']([0-9]+)["']""")
_CONTENT_ROW_PLAIN = re.compile(rb"</c>(?:<c [^>]*/>)+</row>")


def _row_number(data: bytes, before: int, prefixed: bool) -> int | None:
    """The number of the row that the cell ending at `before` is in (None when it is not written)."""
    start = data.rfind(b"<row", 0, before)
    if prefixed:
        start = max(start, data.rfind(b":row", 0, before) - 16)
    number = _ROW_NUMBER.search(data, max(start, 0))
    return int(number.group(1)) if number is not None and number.start() < before else None


def _first_row_beyond(data: bytes) -> int:
    for m in _ROW_NUMBER.finditer(data):
        if int(m.group(1)) > ROW_LIMIT:
            return m.start()
    return len(data)


def _last_row(data: bytes, prefixed: bool) -> int | None:
    last = max(data.rfind(b"</c>"), data.rfind(b":c>") if prefixed else -1)
    return _row_number(data, last, prefixed) if last >= 0 else None


def _content_rows(data: bytes) -> int:
    """Rows in `data` that hold a value: at C speed where the XML is written plainly."""
    if b"\n" in data or b"\t" in data or b":row" in data:
        return len(_CONTENT_ROW.findall(data))
    return data.count(b"</c></row>") + (len(_CONTENT_ROW_PLAIN.findall(data)) if b"/></row>" in data else 0)


def _head_and_tail(scan: SheetScan, head: list[bytes], tail: list[bytes]) -> list[bytes] | None:
    """What a sheet with too many rows keeps: its first HEAD_ROWS rows and what follows its data."""
    if scan.head_end is None or scan.tail is None:
        return None
    kept = b"".join(head)[: scan.head_end]
    return [kept, *tail]


def _nth_row_start(data: bytes, n: int) -> int:
    """Where the n-th row element of `data` (0-based) begins."""
    for i, m in enumerate(_ROW_OPEN.finditer(data)):
        if i == n:
            return m.start()
    return len(data)


def well_formed(zf: zipfile.ZipFile, part: str) -> None:
    """Parse the part with expat (no entities: DTDs were refused before); a tag that does not match
    is FILE_CORRUPT naming the line and column where the XML breaks."""
    import pyexpat

    parser = pyexpat.ParserCreate()
    try:
        for _, data in pieces(zf, part):
            parser.Parse(data, False)
        parser.Parse(b"", True)
    except pyexpat.ExpatError as exc:
        reason = "标签不匹配" if exc.code == pyexpat.errors.codes[pyexpat.errors.XML_ERROR_TAG_MISMATCH] else "XML 格式不完整"
        where = f"{part} 的 XML 第 {exc.lineno} 行第 {exc.offset + 1} 个字符处"
        raise FileProblem(make_issue("FILE_CORRUPT", value=f"{where}{reason}，其中的数据无法可靠读取")) from exc


def formulas_in(zf: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    out = []
    for m in _FORMULA_CELL.finditer(zf.read(part)):
        if not m.group(4):
            out.append((m.group(1).decode(), (m.group(3) or b"").decode("utf-8", "replace")[:40]))
    return out
