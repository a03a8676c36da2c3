"""Header rows: found by their text, matched to the form's fields, drift reported (pitfall P12).

Moved, renamed (close to a title still unmatched), unknown, duplicated and missing columns are each
reported, and the data is still read under the header it was found under.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..form.issues import Issue
from ..form.model import Sheet, column_letter
from ..form.normalize import clean_text
from .records import WorkbookData

HEADER_SEARCH_ROWS = 12
RENAME_CUTOFF = 75


def header_key(text: Any) -> str:
    """Header text compared loosely: no spaces, no required marks, NFKC. Remembered: every return of a
    batch repeats the template's header texts, and the header search asks for each cell of a dozen rows."""
    key = _KEYS.get(text) if type(text) is str else None
    if key is None:
        key = clean_text(text).replace(" ", "").strip("*＊").strip()
        if type(text) is str and len(_KEYS) < 20_000:
            _KEYS[text] = key
    return key


_KEYS: dict[str, str] = {}


def title_keys(spec: Sheet, old: dict[str, str] | None = None) -> frozenset[str]:
    """The keys of a sheet's header titles (and of an older version's, `old`). Remembered: every
    table of every return asks for them."""
    asked = (id(spec), tuple(old.items()) if old else ())
    known = _TITLES.get(asked)
    if known is None or known[0] is not spec:
        keys = {header_key(f.title) for f in spec.fields} | {header_key(h) for h, k in (old or {}).items() if k in spec.by_key}
        if len(_TITLES) >= REMEMBERED_HEADERS:
            _TITLES.clear()
        known = _TITLES[asked] = (spec, frozenset(keys))
    return known[1]


_TITLES: dict[tuple[Any, ...], tuple[Sheet, frozenset[str]]] = {}


def best_header_row(rows: list[list[Any]], titles: frozenset[str], expected: int, complete: int | None = None) -> tuple[int, int]:
    """(0-based index, matches) of the row that looks most like the header row. When the expected row
    already holds `complete` titles (every field's), no other row can look more like it: no search."""
    if complete and expected - 1 < len(rows):
        hits = _hits(rows[expected - 1], titles)
        if hits >= complete:
            return expected - 1, hits
    best = (expected - 1, -1)
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for v in row if v != "" and header_key(v) in titles)
        if hits > best[1] or (hits == best[1] and i == expected - 1):
            best = (i, hits)
    return best


def _hits(row: list[Any], titles: frozenset[str]) -> int:
    """How many cells of `row` hold one of `titles`. Remembered: a batch's returns repeat one header row."""
    try:
        asked = (titles, tuple(row), tuple(map(type, row)))
        known = _HITS.get(asked)
    except TypeError:  # a cell no dict can hold (never from the readers we use): not remembered
        asked = known = None
    if known is None:
        known = sum(1 for v in row if v != "" and header_key(v) in titles)
        if asked is not None:
            if len(_HITS) >= REMEMBERED_HEADERS:
                _HITS.clear()
            _HITS[asked] = known
    return known


_HITS: dict[tuple[Any, ...], int] = {}


def map_headers(data: WorkbookData, spec: Sheet, name: str, header: list[Any], old: dict[str, str] | None = None) -> dict[str, int]:
    """Field key -> 0-based column index, reporting drift. `old` adds an older form version's headers.
    Remembered: the returns of a batch come from one template, so most header rows are the same row
    (the same answer and the same issues, said again for each file)."""
    asked = (id(spec), name, tuple(header), tuple(map(type, header)), tuple(old.items()) if old else ())
    try:
        known = _MAPPED.get(asked)
    except TypeError:  # a cell no dict can hold (never from the readers we use): not remembered
        known, asked = None, None
    if known is None or known[0] is not spec:
        said = WorkbookData(path=data.path)
        known = (spec, _map_headers(said, spec, name, header, old), said.issues)
        if len(_MAPPED) >= REMEMBERED_HEADERS:
            _MAPPED.clear()
        if asked is not None:
            _MAPPED[asked] = known
    data.issues += (replace(issue, file=str(data.path)) for issue in known[2])
    return dict(known[1])


REMEMBERED_HEADERS = 256
_MAPPED: dict[tuple[Any, ...], tuple[Sheet, dict[str, int], list[Issue]]] = {}


def _map_headers(data: WorkbookData, spec: Sheet, name: str, header: list[Any], old: dict[str, str] | None) -> dict[str, int]:
    exact = {header_key(f.title): f for f in spec.fields}
    for text, key in (old or {}).items():
        if key in spec.by_key:
            exact.setdefault(header_key(text), spec.by_key[key])
    mapped: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for ci, text in enumerate(header):
        if text == "" or text is None:
            continue
        key = header_key(text)
        f = exact.get(key)
        if f is None:
            unknown.append((ci, str(text)))
            continue
        if f.key in mapped:
            if key not in seen:
                data.add("HEADER_DUPLICATE", sheet=name, row=spec.header_row, column=column_letter(ci + 1), value=f.title)
                seen[key] = ci
            continue
        mapped[f.key] = ci
    # renamed columns: close to a title that is still unmatched
    remaining = {f.key: header_key(f.title) for f in spec.fields if f.key not in mapped}
    still_unknown = []
    for ci, text in unknown:
        from rapidfuzz import fuzz, process  # only for a header that is not a title

        match = process.extractOne(header_key(text), remaining, scorer=fuzz.ratio, score_cutoff=RENAME_CUTOFF)
        if match:
            key = match[2]
            mapped[key] = ci
            remaining.pop(key)
            data.add(
                "HEADER_RENAMED",
                sheet=name,
                row=spec.header_row,
                column=column_letter(ci + 1),
                value=text,
                expected=spec.by_key[key].title,
                field=key,
            )
        else:
            still_unknown.append((ci, text))
    titles = {f.key: f.title for f in spec.fields}
    for ci, text in still_unknown:
        from rapidfuzz import fuzz, process

        near = process.extractOne(header_key(text), titles, scorer=fuzz.partial_ratio, score_cutoff=50)
        tip = f"（最接近的模板列：“{near[0]}”）" if near else ""
        data.add("HEADER_UNKNOWN", sheet=name, row=spec.header_row, column=column_letter(ci + 1), value=text, expected=tip)
    moved = out_of_order(spec, mapped)
    for f in spec.fields:
        if f.key not in mapped and not f.optional_column:
            data.add(
                "HEADER_MISSING" if f.required else "HEADER_MISSING_OPTIONAL",
                sheet=name,
                row=spec.header_row,
                expected=f.title,
                field=f.key,
            )
        elif f.key in moved:
            data.add(
                "HEADER_MOVED",
                sheet=name,
                row=spec.header_row,
                column=column_letter(mapped[f.key] + 1),
                field=f.key,
                value=f.position,
                expected=f.title,
            )
    return mapped


def out_of_order(spec: Sheet, mapped: dict[str, int]) -> set[str]:
    """Fields whose column is out of the template's order relative to the others. A deleted or inserted
    column shifts everything after it but moves nothing; a column dragged elsewhere is out of order.
    The fields kept in order are a longest increasing subsequence of template positions."""
    order = {f.key: i for i, f in enumerate(spec.fields)}
    keys = sorted(mapped, key=mapped.__getitem__)  # in the file's column order
    seq = [order[k] for k in keys]
    tails: list[int] = []  # index into seq of the smallest tail of an increasing run of each length
    prev = [-1] * len(seq)
    for i, value in enumerate(seq):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if seq[tails[mid]] < value:
                lo = mid + 1
            else:
                hi = mid
        prev[i] = tails[lo - 1] if lo else -1
        if lo == len(tails):
            tails.append(i)
        else:
            tails[lo] = i
    keep: set[int] = set()
    i = tails[-1] if tails else -1
    while i >= 0:
        keep.add(i)
        i = prev[i]
    return {k for i, k in enumerate(keys) if i not in keep}
