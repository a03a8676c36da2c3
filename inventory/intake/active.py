"""Active content in a returned workbook: macros (a VBA project, a macro-enabled workbook) and links
to other workbooks (externalLinks), and an inert copy without them.

A return that carries either is still the unit's return (its data is read as usual); the unit and the
office are told (FILE_ACTIVE_CONTENT, a warning), and whoever downloads it gets a copy with the VBA
project and the links taken out: the parts removed, their relationships and content types dropped,
the workbook's list of external references removed, and formulas or names that point into another
workbook replaced by the value Excel last computed (kept in the cell). Nothing is parsed as a whole:
each part is rewritten with a few patterns on its text, one at a time.
"""

from __future__ import annotations

import re
import stat
import zipfile
from collections.abc import Iterable
from pathlib import Path

MACRO_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
PLAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_EXTERNAL_REF = re.compile(rb"\[\d+\]")
_FORMULA = re.compile(rb"<f(?:\s[^>]*)?>[^<]*</f>|<f(?:\s[^>]*)?/>")


def _is_macro(name: str) -> bool:
    low = name.lower()
    return low.endswith("vbaproject.bin") or low.endswith("vbaprojectsignature.bin") or low.endswith("vbadata.xml")


def _is_link(name: str) -> bool:
    return name.lower().startswith("xl/externallinks/")


def active_content(path: Path) -> list[str]:
    """What active content the workbook carries, in Chinese (empty for a plain workbook or a file
    that is not a zip: reading it says what is wrong)."""
    try:
        if not stat.S_ISREG(Path(path).stat().st_mode):  # a pipe or a device is never opened here
            return []
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            types = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return []
    return active_parts(names, types)


def active_parts(names: Iterable[str], types: bytes) -> list[str]:
    """What active content a package with these part names and content types carries, in Chinese."""
    names = list(names)
    found = []
    if any(_is_macro(n) for n in names) or MACRO_TYPE.encode() in types:
        found.append("宏（VBA 代码）")
    links = sum(1 for n in names if _is_link(n) and n.lower().endswith(".xml") and "/_rels/" not in n.lower())
    if links:
        found.append(f"{links} 个指向其他工作簿的外部链接")
    return found


def _without_rels(data: bytes, dropped: set[str]) -> bytes:
    def keep(m: re.Match[bytes]) -> bytes:
        target = re.search(rb'Target="([^"]*)"', m.group(0))
        t = target.group(1).decode("utf-8", "replace").lstrip("/") if target else ""
        gone = any(t.endswith(d.split("/", 1)[-1]) or t == d for d in dropped) or "externalLink" in t or "vbaProject" in t
        return b"" if gone else m.group(0)

    return re.sub(rb"<Relationship\b[^>]*?(?:/>|>.*?</Relationship>)", keep, data, flags=re.S)


def _without_types(data: bytes, dropped: set[str]) -> bytes:
    data = data.replace(MACRO_TYPE.encode(), PLAIN_TYPE.encode())

    def keep(m: re.Match[bytes]) -> bytes:
        part = re.search(rb'PartName="/?([^"]*)"', m.group(0))
        return b"" if part and part.group(1).decode("utf-8", "replace") in dropped else m.group(0)

    data = re.sub(rb"<Override\b[^>]*/>", keep, data)
    return re.sub(rb'<Default\b[^>]*ContentType="application/vnd\.ms-office\.vbaProject"[^>]*/>', b"", data)


def _unlinked_formulas(data: bytes) -> bytes:
    """Formulas that read another workbook (`[1]Sheet!A1`) go; the cell keeps its last value."""
    return _FORMULA.sub(lambda m: b"" if _EXTERNAL_REF.search(m.group(0)) else m.group(0), data)


def clean_copy(src: Path, dst: Path) -> Path:
    """Write `dst`: the workbook without its VBA project and external links, otherwise as it was."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        names = zin.namelist()
        dropped = {n for n in names if _is_macro(n) or _is_link(n)}
        links = any(_is_link(n) for n in dropped)
        for info in zin.infolist():
            name = info.filename
            if name in dropped:
                continue
            data = zin.read(name)
            if name == "[Content_Types].xml":
                data = _without_types(data, dropped)
            elif name.endswith(".rels"):
                data = _without_rels(data, dropped)
            elif name == "xl/workbook.xml":
                data = re.sub(rb"<externalReferences>.*?</externalReferences>|<externalReferences/>", b"", data, flags=re.S)
                if links:
                    data = re.sub(rb"<definedName\b[^>]*>[^<]*\[\d+\][^<]*</definedName>", b"", data)
                    data = re.sub(rb"<definedNames>\s*</definedNames>", b"", data)
            elif links and name.startswith("xl/worksheets/") and name.endswith(".xml"):
                data = _unlinked_formulas(data)
            zout.writestr(info, data)
    return dst
