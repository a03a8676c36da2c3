"""JSON Schema checks (jsonschema-rs, formats on, every error), mapped to located issues.

A small table sheet is first checked whole, all its rows in one call; when that finds nothing (most
returns), nothing is left to find, since the parts below give exactly what the whole schema gives.
Otherwise, and for a large table, the sheet is checked by parts (`form/parts.py`): each property
once per distinct value, each `if/then` block once per distinct combination of the fields it
reads, `required` by column; every row with a failing value or combination gets the issue. That
yields what validating each row whole would, at the cost of the distinct values. An error inside an `allOf` block is the rule of that
block and carries its `x-rule` code; everything else maps by kind (required, enum, type, pattern,
format, range, length).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...form.issues import Issue, make_issue, rule_hint, rule_issue
from ...form.model import Sheet
from ..reader import Record, SheetData
from .context import Context

FORMAT_NAMES = {"date": "日期（如 2024-03-01）", "email": "电子邮箱地址"}
RANGE_WORDS = {"Minimum": "不小于", "ExclusiveMinimum": "大于", "Maximum": "不大于", "ExclusiveMaximum": "小于"}


def check_schema(ctx: Context) -> Iterator[Issue]:
    for sd in ctx.data.sheets.values():
        parts = sd.spec.parts if sd.spec.layout == "table" else None
        if parts is None:
            validator = sd.spec.validator
            for rec in sd.records:
                for e in validator.iter_errors(rec.values):
                    issue = schema_issue(e, rec, sd, ctx.file)
                    if issue is not None:
                        yield issue
        elif len(sd) > WHOLE_ROWS or not sd.spec.rows_validator.is_valid([values for _, values in sd.value_rows()]):
            yield from _by_parts(sd, parts, ctx.file)


WHOLE_ROWS = 256  # a table up to this many rows is first checked whole, in one call: a clean one is then done


def _by_parts(sd: SheetData, parts: Any, file: str) -> Iterator[Issue]:
    rows: dict[int, Record] = {}

    def record(i: int) -> Record:
        rec = rows.get(i)
        if rec is None:
            rec = rows[i] = sd.record(i)
        return rec

    def issues(errors: list[Any], members: np.ndarray) -> Iterator[Issue]:
        for i in members.tolist():
            rec = record(i)
            for e in errors:
                issue = schema_issue(e, rec, sd, file)
                if issue is not None:
                    yield issue

    for key, col in sd.cells.items():
        validator = parts.properties.get(key)
        if validator is None:
            continue
        codes = [c for c, v in enumerate(col.values) if v is not None and c not in col.bad]
        failing: dict[int, list[Any]] = {}
        for e in validator.iter_errors([col.values[c] for c in codes]):  # every distinct value in one call
            path = list(e.instance_path)
            failing.setdefault(codes[path[0]], []).append(
                _AsProperty(e.kind, [key, *path[1:]], ["properties", key, *list(e.schema_path)[1:]], e.message)
            )
        for code, errors in failing.items():
            yield from issues(errors, np.flatnonzero(col.codes == code))
    for key in parts.required:
        if key not in sd.columns:
            continue  # the missing column is reported once, not on every row
        col = sd.cells.get(key)
        missing = ~col.filled() if col is not None else np.ones(len(sd), dtype=bool)
        for i in np.flatnonzero(missing).tolist():
            yield make_issue("CELL_REQUIRED", value=None, **_where(record(i), sd, key, file))
    everyone = np.arange(len(sd))
    for branch in parts.branches:
        if branch.when is None:
            holds = np.ones(len(sd), dtype=bool)
        else:  # the condition, once per distinct combination of what it reads
            inverse, groups = sd.groups(branch.when_reads.values, branch.when_reads.presence)
            holds = np.fromiter((branch.when.is_valid(g) for g in groups), dtype=bool, count=len(groups))[inverse]
        for validator, reads, mask in ((branch.then, branch.then_reads, holds), (branch.otherwise, branch.otherwise_reads, ~holds)):
            if validator is None or not mask.any():
                continue
            within = everyone[mask]
            inverse, groups = sd.groups(reads.values, reads.presence, within)
            for g, values in enumerate(groups):
                errors = list(validator.iter_errors(values))
                if errors:
                    yield from issues(errors, within[inverse == g])


@dataclass(frozen=True)
class _AsProperty:
    """An error found in a list of a field's values, as if found in one row's object."""

    kind: Any
    instance_path: list[Any]
    schema_path: list[Any]
    message: str


def _where(rec: Record, sd: SheetData, key: str, file: str) -> dict[str, Any]:
    spec: Sheet = sd.spec
    columns = sd.columns
    row = rec.row if spec.layout == "table" else int(columns[key][1:])
    column = columns[key] if spec.layout == "table" else columns[key].rstrip("0123456789")
    return {"file": file, "sheet": sd.name, "row": row, "column": column, "field": key, "title": spec.by_key[key].title}


def schema_issue(e: Any, rec: Record, sd: SheetData, file: str) -> Issue | None:
    spec: Sheet = sd.spec
    columns = sd.columns
    kind = type(e.kind).__name__
    path = list(e.instance_path)
    key = path[0] if path else getattr(e.kind, "property", None)
    if key is None or key in rec.bad or key not in columns:
        return None  # a normalisation problem or a missing column is already reported
    f = spec.by_key[key]
    value = rec.shown(key)
    where = _where(rec, sd, key, file)
    schema_path = list(e.schema_path)
    if schema_path and schema_path[0] == "allOf":
        rule = spec.rules[int(schema_path[1])]
        shown = value if value is not None else "未填写"
        return rule_issue(
            rule.code,
            rule.severity,
            f"{rule.message}（{f.title}：{shown}）",
            rule_hint(rule, [f.title] if key in rule.requires else []),
            value=value,
            **where,
        )
    if kind in ("Required", "MinItems"):
        return make_issue("CELL_REQUIRED", value=value, **where)
    if kind == "Enum":
        item = rec.values[key][path[1]] if len(path) > 1 else value
        return make_issue("CELL_ENUM", value=item, expected="、".join(f.enum or ()), **where)
    if kind == "Type":
        return make_issue("CELL_TYPE", value=value, expected=f.type_name, **where)
    if kind == "Pattern":
        return make_issue("CELL_PATTERN", value=value, expected=f.help or "见填表说明", **where)
    if kind == "Format":
        fmt = e.kind.as_dict().get("format", "")
        code = "CELL_DATE" if fmt == "date" else "CELL_FORMAT"
        return make_issue(code, value=value, expected=FORMAT_NAMES.get(fmt, fmt), **where)
    if kind in RANGE_WORDS:
        limit = e.kind.as_dict().get("limit")
        return make_issue("CELL_RANGE", value=value, expected=f"{RANGE_WORDS[kind]} {limit}", **where)
    if kind == "MinLength":
        return make_issue("CELL_TOO_SHORT", value=value, expected=e.kind.as_dict().get("limit"), **where)
    if kind == "MaxLength":
        return make_issue("CELL_TOO_LONG", value=value, expected=e.kind.as_dict().get("limit"), **where)
    if kind == "UniqueItems":
        return None
    return make_issue("CELL_FORMAT", value=value, expected=e.message, **where)
