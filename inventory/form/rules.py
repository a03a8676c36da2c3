"""The named rules of `forms/rules.json`, compiled once into small functions.

Each compiled rule takes a record's values (and the reference date) and returns None when the rule
holds, or a `Failure` naming the field to point at and the evidence to show. Rule kinds are
documented in docs/architecture.md; thresholds live in the rules file, never here.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Failure(NamedTuple):
    field: str | None
    value: Any
    detail: str


Check = Callable[[Mapping[str, Any], "Context"], Failure | None]


@dataclass
class Context:
    as_of: dt.date
    children: Mapping[str, Mapping[str, Any]]  # child sheet -> {system_no: aggregate}
    titles: Mapping[str, str]

    @property
    def as_of_iso(self) -> str:
        return self.as_of.isoformat()


@dataclass(frozen=True)
class CompiledRule:
    code: str
    severity: str
    title: str
    hint: str
    sheet: str
    check: Check
    fields: tuple[str, ...] = ()  # every field the check reads: it runs once per distinct combination of them
    when: Mapping[str, frozenset[str]] = field(default_factory=dict)  # the rows it applies to (empty: all)
    spec: Mapping[str, Any] = field(default_factory=dict)  # the rule as written in rules.json


def _cmp_dates(a: str, b: str) -> int:
    """Compare ISO dates of day or month precision at their common precision."""
    n = min(len(a), len(b))
    return (a[:n] > b[:n]) - (a[:n] < b[:n])


def latest_day(iso: str) -> dt.date:
    """The last day an ISO date of year, month or day precision can mean (2024-06 → 2024-06-30)."""
    year = int(iso[:4])
    if len(iso) >= 10:
        return dt.date(year, int(iso[5:7]), int(iso[8:10]))
    month = int(iso[5:7]) if len(iso) >= 7 else 12
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later (the month's last day when it is shorter: 01-31 + 1 → 02-28)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _when(cond: Mapping[str, list[str]]) -> Callable[[Mapping[str, Any]], bool]:
    items = [(k, frozenset(v)) for k, v in cond.items()]
    if not items:
        return lambda values: True
    if len(items) == 1:
        ((k1, a1),) = items
        return lambda values: values.get(k1) in a1
    if len(items) == 2:
        (k1, a1), (k2, a2) = items
        return lambda values: values.get(k1) in a1 and values.get(k2) in a2

    return lambda values: all(values.get(k) in allowed for k, allowed in items)


def compile_rule(rule: Mapping[str, Any], main_key: str | None) -> CompiledRule:
    kind, applies = rule["kind"], _when(rule.get("when", {}))
    f = rule.get("field")

    def t(ctx: Context, key: str) -> str:
        return ctx.titles.get(key, key)

    check: Check
    if kind == "order":
        a, b = rule["before"], rule["after"]

        def check(v: Mapping[str, Any], ctx: Context) -> Failure | None:
            x, y = v.get(a), v.get(b)
            if isinstance(x, str) and isinstance(y, str) and applies(v) and _cmp_dates(x, y) > 0:
                return Failure(b, y, f"{t(ctx, a)} {x}，{t(ctx, b)} {y}")
            return None

    elif kind in ("not_after_as_of", "before_as_of"):
        later = kind == "not_after_as_of"

        def check(v: Mapping[str, Any], ctx: Context) -> Failure | None:
            x = v.get(f)
            if not isinstance(x, str) or not applies(v):
                return None
            c = _cmp_dates(x, ctx.as_of_iso)
            if (later and c > 0) or (not later and c < 0):
                return Failure(f, x, f"{t(ctx, f)} {x}，统计截止日期 {ctx.as_of_iso}")
            return None

    elif kind == "recent":
        months = int(rule["months"])

        def check(v: Mapping[str, Any], ctx: Context) -> Failure | None:
            if not applies(v):
                return None
            x = v.get(f)
            if not isinstance(x, str):
                return Failure(f, None, f"{t(ctx, f)} 未填写")
            due = months_after(latest_day(x), months)  # more than `months` old, to the day
            if due < ctx.as_of:
                return Failure(f, x, f"{t(ctx, f)} {x}，应在 {due.isoformat()} 前更新，统计截止日期 {ctx.as_of_iso}")
            return None

    elif kind == "not_in":
        bad = frozenset(rule["values"])

        def check(v: Mapping[str, Any], ctx: Context) -> Failure | None:
            if applies(v) and (v.get(f) is None or v.get(f) in bad):
                return Failure(f, v.get(f), f"{t(ctx, f)} 为“{v.get(f) or '未填写'}”")
            return None

    elif kind == "max":
        limit = float(rule["limit"])

        def check(v: Mapping[str, Any], ctx: Context) -> Failure | None:
            x = _number(v.get(f))
            if x is not None and x > limit and applies(v):
                return Failure(f, v.get(f), f"{t(ctx, f)} {v.get(f)}，超过 {rule['limit']}")
            return None

    elif kind == "ratio":
        base, factor = rule["base"], float(rule["factor"])

        def check(v: Mapping[str, Any], ctx: Context) -> Failure | None:
            x, y = _number(v.get(f)), _number(v.get(base))
            if x is not None and y and y > 0 and x > y * factor and applies(v):
                return Failure(f, v.get(f), f"{t(ctx, f)} {v.get(f)}，{t(ctx, base)} {v.get(base)}")
            return None

    elif kind in ("le", "ge"):
        other, le = rule["other"], kind == "le"

        def check(v: Mapping[str, Any], ctx: Context) -> Failure | None:
            x, y = _number(v.get(f)), _number(v.get(other))
            if x is None or y is None or not applies(v):
                return None
            if (le and x > y) or (not le and x < y):
                return Failure(f, v.get(f), f"{t(ctx, f)} {v.get(f)}，{t(ctx, other)} {v.get(other)}")
            return None

    elif kind == "children_sum":
        child, tol = rule["child_sheet"], float(rule.get("tolerance", 0.01))

        def check(v: Mapping[str, Any], ctx: Context) -> Failure | None:
            key = v.get(main_key) if main_key else None
            total = ctx.children.get(child, {}).get(key) if key else None
            x = _number(v.get(f))
            if total is None or x is None or not applies(v):
                return None
            if abs(total - x) > tol:
                return Failure(f, v.get(f), f"{t(ctx, f)} {v.get(f)}，“{child}”分项合计 {round(total, 4)}")
            return None

    elif kind == "has_children":
        child = rule["child_sheet"]

        def check(v: Mapping[str, Any], ctx: Context) -> Failure | None:
            key = v.get(main_key) if main_key else None
            if key and applies(v) and key not in ctx.children.get(child, {}):
                return Failure(f, v.get(f) if f else key, f"系统编号 {key} 在“{child}”中没有记录")
            return None

    else:  # load_form has already rejected unknown kinds
        raise ValueError(kind)
    read = [*rule.get("when", {}), f, rule.get("before"), rule.get("after"), rule.get("base"), rule.get("other")]
    if kind in ("children_sum", "has_children"):
        read.append(main_key)
    fields = tuple(dict.fromkeys(k for k in read if k))
    when = {k: frozenset(v) for k, v in rule.get("when", {}).items()}
    return CompiledRule(rule["code"], rule["severity"], rule["title"], rule.get("hint", ""), rule["sheet"], check, fields, when, rule)
