"""One `Issue` type from validation to reports; the error-code catalogue is in `codes.py`.

Codes are stable: once released they never change meaning. Every message follows one formula:
location first, then what is wrong with the actual value, then what is expected; the hint says how
to fix it. Rule codes (`RULE_*`) are declared in `forms/` and join the catalogue at load time. Which FAQ
entry explains a code is the knowledge base's data (`inventory.kb.links`), attached by intake.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from ..chars import shown
from .codes import CATALOGUE, ERROR, FRESH, SAVE_AS, WARNING, Code

__all__ = ["CATALOGUE", "ERROR", "FRESH", "SAVE_AS", "WARNING", "Code", "Issue"]


@dataclass(frozen=True, slots=True)
class Issue:
    code: str
    severity: str
    file: str | None
    sheet: str | None
    row: int | None
    column: str | None
    field: str | None
    message: str
    value: Any
    hint: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def cell(self) -> str | None:
        if self.column and self.row:
            return f"{self.column}{self.row}"
        return None


def catalogue_with_rules(form: Any) -> dict[str, Code]:
    """The catalogue plus the rule codes declared in `forms/`."""
    out = dict(CATALOGUE)
    titles = {f.key: f.title.lstrip("*") for sheet in form.sheets for f in sheet.fields}
    for r in form.schema_rules():
        out[r.code] = Code(r.code, r.severity, r.title, f"{r.message}" + "（{value}）", _rule_hint(r, titles), f"规则（{r.sheet}）", r.why)
    for r in form.rules:
        group = f"规则（{r['sheet']}）"
        out[r["code"]] = Code(r["code"], r["severity"], r["title"], r["title"] + "：{value}", r.get("hint", ""), group, r.get("why", ""))
    return out


def _rule_hint(rule: Any, titles: dict[str, str]) -> str:
    """How to fix what a form rule asks for: the fields it needs, by their titles; a warning's gap may stay."""
    return rule_hint(rule, [titles.get(k, k) for k in rule.requires])


def rule_hint(rule: Any, titles: list[str]) -> str:
    """The fix for a form rule, naming the fields it needs (the one a cell lacks, on a cell's issue)."""
    if not titles:
        return "请按问题说明核对并改正。"
    fields = "、".join(f"“{t}”" for t in titles)
    if rule.severity == "warning":
        return f"能统计或查到的，请补充{fields}；确实没有的可以空着，照常接收。"
    return f"请补充填写{fields}。"


# Codes no longer raised, kept so that issues stored by earlier versions still explain themselves.
RETIRED: dict[str, str] = {
    "RULE_MLPS_FILING": "“二级及以上等保须备案”曾是错误，会让如实填“未备案”的报表被退回；现在未备案列为评估发现 FIND_MLPS_NOT_FILED，“已备案”却没有编号只提醒（RULE_MLPS_FILING_NO），并列为评估发现 FIND_MLPS_FILING_NO_MISSING。",
    "RULE_MLPS_TEST_OVERDUE_L3": "测评超期是如实反映的差距，已改为评估发现 FIND_MLPS_TEST_OVERDUE。",
    "RULE_MLPS_TEST_OVERDUE_L2": "测评超期是如实反映的差距，已改为评估发现 FIND_MLPS_TEST_OVERDUE。",
    "RULE_CRYPTO_MISSING": "未开展密评是如实反映的差距，已改为评估发现 FIND_CRYPTO_MISSING。",
    "RULE_CRYPTO_OVERDUE": "密评超期是如实反映的差距，已改为评估发现 FIND_CRYPTO_MISSING。",
    "RULE_PLANNED_GOLIVE_PASSED": "在建系统延期是如实反映的差距，已改为评估发现 FIND_BUILD_DELAYED。",
}


def _fmt(template: str, value: Any, expected: Any) -> str:
    return template.replace("{value}", "" if value is None else str(shown(value))).replace(
        "{expected}", "" if expected is None else str(expected)
    )


def location_text(sheet: str | None, row: int | None, column: str | None, title: str | None) -> str:
    if not sheet:
        return ""
    where = f"“{sheet}”"
    if column and row:
        where += f" {column}{row} 单元格"
    elif row:
        where += f" 第 {row} 行"
    elif column:
        where += f" {column} 列"
    if title:
        where += f"（{title}）"
    return where + "："


def make_issue(
    code: str,
    *,
    file: str | None = None,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    field: str | None = None,
    title: str | None = None,
    value: Any = None,
    expected: Any = None,
    severity: str | None = None,
    message: str | None = None,
    hint: str | None = None,
) -> Issue:
    """Build an issue from the catalogue: location first, then what is wrong, then the fix."""
    c = CATALOGUE[code]
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        value = int(value)  # a reader gives every number as a float: 2019 was typed, not 2019.0
    elif type(value) is dt.datetime and value.time() == dt.time():
        value = value.date()  # a date cell: 1905-07-16, as Excel shows it
    body = message if message is not None else _fmt(c.message, value, expected)
    return Issue(
        code=code,
        severity=severity or c.severity,
        file=file,
        sheet=sheet,
        row=row,
        column=column,
        field=field,
        message=location_text(sheet, row, column, title) + body,
        value=value,
        hint=hint if hint is not None else c.hint,
    )


def rule_issue(
    code: str,
    severity: str,
    body: str,
    hint: str,
    *,
    file: str | None,
    sheet: str,
    row: int | None,
    column: str | None,
    field: str | None,
    title: str | None,
    value: Any,
) -> Issue:
    """An issue raised by a rule declared in `forms/`."""
    return Issue(code, severity, file, sheet, row, column, field, location_text(sheet, row, column, title) + body, value, hint)
