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

    def number(v: dict[str, Any]) -> Any:
        no = v.get(spec.key or "")
        return no.upper() if isinstance(no, str) else None

    def name(v: dict[str, Any]) -> Any:
        n = v.get(spec.name_field or "")
        owner = clean_text(v.get("owner_unit", "")).replace(" ", "")
        return (owner, clean_text(n).replace(" ", "")) if isinstance(n, str) else None

    identities: tuple[tuple[str, str | None, Callable[[dict[str, Any]], Any]], ...] = (
        ("ROW_DUPLICATE_NO", spec.key, number),
        ("ROW_DUPLICATE_NAME", spec.name_field, name),
    )
    for code, key, identity in identities:
        if not key:
            continue
        seen: dict[Any, int] = {}
        for rec in main.records:
            ident = identity(rec.values)
            if ident is None:
                continue
            first = seen.setdefault(ident, rec.row)
            if first != rec.row:
                yield make_issue(code, value=rec.values.get(key), expected=first, **ctx.at(main, rec, key))
