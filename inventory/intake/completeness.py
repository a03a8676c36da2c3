"""How complete a return is: the share of required cells filled (conditional requirements included)
and the share of recommended cells filled, over the system list."""

from __future__ import annotations

from ..form.model import Sheet
from .reader import SheetData


class Completeness:
    def __init__(self, main: Sheet) -> None:
        self.required = frozenset(f.key for f in main.fields if f.required)
        self.recommended = frozenset(f.key for f in main.fields if f.recommended)
        self.conditional = [(r, frozenset(r.requires)) for r in main.rules if r.when and r.requires]

    def __call__(self, sheet: SheetData) -> tuple[float | None, float | None]:
        records = sheet.records
        if not records:
            return None, None
        need = have = rec_have = 0
        for rec in records:
            v = rec.values
            keys = self.required
            for rule, requires in self.conditional:
                if rule.applies(v):
                    keys = keys | requires
            need += len(keys)
            have += len(keys & v.keys())
            rec_have += len(self.recommended & v.keys())
        share = rec_have / (len(self.recommended) * len(records)) if self.recommended else None
        return round(have / need, 4) if need else None, round(share, 4) if share is not None else None
