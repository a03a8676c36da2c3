"""How complete a return is: the share of required cells filled (conditional requirements included)
and the share of recommended cells filled, over the system list. Counted over columns: a field is
needed on every row (required) or on the rows where a rule applies; each rule's condition is
judged once per distinct combination of the fields it reads."""

from __future__ import annotations

import numpy as np

from ..form.model import Sheet
from .records import SheetData


class Completeness:
    def __init__(self, main: Sheet) -> None:
        self.required = frozenset(f.key for f in main.fields if f.required)
        self.recommended = frozenset(f.key for f in main.fields if f.recommended)
        self.conditional = [(r, frozenset(r.requires)) for r in main.rules if r.when and r.requires]
        self.counted = self.required | self.recommended  # the fields whose filled cells are counted

    def __call__(self, sheet: SheetData) -> tuple[float | None, float | None]:
        n = len(sheet)
        if not n:
            return None, None
        cells = sheet.cells
        count = {k: np.count_nonzero(cells[k].filled()) for k in self.counted if k in cells}  # records holding a value, per field
        when: dict[str, np.ndarray] = {}  # fields needed on some records only: on which
        for rule, requires in self.conditional:
            inverse, groups = sheet.groups([*rule.when, *rule.unless])
            applies = np.fromiter((rule.applies(g) for g in groups), dtype=bool, count=len(groups))[inverse]
            for k in requires - self.required:
                when[k] = when[k] | applies if k in when else applies
        need = n * len(self.required) + sum(np.count_nonzero(m) for m in when.values())
        have = sum(count.get(k, 0) for k in self.required)
        have += sum(np.count_nonzero(m & sheet.cells[k].filled()) for k, m in when.items() if k in sheet.cells)
        rec_have = sum(count.get(k, 0) for k in self.recommended)
        share = rec_have / (len(self.recommended) * n) if self.recommended else None
        return round(have / need, 4) if need else None, round(share, 4) if share is not None else None
