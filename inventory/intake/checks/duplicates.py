"""Duplicates within one return: the same system number twice, or one owner's system name twice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ...form.issues import Issue, make_issue
from ...form.normalize import clean_text
from .context import Context


def check_duplicates(ctx: Context) -> Iterator[Issue]:
    main = ctx.main
    if main is None:
        return
    spec = main.spec

    def per_row(key: str, of: Callable[[Any], Any]) -> list[Any]:
        """`of` each record's value of `key`, computed once per distinct value."""
        col = main.cells.get(key)
        if col is None:
            return [of(None)] * len(main)
        table = [of(v) for v in col.values]
        return [table[c] for c in col.codes.tolist()]

    def folded(v: Any) -> str:
        return clean_text(v if v is not None else "").replace(" ", "")

    numbers = per_row(spec.key or "", lambda no: no.upper() if isinstance(no, str) else None)
    names = per_row(spec.name_field or "", lambda n: folded(n) if isinstance(n, str) else None)
    owners = per_row("owner_unit", folded)
    identities: tuple[tuple[str, str | None, list[Any]], ...] = (
        ("ROW_DUPLICATE_NO", spec.key, numbers),
        ("ROW_DUPLICATE_NAME", spec.name_field, [(o, n) if n is not None else None for o, n in zip(owners, names, strict=True)]),
    )
    for code, key, idents in identities:
        if not key:
            continue
        seen: dict[Any, int] = {}
        for i, ident in enumerate(idents):
            if ident is None:
                continue
            row = main.rows[i]
            first = seen.setdefault(ident, row)
            if first != row:
                yield make_issue(code, value=main.value(key, i), expected=first, **ctx.at_row(main, i, key))
