"""Cross-sheet references: every child row names a system number that the system list has."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ...form.issues import Issue, make_issue
from .context import Context


def check_references(ctx: Context) -> Iterator[Issue]:
    main, form = ctx.main, ctx.form
    if main is None or form.main.key not in main.columns:
        return
    known = {str(v if v is not None else "").upper() for v in main.column_values(form.main.key or "")}
    for child in form.children:
        sd = ctx.data.sheets.get(child.name)
        if sd is None or child.parent_key not in sd.columns:
            continue
        pk = child.parent_key or ""
        col = sd.cells.get(pk)
        if col is None:
            continue
        unknown = [c for c, no in enumerate(col.values) if isinstance(no, str) and no.upper() not in known and c not in col.bad]
        if not unknown:
            continue
        for i in np.flatnonzero(np.isin(col.codes, unknown)).tolist():
            yield make_issue("REF_UNKNOWN_SYSTEM", value=sd.value(pk, i), expected=main.name, **ctx.at_row(sd, i, pk))
