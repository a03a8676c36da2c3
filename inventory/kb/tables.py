"""Character tables that both the search engine and the offline page use, so they answer alike:
toneless pinyin per character, a polyphone's readings space-separated (for homophone typos such as
登保 -> 等保 and 重付 -> 重复), shipped as
`kb/_pinyin.json`, and Traditional -> Simplified per character (from OpenCC) for the page.

The pinyin table is made by `python scripts/make_pinyin_table.py` (a maintainer's tool that needs
pypinyin); this module only reads it. A test fails when it is stale.
"""

from __future__ import annotations

import json
from functools import lru_cache

from ..resources import data_dir

PINYIN_FILE = "_pinyin.json"
READINGS = 2  # a polyphone's first two readings (重: zhong, chong); rarer ones add more noise than help
MAX_SOUNDS = 16


@lru_cache(maxsize=1)
def pinyin_table() -> dict[str, str]:
    path = data_dir("kb") / PINYIN_FILE
    return json.loads(path.read_text(encoding="utf-8"))


def sound_of(text: str) -> str:
    """How `text` is most likely read: toneless pinyin run together, each character's first reading."""
    table = pinyin_table()
    return "".join(table.get(ch, ch).split(" ")[0] for ch in text)


def sounds_of(text: str) -> set[str]:
    """Every way a typed `text` may have been heard: one reading per character (a polyphone such as
    重 gives zhong and chong), at most MAX_SOUNDS of them. Matched against `sound_of` of known terms."""
    table = pinyin_table()
    sounds = [""]
    for ch in text:
        sounds = [s + r for s in sounds for r in table.get(ch, ch).split(" ")][:MAX_SOUNDS]
    return set(sounds)


@lru_cache(maxsize=1)
def t2s_table() -> dict[str, str]:
    """Traditional -> Simplified, one character at a time, as OpenCC converts them."""
    import opencc

    convert = opencc.OpenCC("t2s").convert
    out = {}
    for code in range(0x4E00, 0xA000):
        ch = chr(code)
        simple = convert(ch)
        if simple != ch and len(simple) == 1:
            out[ch] = simple
    return out


def pinyin_json(table: dict[str, str]) -> str:
    return json.dumps(table, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"
