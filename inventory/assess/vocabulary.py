"""The words of a round's system names that the duplicate detector's lexicon (`forms/names.json`) does
not know, so the office can see which to add as synonyms (内涝 / 排水防涝) or as terms.

Duplicate detection links two names through the business words they share; a word the lexicon has
never seen is read as it is, so two spellings of one business stay apart until someone says they are
one. This lists those words across the units that use them, most widely used first.
"""

from __future__ import annotations

from typing import Any

from .duplicates import name_reader
from .model import System

EXAMPLES = 3


def unknown_words(systems: list[System], roster: Any, min_units: int = 1) -> list[dict[str, Any]]:
    """[{word, units, systems, examples}] for business words not in the lexicon, used by ≥ min_units units."""
    reader = name_reader(roster)
    known = reader.terms | reader.generic | reader.weak | set(reader.canon)  # canon maps every spelling, the first too
    seen: dict[str, dict[str, Any]] = {}
    for s in systems:
        if not s.name:
            continue
        for word in reader.read(s.name, s.owner).words - known:
            entry = seen.setdefault(word, {"word": word, "units": set(), "systems": 0, "examples": []})
            entry["units"].add(s.unit)
            entry["systems"] += 1
            if len(entry["examples"]) < EXAMPLES and s.name not in entry["examples"]:
                entry["examples"].append(s.name)
    rows = [{**e, "units": len(e["units"])} for e in seen.values() if len(e["units"]) >= min_units]
    return sorted(rows, key=lambda r: (-r["units"], -r["systems"], r["word"]))
