"""Regenerate the shipped pinyin table `kb/_pinyin.json` (a maintainer's tool, not part of the package).

Toneless pinyin per character, a polyphone's first readings space-separated, for the 6,763 characters
of GB 2312 plus any other character the knowledge base's entries use. Needs pypinyin (in the test
extra); the package itself only reads the shipped table. `tests/test_kb.py` fails when it is stale.

Usage: python scripts/make_pinyin_table.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from inventory.kb.tables import PINYIN_FILE, READINGS, pinyin_json

KB = Path(__file__).resolve().parent.parent / "kb"


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
    except ImportError:
        sys.exit("重新生成拼音表需要 pypinyin（在测试依赖里）：pip install -e '.[test]'")
    chars = sorted(set(_common_characters()) | {ch for ch in extra if "\u4e00" <= ch <= "\u9fff"})
    return {ch: " ".join(dict.fromkeys(pinyin(ch, style=Style.NORMAL, heteronym=True)[0][:READINGS])) for ch in chars}


def entries_text(folder: Path = KB) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md")))


def main() -> None:
    (KB / PINYIN_FILE).write_text(pinyin_json(build_pinyin_table(entries_text())), encoding="utf-8")
    print(f"wrote kb/{PINYIN_FILE}")


if __name__ == "__main__":
    main()
