"""Data validations and input prompts per field, generated from the schema (pitfalls P2, P27).

Closed lists stop a wrong entry; dates, amounts and codes warn; every cell shows its prompt (the
field's description, when a rule makes it required, an example), so instructions and checks
cannot disagree.
"""

from __future__ import annotations

from typing import Any

from openpyxl.worksheet.datavalidation import DataValidation

from ..form.model import Field, Sheet
from .lists import Lists

PROMPT_TITLE_MAX = 32  # Excel limits for data-validation texts
PROMPT_MAX = 250
ERROR_MAX = 220


def conditional_notes(sheet: Sheet) -> dict[str, list[str]]:
    """For each field, the conditions under which a schema rule makes it required."""
    notes: dict[str, list[str]] = {}
    for rule in sheet.rules:
        if not rule.when:
            continue
        cond = rule.condition_text({f.key: f.title for f in sheet.fields})
        for key in rule.requires:
            notes.setdefault(key, []).append(f"{cond}时必填")
    return notes


def prompt(f: Field, notes: list[str]) -> str:
    parts = [f.help]
    if notes:
        parts.append("；".join(notes) + "。")
    if f.example is not None:
        parts.append(f"示例：{f.example}")
    text = " ".join(p for p in parts if p)
    return text if len(text) <= PROMPT_MAX else text[: PROMPT_MAX - 1] + "…"


def validation(f: Field, notes: list[str], lists: Lists) -> DataValidation:
    title = f.title[:PROMPT_TITLE_MAX]
    common: dict[str, Any] = {
        "allow_blank": True,
        "showInputMessage": True,
        "showErrorMessage": True,
        "promptTitle": title,
        "prompt": prompt(f, notes),
        "errorTitle": title,
    }
    if f.enum:
        multi = f.multi
        error = "可多选，多个选项用顿号“、”分隔；单选请从下拉列表选择。" if multi else f"请从下拉列表中选择：{'、'.join(f.enum)}"
        return DataValidation(
            type="list",
            formula1=f"={lists.name_for(f)}",
            errorStyle="information" if multi else "stop",
            error=error[:ERROR_MAX],
            **common,
        )
    if f.type == "date":
        return DataValidation(
            type="date",
            operator="between",
            formula1="DATE(1980,1,1)",
            formula2="DATE(2099,12,31)",
            errorStyle="warning",
            error="请填写日期，如 2024-03-01。",
            **common,
        )
    if f.type in ("amount", "int"):
        return DataValidation(
            type="decimal" if f.type == "amount" else "whole",
            operator="greaterThanOrEqual",
            formula1="0",
            errorStyle="warning",
            error="请填写不小于0的数字" + ("，单位万元。" if f.type == "amount" else "（整数）。"),
            **common,
        )
    if f.type == "uscc":
        return DataValidation(
            type="textLength",
            operator="equal",
            formula1="18",
            errorStyle="warning",
            error="统一社会信用代码应为18位，请以文本格式填写。",
            **common,
        )
    return DataValidation(type=None, **common)  # input prompt only
