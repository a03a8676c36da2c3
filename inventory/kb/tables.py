"""Character tables that both the search engine and the offline page use, so they answer alike:
toneless pinyin per character, a polyphone's readings space-separated (for homophone typos such as
登保 -> 等保 and 重付 -> 重复), shipped as
`kb/_pinyin.json`, and Traditional -> Simplified per character (from OpenCC) for the page.

Regenerate the pinyin table with `python -m inventory.kb.tables` (needs pypinyin, in the test extra);
a test fails when it is stale.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from ..resources import data_dir

PINYIN_FILE = "_pinyin.json"
READINGS = 2  # a polyphone's first two readings (重: zhong, chong); rarer ones add more noise than help
MAX_SOUNDS = 16


def _common_characters() -> list[str]:
    """The 6,763 characters of GB 2312 (every character in everyday Simplified text)."""
    out = []
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return out


def build_pinyin_table(extra: str = "") -> dict[str, str]:
    try:
        from pypinyin import Style, pinyin
    except ImportError as exc:  # a maintainer's tool: the shipped table needs no pypinyin
        raise SystemExit("重新生成拼音表需要 pypinyin（测试依赖）：pip install -e '.[test]'") from exc

    chars = sorted(set(_common_characters()) | {ch for ch in extra if "\u4e00" <= ch <= "\u9fff"})
    return {ch: " ".join(dict.fromkeys(pinyin(ch, style=Style.NORMAL, heteronym=True)[0][:READINGS])) for ch in chars}


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


def main() -> None:
    folder = Path(__file__).resolve().parents[2] / "kb"
    text = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.md"))
    (folder / PINYIN_FILE).write_text(pinyin_json(build_pinyin_table(text)), encoding="utf-8")
    print(f"wrote kb/{PINYIN_FILE}")


if __name__ == "__main__":
    main()
