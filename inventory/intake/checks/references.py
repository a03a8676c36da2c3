"""Cross-sheet references: every child row names a system number that the system list has."""

from __future__ import annotations

from collections.abc import Iterator

from ...form.issues import Issue, make_issue
from .context import Context


def check_references(ctx: Context) -> Iterator[Issue]:
    main, form = ctx.main, ctx.form
    if main is None or form.main.key not in main.columns:
        return
    known = {str(r.values.get(form.main.key, "")).upper() for r in main.records}
    for child in form.children:
        sd = ctx.data.sheets.get(child.name)
        if sd is None or child.parent_key not in sd.columns:
            continue
        pk = child.parent_key or ""
        for rec in sd.records:
            no = rec.values.get(pk)
            if isinstance(no, str) and no.upper() not in known and pk not in rec.bad:
                yield make_issue("REF_UNKNOWN_SYSTEM", value=no, expected=main.name, **ctx.at(sd, rec, pk))
