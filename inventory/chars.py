"""Characters a person cannot see or type: zero-width and direction marks, BOMs, control characters.

They are dropped when text is compared (`form.normalize.clean_text`), refused in what a unit typed
(a control character cannot come from a keyboard), and written out visibly wherever we show text.
"""

from __future__ import annotations

import re
from typing import Any

INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u180e]")  # zero-width, BOM, soft hyphen, direction marks
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, line feed and carriage return are fine


def has_control(text: str) -> bool:
    return CONTROL.search(text) is not None


def shown(value: Any) -> Any:
    """A value made safe to show: control and invisible characters written out as ⟨U+001B⟩."""
    if not isinstance(value, str) or (value.isprintable() and not INVISIBLE.search(value)):
        return value
    return "".join(ch if (ch.isprintable() or ch in "\n\t") and not INVISIBLE.match(ch) else f"⟨U+{ord(ch):04X}⟩" for ch in value)
