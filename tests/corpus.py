"""Broken and hostile files, built by code: each kind a returned file can be."""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def rewrite_zip(
    src: Path,
    dst: Path,
    edit: dict[str, bytes | None] | None = None,
    extra: dict[str, bytes] | None = None,
    sheet_sub: tuple[bytes, bytes] | None = None,
    sheet: str = "xl/worksheets/sheet4.xml",
) -> Path:
    """Copy an xlsx, replacing, dropping or adding parts. `sheet_sub` must change the sheet (a pattern
    that matches nothing would test nothing)."""
    edit = edit or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in edit:
                if edit[info.filename] is not None:
                    zout.writestr(info.filename, edit[info.filename])
                continue
            data = zin.read(info.filename)
            if sheet_sub and info.filename == sheet:
                data, n = re.subn(sheet_sub[0], _replacement(sheet_sub[1]), data, count=1)
                assert n == 1, f"{sheet_sub[0]!r} matches nothing in {sheet}"
            zout.writestr(info, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def _damaged(raw: bytes, part: str, change) -> bytes:
    """The zip's bytes with `change(bytes, where the part's data starts, its compressed size)` applied:
    its data flipped, or its local header made to disagree with the directory."""
    import io

    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        info = z.getinfo(part)
    name, extra = struct.unpack_from("<HH", raw, info.header_offset + 26)
    changed = change(raw, info.header_offset + 30 + name + extra, info.compress_size)
    assert changed != raw and len(changed) == len(raw)
    return changed


def _replacement(repl: bytes):
    """A literal replacement (a sheet's worth of rows is not parsed as a template), unless it refers to groups."""
    return (lambda m: m.expand(repl)) if b"\\" in repl else (lambda _: repl)


def meta_sheet_part(src: Path) -> str:
    return main_sheet_part(src, "_meta")


def main_sheet_part(src: Path, name: str = "系统清单") -> str:
    import openpyxl

    wb = openpyxl.load_workbook(src, read_only=True)
    index = wb.sheetnames.index(name) + 1
    wb.close()
    return f"xl/worksheets/sheet{index}.xml"


def build_corpus(folder: Path, good: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, the issue code it must produce)."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, tuple[Path, str]] = {}

    def put(name: str, data: bytes, code: str) -> None:
        p = folder / name
        p.write_bytes(data)
        out[name] = (p, code)

    put("empty.xlsx", b"", "FILE_EMPTY")
    put("old-xls-renamed.xlsx", OLE + b"\x00" * 4000 + "Workbook".encode("utf-16-le") + b"\x00" * 500, "FILE_OLD_FORMAT")
    put("wps.et", OLE + b"\x00" * 2000, "FILE_OLD_FORMAT")
    put("password.xlsx", OLE + b"\x00" * 1000 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1000, "FILE_ENCRYPTED")
    put("csv-renamed.xlsx", "系统名称,运行状态\n社保系统,在用\n".encode("gb18030"), "FILE_CSV")
    put("html-renamed.xls", b"<html><body><table><tr><td>\xe7\xb3\xbb\xe7\xbb\x9f</td></tr></table></body></html>", "FILE_HTML")
    put("pdf.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 4, "FILE_NOT_EXCEL")
    raw = good.read_bytes()
    put("truncated.xlsx", raw[: len(raw) // 2], "FILE_CORRUPT")
    # a zip bomb: one hugely compressible part
    bomb = folder / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/_rels/workbook.xml.rels", "<Relationships/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x20" * (60 * 1024**2))
    out["bomb.xlsx"] = (bomb, "FILE_ZIP_BOMB")
    many = folder / "many-parts.xlsx"
    with zipfile.ZipFile(many, "w", zipfile.ZIP_STORED) as z:
        for i in range(5200):
            z.writestr(f"x/{i}", b"")
    out["many-parts.xlsx"] = (many, "FILE_ZIP_BOMB")
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>'
    )
    out["billion-laughs.xlsx"] = (rewrite_zip(good, folder / "billion-laughs.xlsx", extra={"xl/laughs.xml": laughs}), "FILE_XML_UNSAFE")
    out["no-workbook.xlsx"] = (rewrite_zip(good, folder / "no-workbook.xlsx", edit={"xl/workbook.xml": None}), "FILE_CORRUPT")
    part = main_sheet_part(good)
    out["absurd-dimension.xlsx"] = (
        rewrite_zip(
            good,
            folder / "absurd-dimension.xlsx",
            sheet=part,
            sheet_sub=(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>'),
        ),
        "",  # reads normally: no file-level issue expected
    )
    out["stray-cell.xlsx"] = (
        rewrite_zip(
            good,
            folder / "stray-cell.xlsx",
            sheet=part,
            sheet_sub=(rb"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'),
        ),
        "SHEET_STRAY_CELLS",
    )
    put("random-bytes.xlsx", bytes((i * 7919) % 251 for i in range(5000)), "FILE_NOT_EXCEL")
    # quieter traps: far cells written the way a scanner looking for ' r="' would miss, in sheets nobody reads
    far_row = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    out["hidden-far-cell.xlsx"] = (
        rewrite_zip(good, folder / "hidden-far-cell.xlsx", sheet=meta_sheet_part(good), sheet_sub=(rb"</sheetData>", far_row)),
        "",  # the veryHidden _meta sheet: read safely, nothing to report
    )
    tab_row = b'<row\tr="1048576"><c\tr="A1048576"\tt="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    out["tab-far-row.xlsx"] = (
        rewrite_zip(good, folder / "tab-far-row.xlsx", sheet=part, sheet_sub=(rb"</sheetData>", tab_row)),
        "SHEET_STRAY_CELLS",
    )
    odd_quotes = b"<row r='60'><c\nr = 'XFD60' t='inlineStr'><is><t>x</t></is></c></row></sheetData>"
    out["far-column-quotes.xlsx"] = (
        rewrite_zip(good, folder / "far-column-quotes.xlsx", sheet=part, sheet_sub=(rb"</sheetData>", odd_quotes)),
        "SHEET_STRAY_CELLS",
    )
    out["late-doctype.xlsx"] = (
        rewrite_zip(
            good, folder / "late-doctype.xlsx", sheet=part, sheet_sub=(rb"</sheetData>", b'<!DOCTYPE x [<!ENTITY e "e">]></sheetData>')
        ),
        "FILE_XML_UNSAFE",
    )
    # an XML declaration alone on the first line is skipped by the sheet scan's quick look; anything beside it is not
    opening = rb"^(?:<\?xml[^>]*\?>\s*)?<worksheet"  # the sheet's start, with its declaration if it has one
    out["doctype-beside-declaration.xlsx"] = (
        rewrite_zip(
            good,
            folder / "doctype-beside-declaration.xlsx",
            sheet=part,
            sheet_sub=(opening, b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]>\n<worksheet'),
        ),
        "FILE_XML_UNSAFE",
    )
    declared = rewrite_zip(
        good,
        folder / "declared.tmp",
        sheet=part,
        sheet_sub=(opening, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet'),
    )
    out["declaration-line-far-cell.xlsx"] = (
        rewrite_zip(declared, folder / "declaration-line-far-cell.xlsx", sheet=part, sheet_sub=(rb"</sheetData>", far_row)),
        "SHEET_STRAY_CELLS",
    )
    out["mismatched-tags.xlsx"] = (
        rewrite_zip(good, folder / "mismatched-tags.xlsx", sheet=part, sheet_sub=(rb"</sheetData>", b"</sheetDatum>")),
        "FILE_CORRUPT",
    )
    # the parts of a small file are inflated from memory (memzip.py): damage there is still zipfile's to name
    put(
        "bad-crc.xlsx",
        _damaged(raw, part, lambda b, at, size: b[: at + size // 2] + bytes([b[at + size // 2] ^ 0x55]) + b[at + size // 2 + 1 :]),
        "FILE_CORRUPT",
    )
    put(
        "header-name-differs.xlsx",
        _damaged(raw, part, lambda b, at, size: b.replace(part.encode(), part.encode().replace(b"sheet", b"sheeT"), 1)),
        "FILE_CORRUPT",
    )
    out["control-character.xlsx"] = (
        rewrite_zip(good, folder / "control-character.xlsx", sheet=part, sheet_sub=(rb'(<c r="D3"[^>]*>\s*<is>\s*<t>)', rb"\1_x001B_[2J")),
        "CELL_CONTROL_CHAR",
    )
    return out


# -- huge and padded files, generated where they are used (never stored) --

EXCEL_LAST_ROW = 1_048_576


def data_rows(xml: bytes) -> int:
    """The last row number written in a sheet."""
    return max(int(n) for n in re.findall(rb'<row r="([0-9]+)"', xml))


def padded_return(src: Path, dst: Path, last: int = EXCEL_LAST_ROW) -> Path:
    """`src` with its system sheet going on to Excel's last row with empty rows that only carry a
    format (what Excel leaves after a column was formatted to the bottom): a row style, and one
    formatted empty cell."""
    part = main_sheet_part(src)
    with zipfile.ZipFile(src) as z:
        first = data_rows(z.read(part)) + 1
    padding = b"".join(b'<row r="%d" spans="1:8" s="1" customFormat="1"><c r="E%d" s="1"/></row>' % (i, i) for i in range(first, last + 1))
    return rewrite_zip(src, dst, sheet=part, sheet_sub=(rb"</sheetData>", padding + b"</sheetData>"))


def tall_return(src: Path, dst: Path, last: int = EXCEL_LAST_ROW) -> Path:
    """`src` with its system sheet holding a value in every row down to `last` (two short cells a row):
    a valid sheet, far more rows than any return has."""
    part = main_sheet_part(src)
    with zipfile.ZipFile(src) as z:
        first = data_rows(z.read(part)) + 1
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>x</t></is></c></row>' % (i, i, i, i)
        for i in range(first, last + 1)
    )
    return rewrite_zip(src, dst, sheet=part, sheet_sub=(rb"</sheetData>", rows + b"</sheetData>"))


_PACKAGE = {
    "[Content_Types].xml": b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>'.encode(),
    "xl/_rels/workbook.xml.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def plain_workbook(dst: Path, rows: int) -> Path:
    """A valid workbook that is not our template: one sheet, a header and `rows` rows of four cells."""
    head = '<row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c><c r="B1" t="inlineStr"><is><t>名称</t></is></c></row>'.encode()
    body = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>item %d</t></is></c><c r="C%d"><v>%d.5</v></c><c r="D%d"><v>1</v></c></row>'
        % (i, i, i, i, i, i, i, i)
        for i in range(2, rows + 2)
    )
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in _PACKAGE.items():
            z.writestr(name, data)
        z.writestr("xl/worksheets/sheet1.xml", sheet + head + body + b"</sheetData></worksheet>")
    return dst
