"""The named rules of `forms/rules.json` (dates in order, as of the reference date, amounts, child sums)."""

from __future__ import annotations

from collections.abc import Iterator

from ...form.issues import Issue, rule_issue
from ...form.rules import Context as RuleContext
from ..reader import WorkbookData
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
        for rec in sd.records:
            no = rec.values.get(parent_key)
            if no is None:
                continue
            amount = rec.values.get(fld) if fld else 1
            agg[no] = agg.get(no, 0.0) + (amount if isinstance(amount, (int, float)) else 0.0)
        out[child] = agg
    return out


def check_named_rules(ctx: Context) -> Iterator[Issue]:
    main = ctx.main
    if main is None:
        return
    rctx = RuleContext(as_of=ctx.as_of, children=child_aggregates(ctx, ctx.data), titles=ctx.titles)
    rules = [r for r in ctx.rules if r.sheet == ctx.form.main.name]
    for rec in main.records:
        for rule in rules:
            fail = rule.check(rec.values, rctx)
            if fail is None or (fail.field and fail.field in rec.bad):
                continue
            fld = fail.field
            yield rule_issue(
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
