"""The form's model: sheets, fields and rules as loaded from `forms/` (see load.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

# x-type -> the Excel number format its template cells get
FIELD_TYPES: dict[str, str] = {
    "text": "General",
    "code": "@",
    "uscc": "@",
    "phone": "@",
    "enum": "General",
    "multi": "General",
    "bool": "General",
    "date": "yyyy-mm-dd",
    "month": "@",
    "amount": "#,##0.00##",
    "int": "0",
}
TYPE_NAMES = {
    "text": "文本",
    "code": "编码（文本）",
    "uscc": "统一社会信用代码",
    "phone": "电话",
    "enum": "单选",
    "multi": "多选",
    "bool": "是/否",
    "date": "日期",
    "month": "日期（可到月）",
    "amount": "金额（万元）",
    "int": "整数",
}
RULE_KINDS = {
    "order": ("before", "after"),
    "not_after_as_of": ("field",),
    "before_as_of": ("field",),
    "recent": ("field", "months"),
    "not_in": ("field", "values"),
    "max": ("field", "limit"),
    "ratio": ("field", "base", "factor"),
    "le": ("field", "other"),
    "ge": ("field", "other"),
    "children_sum": ("field", "child_sheet", "child_field"),
    "has_children": ("child_sheet",),
}
SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Field:
    key: str
    title: str
    type: str
    required: bool
    recommended: bool
    enum: tuple[str, ...] | None
    help: str
    example: Any
    width: int
    group: str
    position: str  # column letter (table) or cell reference (form)
    schema: dict[str, Any] = field(repr=False, compare=False)

    @property
    def header(self) -> str:
        """The exact text of the header (table) or label (form) cell in the template."""
        return f"*{self.title}" if self.required else self.title

    @property
    def change_mark(self) -> bool:
        """The column where a unit says how a pre-filled system stands this round (无变化 / 有变化 / 已停用 /
        新增): its own statement, kept apart from the system's data when two returns are compared."""
        return bool(self.schema.get("x-change-mark"))

    @property
    def optional_column(self) -> bool:
        """A column added without a new form version: a return filled in before it existed reads without
        a warning that the column is missing."""
        return self.change_mark or bool(self.schema.get("x-optional-column"))

    @property
    def number_format(self) -> str:
        return FIELD_TYPES[self.type]

    @property
    def multi(self) -> bool:
        return self.type == "multi"

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.type]


def column_letter(n: int) -> str:
    """Excel's letters for column number `n` (1 -> A, 27 -> AA)."""
    if 0 < n < len(_LETTERS):  # every cell of every return asks: the letters of the form's area are made once
        return _LETTERS[n]
    return _letters(n)


def _letters(n: int) -> str:
    letters = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_LETTERS = ("", *(_letters(n) for n in range(1, 703)))  # A .. ZZ


@dataclass(frozen=True)
class SchemaRule:
    """An `if/then` block of a sheet schema, named by its `x-rule` code."""

    code: str
    severity: str
    title: str
    message: str
    sheet: str
    when: dict[str, tuple[str, ...]]  # simple equality conditions, for conditional formatting
    requires: tuple[str, ...]
    why: str = ""  # the reasoning: why this is an error (or only a warning), with the policy basis
    unless: dict[str, tuple[str, ...]] = field(default_factory=dict)  # values that switch the rule off

    def applies(self, values: dict[str, Any]) -> bool:
        """True when a row's values meet the simple condition (the `if` of the block)."""
        return all(values.get(k) in allowed for k, allowed in self.when.items()) and not any(
            values.get(k) in excluded for k, excluded in self.unless.items()
        )

    def condition_text(self, titles: dict[str, str]) -> str:
        """The condition in words, e.g. 运行状态为“在建”（当前建设阶段不是“已立项未采购”）."""
        text = "，".join(f"{titles.get(k, k)}为“{'/'.join(v)}”" for k, v in self.when.items())
        if self.unless:
            text += "（" + "，".join(f"{titles.get(k, k)}不是“{'/'.join(v)}”" for k, v in self.unless.items()) + "）"
        return text


@dataclass
class Sheet:
    name: str
    schema_file: str
    layout: str  # "table" | "form"
    header_row: int
    first_data_row: int
    max_rows: int
    fields: list[Field]
    schema: dict[str, Any] = field(repr=False)
    key: str | None = None  # the field that identifies a row (system number)
    name_field: str | None = None
    parent: str | None = None
    parent_key: str | None = None
    rules: list[SchemaRule] = field(default_factory=list)

    @cached_property
    def by_key(self) -> dict[str, Field]:
        return {f.key: f for f in self.fields}

    @cached_property
    def conditional(self) -> frozenset[str]:
        """Fields a rule requires in some cases (建设起始时间 for a system the unit builds itself)."""
        return frozenset(k for r in self.rules for k in r.requires)

    def need(self, f: Field) -> str:
        """Whether `f` must be filled, as the template, the manual and `schema show` say it."""
        return "是" if f.required else "条件" if f.key in self.conditional else "建议" if f.recommended else ""

    @cached_property
    def normalisers(self) -> dict[str, Any]:
        """Field key -> the normaliser of its cells (`normalize.py`)."""
        from .normalize import normaliser

        return {f.key: normaliser(f.type, f.enum) for f in self.fields}

    @cached_property
    def validator(self) -> Any:
        import jsonschema_rs  # compiled on first use: commands that only read the form stay quick

        return jsonschema_rs.validator_for(self.schema, validate_formats=True)

    @cached_property
    def rows_validator(self) -> Any:
        """A validator of a list of rows, each against the sheet's schema."""
        import jsonschema_rs

        items = {k: v for k, v in self.schema.items() if k not in ("$schema", "$id")}
        return jsonschema_rs.validator_for({"type": "array", "items": items}, validate_formats=True)

    @cached_property
    def parts(self) -> Any:
        """The schema split for validation once per distinct value (`form/parts.py`); None if it cannot be."""
        from .parts import split_schema

        return split_schema(self.schema)

    @property
    def title(self) -> str:
        return str(self.schema.get("title", self.name))

    @property
    def description(self) -> str:
        return str(self.schema.get("description", ""))


@dataclass
class Form:
    id: str
    version: str
    accepted_versions: tuple[str, ...]
    title: str
    groups: dict[str, str]
    round: dict[str, Any]
    sheets: list[Sheet]
    instructions: dict[str, Any]
    rules: list[dict[str, Any]]
    regions: list[dict[str, str]]
    folder: Path

    @cached_property
    def by_name(self) -> dict[str, Sheet]:
        return {s.name: s for s in self.sheets}

    @cached_property
    def versions(self) -> dict[str, Any]:
        """What changed since each earlier accepted version (`forms/versions.json`): old headers and old
        options, per field, read as today's. A return of an older version and a stored value from an
        older round both go through it, so nothing is mapped by hand."""
        import json

        path = self.folder / "versions.json"
        if not path.exists():
            return {}
        return json.loads(path.read_text(encoding="utf-8")).get("versions", {})

    def old_headers(self, version: str | None) -> dict[str, str]:
        """An older version's header text -> today's field key."""
        return dict(self.versions.get(version or "", {}).get("headers", {}))

    def old_options(self, version: str | None) -> dict[str, dict[str, str]]:
        """field key -> {an older version's option: today's option}."""
        return {k: dict(v) for k, v in self.versions.get(version or "", {}).get("options", {}).items()}

    @property
    def main(self) -> Sheet:
        """The sheet with one row per system."""
        return next(s for s in self.sheets if s.key)

    @property
    def change_mark(self) -> str | None:
        """The key of the system sheet's 本轮情况 column, if the form has one."""
        return next((f.key for f in self.main.fields if f.change_mark), None)

    @property
    def unit_sheet(self) -> Sheet:
        return next(s for s in self.sheets if s.layout == "form")

    @property
    def children(self) -> list[Sheet]:
        return [s for s in self.sheets if s.parent]

    @property
    def as_of(self) -> dt.date:
        """The survey's reference date (数据统计截止日期) from the round settings; today without one."""
        value = self.round.get("as_of")
        return dt.date.fromisoformat(value) if value else dt.date.today()

    def for_round(self, r: dict[str, Any] | None) -> Form:
        """This form as a database round deploys it: the round's code, name, reference date and deadline
        instead of the manifest's (templates carry the code in `_meta`; checks use the date)."""
        if not r:
            return self
        settings = {k: r[k] for k in ("key", "name", "as_of") if r.get(k)}
        deadline = live_deadline(r)  # a date before the round opened is no deadline: the template says none rather than it
        return replace(self, round={**self.round, **settings, "deadline": deadline.isoformat() if deadline else ""})

    def schema_rules(self) -> list[SchemaRule]:
        return [r for s in self.sheets for r in s.rules]


def live_deadline(round_: dict[str, Any] | None) -> dt.date | None:
    """The round's deadline for returns, when it is one: a date before the round was opened is a
    setting carried over (a fresh database's first round takes the form's old date) and not a
    deadline anyone can meet, so it counts as unset until the office sets one."""
    if not round_ or not round_.get("deadline"):
        return None
    try:
        deadline = dt.date.fromisoformat(str(round_["deadline"]))
    except ValueError:
        return None
    opened = round_.get("opened_at")
    if opened and deadline < dt.datetime.fromisoformat(str(opened)).date():  # `opened_at` is Beijing time already
        return None
    return deadline
