"""The named rules of `forms/rules.json` (dates in order, as of the reference date, amounts, child sums)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from ...form.issues import Issue, rule_issue
from ...form.rules import CompiledRule, Failure
from ...form.rules import Context as RuleContext
from ..reader import Record, SheetData, WorkbookData
from .context import Context


def child_aggregates(ctx: Context, data: WorkbookData) -> dict[str, dict[str, float]]:
    """Per child sheet a rule adds up: system number -> sum of the field (or the row count)."""
    out: dict[str, dict[str, float]] = {}
    sums = {r["child_sheet"]: r.get("child_field") for r in ctx.form.rules if "child_sheet" in r}
    for child, fld in sums.items():
        sd = data.sheets.get(child)
        if sd is None:
            continue
        agg: dict[str, float] = {}
        parent_key = sd.spec.parent_key or ""
        numbers = sd.column_values(parent_key)
        amounts = sd.column_values(fld) if fld else [1] * len(numbers)
        for no, amount in zip(numbers, amounts, strict=True):  # in row order, so sums are exactly as before
            if no is None:
                continue
            agg[no] = agg.get(no, 0.0) + (amount if isinstance(amount, (int, float)) else 0.0)
        out[child] = agg
    return out


def check_named_rules(ctx: Context) -> Iterator[Issue]:
    main = ctx.main
    if main is None:
        return
    rctx = RuleContext(as_of=ctx.as_of, children=child_aggregates(ctx, ctx.data), titles=ctx.titles)
    sheet = ctx.form.main.name
    rules = [r for r in ctx.rules if r.sheet == sheet]
    dates: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # field -> `_dates`, for the rules that share one
    records: dict[int, Record] = {}
    everyone = np.arange(len(main))
    for rule in rules:
        maybe = candidates(rule, main, rctx, dates)  # only rows that can fail are looked at; the rule itself still decides
        if maybe is not None and not maybe.any():
            continue
        rows = np.ones(len(main), dtype=bool) if maybe is None else maybe
        if rule.when:  # the rows it applies to, judged once per distinct combination of the condition's fields
            inverse, groups = main.groups(rule.when)
            applies = np.fromiter((all(g.get(k) in v for k, v in rule.when.items()) for g in groups), dtype=bool, count=len(groups))
            rows = rows & applies[inverse]
        if not rows.any():
            continue
        within = None if rows.all() else everyone[rows]
        inverse, groups = main.groups(rule.fields, within=within)
        members = everyone if within is None else within
        for g, values in enumerate(groups):  # once per distinct combination of the fields the rule reads
            fail = rule.check(values, rctx)
            if fail is None:
                continue
            for i in members[inverse == g].tolist():
                rec = records.get(i) or records.setdefault(i, main.record(i))
                if fail.field and fail.field in rec.bad:
                    continue
                yield _issue(ctx, main, rule, fail, rec)


def _numbers(sd: SheetData, key: str) -> np.ndarray:
    """Each record's value of `key` as a float (NaN when empty or not a number)."""
    col = sd.cells.get(key)
    if col is None:
        return np.full(len(sd), np.nan)
    table = np.array([float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else np.nan for v in col.values], dtype=float)
    return table[col.codes]


_ISO = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def _dates(sd: SheetData, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each record's value of `key` as (year*100+month, day), NaN when empty or without a day, and
    whether it is text that is not an ISO date (such text is compared as the rule compares it)."""
    col = sd.cells.get(key)
    if col is None:
        nan = np.full(len(sd), np.nan)
        return nan, nan, np.zeros(len(sd), dtype=bool)
    month, day, odd = zip(*map(_date_parts, col.values), strict=True) if col.values else ((), (), ())
    return np.array(month, dtype=float)[col.codes], np.array(day, dtype=float)[col.codes], np.array(odd, dtype=bool)[col.codes]


def _date_parts(v: object) -> tuple[float, float, bool]:
    """(year*100+month, day, text that is not an ISO date) of one value; NaN where it has none.
    Remembered: a batch's returns repeat their dates."""
    if not isinstance(v, str):
        return _NOT_TEXT
    known = _DATE_PARTS.get(v)
    if known is None:
        m = _ISO.fullmatch(v)
        known = (int(m[1]) * 100 + int(m[2]), int(m[3]) if m[3] else np.nan, False) if m else (np.nan, np.nan, True)
        if len(_DATE_PARTS) < 20_000:
            _DATE_PARTS[v] = known
    return known


_NOT_TEXT = (np.nan, np.nan, False)
_DATE_PARTS: dict[str, tuple[float, float, bool]] = {}


def candidates(
    rule: CompiledRule, main: SheetData, rctx: RuleContext, dates: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
) -> np.ndarray | None:
    """The rows a two-field rule can fail on, computed over whole columns (a superset: the rule's own
    check confirms each); None for kinds whose check already runs once per distinct value. `dates`
    keeps a field's dates for the next rule that reads it."""
    spec, kind = rule.spec, rule.spec.get("kind")
    if kind == "order":
        dates = {} if dates is None else dates
        for key in (spec["before"], spec["after"]):
            if key not in dates:
                dates[key] = _dates(main, key)
        ma, da, odd_a = dates[spec["before"]]
        mb, db, odd_b = dates[spec["after"]]
        with np.errstate(invalid="ignore"):
            return (ma > mb) | ((ma == mb) & (da > db)) | odd_a | odd_b
    if kind in ("ratio", "le", "ge"):
        x = _numbers(main, spec["field"])
        y = _numbers(main, spec.get("base") or spec["other"])
        with np.errstate(invalid="ignore"):
            if kind == "ratio":
                return (y > 0) & (x > y * float(spec["factor"]))
            return x > y if kind == "le" else x < y
    if kind == "max":
        with np.errstate(invalid="ignore"):
            return _numbers(main, spec["field"]) > float(spec["limit"])
    if kind in ("children_sum", "has_children"):
        totals = rctx.children.get(spec["child_sheet"], {})
        key = main.spec.key
        col = main.cells.get(key) if key else None
        if col is None:
            return np.zeros(len(main), dtype=bool)
        if kind == "has_children":
            return np.array([bool(v) and v not in totals for v in col.values], dtype=bool)[col.codes]
        total = np.array([float(totals[v]) if v in totals else np.nan for v in col.values], dtype=float)[col.codes]
        with np.errstate(invalid="ignore"):
            return np.abs(total - _numbers(main, spec["field"])) > float(spec.get("tolerance", 0.01))
    return None


def _issue(ctx: Context, main: SheetData, rule: CompiledRule, fail: Failure, rec: Record) -> Issue:
    fld = fail.field
    return rule_issue(
        rule.code,
        rule.severity,
        f"{rule.title}（{fail.detail}）",
        rule.hint,
        file=ctx.file,
        sheet=main.name,
        row=rec.row,
        column=main.columns.get(fld) if fld else None,
        field=fld,
        title=ctx.titles.get(fld) if fld else None,
        value=rec.shown(fld),
    )
