"""Per-row JSON Schema checks (jsonschema-rs, formats on, every error), mapped to located issues.

An error inside an `allOf` branch is the `if/then` rule of that branch and carries its `x-rule`
code; everything else maps by kind (required, enum, type, pattern, format, range, length).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...form.issues import Issue, make_issue, rule_issue
from ...form.model import Sheet
from ..reader import Record, SheetData
from .context import Context

FORMAT_NAMES = {"date": "日期（如 2024-03-01）", "email": "电子邮箱地址"}
RANGE_WORDS = {"Minimum": "不小于", "ExclusiveMinimum": "大于", "Maximum": "不大于", "ExclusiveMaximum": "小于"}


def check_schema(ctx: Context) -> Iterator[Issue]:
    for sd in ctx.data.sheets.values():
        validator = sd.spec.validator
        for rec in sd.records:
            for e in validator.iter_errors(rec.values):
                issue = schema_issue(e, rec, sd, ctx.file)
                if issue is not None:
                    yield issue


def schema_issue(e: Any, rec: Record, sd: SheetData, file: str) -> Issue | None:
    spec: Sheet = sd.spec
    columns = sd.columns
    kind = type(e.kind).__name__
    path = list(e.instance_path)
    key = path[0] if path else getattr(e.kind, "property", None)
    if key is None or key in rec.bad or key not in columns:
        return None  # a normalisation problem or a missing column is already reported
    f = spec.by_key[key]
    row = rec.row if spec.layout == "table" else int(columns[key][1:])
    column = columns[key] if spec.layout == "table" else columns[key].rstrip("0123456789")
    value = rec.shown(key)
    where = {"file": file, "sheet": sd.name, "row": row, "column": column, "field": key, "title": f.title}
    schema_path = list(e.schema_path)
    if schema_path and schema_path[0] == "allOf":
        rule = spec.rules[int(schema_path[1])]
        shown = value if value is not None else "未填写"
        return rule_issue(rule.code, rule.severity, f"{rule.message}（{f.title}：{shown}）", "请按规则补充或更正。", value=value, **where)
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
