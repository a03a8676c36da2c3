"""Text for search: normalisation (Traditional to Simplified, NFKC, case, punctuation) and tokens.

Tokens are jieba words over a small domain dictionary plus the character bigrams of every Chinese
run, so two-character and unknown terms still match.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_ASCII = re.compile(r"[a-z0-9][a-z0-9.+\-]*")
_PUNCT = re.compile(r"[^\w\u4e00-\u9fff]+")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        text = _t2s().convert(text)
    return _PUNCT.sub(" ", text).strip()


class Tokenizer:
    """jieba words over a small domain dictionary, plus character bigrams of every Chinese run."""

    def __init__(self, dictionary: Path | None) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self.jieba = jieba.Tokenizer(dictionary=str(dictionary)) if dictionary else jieba.Tokenizer()

    def words(self, text: str) -> list[str]:
        return [w for w in self.jieba.lcut_for_search(text, HMM=True) if w.strip()]

    def __call__(self, text: str) -> list[str]:
        text = normalise(text)
        out = [w for w in self.words(text) if not w.isspace()]
        for run in CJK_RUN.findall(text):
            if len(run) == 1:
                out.append(run)
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        out.extend(_ASCII.findall(text))
        return out
