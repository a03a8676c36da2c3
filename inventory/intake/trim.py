"""The copy the reader reads instead of a sheet that must not be read as it is (see `scan.py`).

A sheet with more rows than any return holds keeps only its head (enough to recognise it, never its
data); one with cells far outside the form loses those cells; one padded with empty rows loses the
padding. The copy costs one pass over the parts it copies, never a pass per row.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from .scan import FAR_CELL_ELEMENT, SheetScan, far, pieces


def _without_far_cells(data: bytes) -> bytes:
    return FAR_CELL_ELEMENT.sub(lambda m: b"" if far(m.group(1)) else m.group(0), data)


def _trimmed_part(zf: zipfile.ZipFile, part: str, scan: SheetScan) -> Iterator[bytes]:
    """The sheet XML with only the rows kept (`SheetScan.keep`) and without cells far outside the form."""
    if scan.kept is not None:  # a sheet with too many rows: its head and tail, kept as it was scanned
        yield from scan.kept
        return
    keep = scan.keep()
    for offset, data in pieces(zf, part):
        end = offset + len(data)
        if (
            keep is not None and scan.after and keep[0] <= offset <= keep[1]
        ):  # the rest of the rows is left out, and what follows them was kept
            yield from scan.after
            return
        if keep is not None:
            if keep[0] <= offset and end <= keep[1]:
                continue  # rows left out whole
            if offset < keep[1] and end > keep[0]:  # the piece holds where the rows kept end, or where the rest begins
                data = data[: max(keep[0] - offset, 0)] + data[max(keep[1] - offset, 0) :] if keep[1] < end else data[: keep[0] - offset]
        if scan.far_cell is not None and not scan.too_many_rows:
            data = _without_far_cells(data)
        yield data


def trimmed_copy(zf: zipfile.ZipFile, parts: dict[str, SheetScan]) -> Path:
    """A temporary copy of the workbook whose sheets in `parts` (part name -> its scan) are trimmed.
    Parts are stored, not compressed: the copy is read once, soon, and deflating it would cost more
    than reading it."""
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", prefix="inventory-sane-")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as out:
            for info in zf.infolist():
                with out.open(info.filename, "w", force_zip64=True) as fh:
                    if info.filename in parts:
                        for piece in _trimmed_part(zf, info.filename, parts[info.filename]):
                            fh.write(piece)
                    else:
                        with zf.open(info) as src:
                            while chunk := src.read(1024**2):
                                fh.write(chunk)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)
