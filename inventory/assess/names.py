"""Reading a system name for what business it does (`forms/names.json`).

A name such as “德阳市公共资源交易平台（二期）” is read into: its bracketed tags (二期; a tag that is
a known business term or programme, such as （智慧工地）, also counts as a business word; so does a
quoted programme or brand name, “宜步出行”, only where the lexicon knows its words), its level
(national / provincial / none), a comparable full form, and its set of business words
({公共资源交易}): the region, the level, the phase, the owner unit's own business words and
generic words (系统, 平台, 管理 …) removed, synonyms and abbreviations folded to one spelling,
word order ignored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..form.normalize import clean_text
from .dictionary import tokenizer

_BRACKETS = re.compile(r"[（(\[【〔]([^）)\]】〕]*)[）)\]】〕]")
_PHASE = re.compile(r"[一二三四五六七八九十\d]+期|[vV]\d+(\.\d+)*|\d+(\.\d+)*版|\d+号")
_PUNCT = re.compile(r"[\s\-_·/、,，.。:：;；“”\"'‘’《》<>]+")
_QUOTED = re.compile(r"[“\"‘「『]([^”\"’」』]*)[”\"’」』]")  # a programme or brand name (“宜步出行”, “一张图”)


@dataclass(frozen=True)
class NameProfile:
    full: str  # the name without brackets, spaces or punctuation
    core: str  # and without its region, level and phase (德阳市公共资源交易平台（二期） -> 公共资源交易平台)
    level: str | None  # "national", "provincial" or None
    words: frozenset[str]  # business words
    owner_words: frozenset[str]  # those of them that only repeat what the owner unit does (weak)
    tags: tuple[str, ...]  # what the brackets said
    per_unit: bool  # a kind of system every unit has its own of (a portal, …)


class NameReader:
    def __init__(self, rules: dict[str, Any], places: Iterable[str]) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self.levels = {k: tuple(sorted(v, key=len, reverse=True)) for k, v in rules["level_words"].items()}
        region = sorted({*rules["region_words"], *(p for p in places if len(p) >= 2)}, key=len, reverse=True)
        levels = [w for ws in self.levels.values() for w in ws]
        self.prefix = re.compile("^(?:" + "|".join(map(re.escape, sorted({*region, *levels}, key=len, reverse=True))) + ")+")
        self.unit_suffix = re.compile("(?:" + "|".join(map(re.escape, rules["unit_words"])) + ")$")
        # for an owner's name, only places and levels come off the front (not a department's whole name)
        areas = sorted({*(w for w in region if not self.unit_suffix.search(w)), *levels}, key=len, reverse=True)
        self.area_prefix = re.compile("^(?:" + "|".join(map(re.escape, areas)) + ")+")
        self.generic = frozenset(rules["generic_words"])
        self.generic_ends = sorted((g for g in self.generic if len(g) >= 2), key=len, reverse=True)
        self.canon = {w: group[0] for group in rules["synonyms"] for w in group}
        self.per_unit = frozenset(self.canon.get(w, w) for w in rules["per_unit_cores"])
        self.weak = frozenset(self.canon.get(w, w) for w in rules.get("weak_words", ()))
        self.terms = frozenset(self.canon.get(w, w) for w in rules["words"])  # a bracket tag naming one says what the system does
        self.cross_domain = frozenset(self.canon.get(w, w) for w in rules.get("cross_domain_words", ()))
        self.work = frozenset(self.canon.get(w, w) for w in rules.get("work_words", ()))  # kinds of work, whatever the round says
        # a term made of two words (应急指挥 = 应急 + 指挥, 公共资源交易 = 公共资源 + 交易) is still that term when a
        # name puts other words between them (应急管理综合指挥平台, 公共资源电子交易系统)
        self.split_terms: dict[str, list[tuple[str, str]]] = {}  # first word -> [(second word, term)]
        for term in sorted(self.terms):
            for k in range(2, len(term) - 1) if term.isalpha() else ():
                self.split_terms.setdefault(term[:k], []).append((term[k:], term))
        self.jieba = tokenizer()
        for w in {*rules["words"], *self.canon, *rules["per_unit_cores"]}:
            self.jieba.add_word(w, freq=200000)
        self._words: dict[str, frozenset[str]] = {}
        self._owners: dict[str, frozenset[str]] = {}
        self._read: dict[str, NameProfile] = {}

    def is_generic(self, word: str) -> bool:
        """A generic word, or one made only of generic words (管理系统 = 管理 + 系统)."""
        if word in self.generic:
            return True
        ends = {0}
        for end in range(1, len(word) + 1):
            if any(start in ends and word[start:end] in self.generic for start in range(end)):
                ends.add(end)
        return len(word) in ends

    def words(self, text: str) -> frozenset[str]:
        """Business words of a piece of name text (cached: names repeat their cores)."""
        hit = self._words.get(text)
        if hit is None:
            out: list[str] = []
            for token in self._tokens(text):
                w = self.canon.get(token, token)
                if len(w) < 2 or w.isdigit():
                    continue
                if self.is_generic(w):
                    if w in self.split_terms:  # generic alone, but the first half of a term (公共资源 + 交易)
                        out.append(w)
                    continue
                out.append(self._without_generic_end(w))
            hit = self._words[text] = frozenset(w for w in self._join_split_terms(out) if not self.is_generic(w))
        return hit

    def _tokens(self, text: str) -> list[str]:
        """jieba's words, with a run of single characters it does not know (林/长/制) kept as one word."""
        out: list[str] = []
        run = ""
        for token in self.jieba.lcut(text, HMM=False):
            if len(token) == 1 and token.isalpha():
                run += token
                continue
            if run:
                out.append(run)
                run = ""
            out.append(token)
        if run:
            out.append(run)
        return out

    def _without_generic_end(self, word: str) -> str:
        """A dictionary word that ends in a generic one is its business part (指挥系统 -> 指挥)."""
        if word in self.terms:
            return word
        for g in self.generic_ends:
            if word.endswith(g) and len(word) - len(g) >= 2:
                rest = word[: -len(g)]
                return self.canon.get(rest, rest)
        return word

    def _join_split_terms(self, words: list[str]) -> list[str]:
        """Words in name order, with the two halves of a term (in that order, apart) read as the term."""
        for head in list(words):
            for tail, term in self.split_terms.get(head, ()):
                if head in words and tail in words[words.index(head) + 1 :]:
                    words = [term if w == head else w for w in words if w != tail]
        return words

    def owner_words(self, owner: str) -> frozenset[str]:
        """What an owner unit's name says about its business: 德阳市交通运输局 -> {交通运输}."""
        hit = self._owners.get(owner)
        if hit is None:
            text = self.area_prefix.sub("", _PUNCT.sub("", clean_text(owner)))
            while (shorter := self.unit_suffix.sub("", text)) != text:
                text = shorter
            hit = self._owners[owner] = self.words(text.replace("和", " ")) if text else frozenset()
        return hit

    def read(self, name: str, owner: str = "") -> NameProfile:
        """What a system name says, and which of its words only repeat its owner's business. The name
        part is cached: at 100k systems a third of the names repeat (under different owners)."""
        base = self._read.get(name)
        if base is None:
            if len(self._read) > 1_000_000:  # a long-running portal reads many rounds
                self._read.clear()
            base = self._read[name] = self._profile(name)
        if not owner or not base.words:
            return base
        own = self.owner_words(owner) & base.words
        return base if not own else NameProfile(base.full, base.core, base.level, base.words, own, base.tags, base.per_unit)

    def knows(self, word: str) -> bool:
        """A word of the lexicon (a term, or a spelling in a synonym group)."""
        return word in self.terms or word in self.canon

    def is_dictionary_word(self, word: str) -> bool:
        """A word the segmentation dictionary (or the lexicon) has on its own."""
        self.jieba.check_initialized()
        return self.jieba.FREQ.get(word, 0) > 0

    def _trimmed(self, text: str) -> str:
        """Without its region, level and phase."""
        return _PHASE.sub("", self.prefix.sub("", text))

    def _profile(self, name: str) -> NameProfile:
        raw = clean_text(name)
        quoted = [q for q in _QUOTED.findall(raw) if q]
        text = _PUNCT.sub("", raw)
        tags = tuple(t for t in _BRACKETS.findall(text) if t)
        base = _BRACKETS.sub("", text)
        level = next((k for k, ws in self.levels.items() if base.startswith(ws)), None)
        unquoted = _BRACKETS.sub("", _PUNCT.sub("", _QUOTED.sub(" ", raw))) if quoted else base
        core = self._trimmed(unquoted) or self._trimmed(base) or base
        words = self.words(core) | {w for t in tags for w in self.words(t) if w in self.terms}
        words |= {w for q in quoted for w in self.words(_PUNCT.sub("", q)) if self.knows(w)}
        per_unit = bool(words) and words <= self.per_unit
        return NameProfile(full=base, core=core, level=level, words=words, owner_words=frozenset(), tags=tags, per_unit=per_unit)


def abbreviates(short: str, long: str) -> bool:
    """Whether `short` is a 简称 of `long`: its characters taken from it in order, starting with its
    first (危化 of 危险化学品, 地灾 of 地质灾害, 网约车 of 网络预约出租汽车), not a plain part of it."""
    if not 2 <= len(short) < len(long) or short[0] != long[0] or short in long:
        return False
    rest = iter(long)
    return all(ch in rest for ch in short)


def abbreviations(vocabulary: Iterable[str], own_word: Callable[[str], bool] = lambda w: False) -> dict[str, list[str]]:
    """For each word, the round's other words that are its 简称. A word the dictionary has on its own
    (`own_word`: 公交 is 公共交通, not a 简称 of 公共资源交易) is not read as one; the 简称 that are
    words of their own (城管, 医保) are listed as synonyms in the lexicon instead."""
    by_first: dict[str, list[str]] = {}
    for word in vocabulary:
        by_first.setdefault(word[:1], []).append(word)
    out: dict[str, list[str]] = {}
    for words in by_first.values():
        shorts = [w for w in words if not own_word(w)]
        for long in words:
            found = [short for short in shorts if abbreviates(short, long)]
            if found:
                out[long] = found
    return out


def places(roster: Any) -> list[str]:
    """Every name a unit or place goes by, for stripping from the front of system names."""
    out: list[str] = []
    for u in roster:
        out += [u.short_name, u.name, *u.aliases]
        if u.is_city:
            out.append(u.short_name.rstrip("市州"))
    return out
