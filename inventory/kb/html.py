"""The knowledge base as one self-contained HTML page that searches offline, in the browser.

The page cannot run the sentence encoder, so it searches by words, the way the CLI's lexical side
does, with the same tables: Traditional -> Simplified (OpenCC, per character), the synonym groups and
stop words of `kb/_synonyms.yaml`, and toneless pinyin for homophone typos (登保 -> 等保). Python
computes the index here (character bigrams per field, BM25F weights); the page only adds up
postings, so what it ranks is what this module wrote. `window.kbSearch(query, limit)` returns the
ids it would show, which the tests call in headless Chromium.
"""

from __future__ import annotations

import html
import json
import math
import re
import unicodedata
from collections import Counter
from typing import Any

from .lexical import FIELD_WEIGHTS, K1, B
from .search import KnowledgeBase
from .tables import pinyin_table, sound_of, t2s_table

# An entry must hold at least this share of the question (weighted by character) to be an answer;
# set by the CLI's rule: the lowest bar at which nine in ten of the development set's off-topic
# questions get "no good match". Under it, entries holding MAYBE_COVERAGE are offered as "maybe related".
MIN_COVERAGE = 0.55
MAYBE_COVERAGE = 0.35
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_ASCII = re.compile(r"[a-z0-9][a-z0-9.+\-]*")
_PUNCT = re.compile(r"[^\w\u4e00-\u9fff]+")


def page_normalise(text: str, t2s: dict[str, str]) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(t2s.get(ch, ch) for ch in text)
    return _PUNCT.sub(" ", text).strip()


def page_tokens(text: str) -> list[str]:
    """Character bigrams of every Chinese run (a lone character as itself) and ASCII words: what the page can do."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
    out.extend(_ASCII.findall(text))
    return out


def build_index(kb: KnowledgeBase, t2s: dict[str, str]) -> dict[str, Any]:
    """Postings (term -> [[entry, weight], ...]), idf and the homophone map, in the page's terms."""
    entries = kb.entries
    n = len(entries)
    fields: dict[str, list[Counter[str]]] = {f: [] for f in FIELD_WEIGHTS}
    for e in entries:
        for f, text in (("question", e.question), ("aliases", " ".join(e.aliases)), ("tags", " ".join(e.tags)), ("answer", e.answer)):
            fields[f].append(Counter(page_tokens(page_normalise(text, t2s))))
    avg = {f: max(sum(sum(c.values()) for c in cs) / max(n, 1), 1.0) for f, cs in fields.items()}
    df: Counter[str] = Counter()
    for i in range(n):
        df.update(set().union(*(fields[f][i] for f in FIELD_WEIGHTS)))
    postings: dict[str, list[list[float]]] = {}
    for i in range(n):
        weighted: Counter[str] = Counter()
        for f, w in FIELD_WEIGHTS.items():
            c = fields[f][i]
            norm = 1 - B + B * sum(c.values()) / avg[f]
            for term, tf in c.items():
                weighted[term] += w * tf / norm
        for term, tf in weighted.items():
            idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            postings.setdefault(term, []).append([i, round(idf * tf * (K1 + 1) / (tf + K1), 4)])
    idf = {t: round(math.log(1 + (n - d + 0.5) / (d + 0.5)), 4) for t, d in df.items()}
    sounds: dict[str, list[str]] = {}
    for term in postings:
        if len(term) == 2 and _CJK_RUN.fullmatch(term):
            sounds.setdefault(sound_of(term), []).append(term)
    return {"postings": postings, "idf": idf, "sounds": sounds}


SCRIPT = r"""
const D = JSON.parse(document.getElementById('kb-data').textContent);
const E = D.entries, P = D.index.postings, IDF = D.index.idf, SOUNDS = D.index.sounds;
const T2S = D.t2s, PY = D.pinyin, STOP = D.stopwords, SYN = D.synonyms;
const maxIdf = Math.max(...Object.values(IDF), 1);
const MINCOV = %(min_coverage)s, MAYBE = %(maybe)s;
const HAN = /[\u4e00-\u9fff]/;
function norm(s) {
  s = s.normalize('NFKC').toLowerCase();
  let out = '';
  for (const ch of s) out += T2S[ch] || ch;
  return out.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}
function bigrams(s) {
  const out = [];
  for (const run of s.match(/[\u4e00-\u9fff]+/g) || []) {
    if (run.length === 1) out.push(run);
    for (let i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
  }
  return out.concat(s.match(/[a-z0-9][a-z0-9.+\-]*/g) || []);
}
function spans(text, word) {  // every [start, end) where word occurs in text
  const out = [];
  for (let i = text.indexOf(word); word && i >= 0; i = text.indexOf(word, i + 1)) out.push([i, i + word.length]);
  return out;
}
// The question as terms (bigrams, lone characters, ASCII words), each with the characters it spans
// and its alternatives (itself, synonyms, a homophone repair). Coverage is counted per character:
// a character weighs as much as the rarest known term over it, stop words weigh nothing, and a
// character no known term covers weighs the most (as in the CLI, the unseen is the telling part).
function analyse(q) {
  const text = norm(q), terms = [];
  for (const m of text.matchAll(/[\u4e00-\u9fff]+/g)) {
    const run = m[0], at = m.index;
    if (run.length === 1) terms.push({t: run, from: at, to: at + 1});
    for (let i = 0; i + 1 < run.length; i++) terms.push({t: run.slice(i, i + 2), from: at + i, to: at + i + 2});
  }
  for (const m of text.matchAll(/[a-z0-9][a-z0-9.+\-]*/g)) terms.push({t: m[0], from: m.index, to: m.index + m[0].length});
  const stop = new Array(text.length).fill(false);
  for (const w of STOP) for (const [a, b] of spans(text, w)) for (let i = a; i < b; i++) stop[i] = true;
  for (const term of terms) term.alts = new Set([term.t]);
  for (const group of SYN) {
    const extra = group.flatMap(w => bigrams(w));
    for (const w of group) for (const [a, b] of spans(text, w)) {
      for (const term of terms) if (term.from < b && term.to > a) for (const x of extra) term.alts.add(x);
    }
  }
  for (const term of terms) {
    if (P[term.t] || !/^[\u4e00-\u9fff]{2}$/.test(term.t)) continue;
    let sounds = [''];  // every reading of the two characters (a polyphone has two)
    for (const ch of term.t) sounds = sounds.flatMap(s => (PY[ch] || ch).split(' ').map(r => s + r));
    for (const sound of sounds) for (const x of SOUNDS[sound] || []) term.alts.add(x);  // a homophone typo: 登保 -> 等保
  }
  const known = terms.filter(term => [...term.alts].some(x => P[x]));
  for (const term of known) term.idf = Math.max(...[...term.alts].map(x => IDF[x] || 0));
  const weight = [...text].map((ch, i) => {
    if (stop[i] || ch === ' ') return 0;
    const over = known.filter(term => term.from <= i && i < term.to);
    return over.length ? Math.max(...over.map(term => term.idf)) : maxIdf;
  });
  return {known: known.filter(term => !(stop[term.from] && stop[term.to - 1])), weight};
}
function rank(q) {  // [entry, score, share of the question covered], best first
  const {known, weight} = analyse(q);
  const total = weight.reduce((a, b) => a + b, 0);
  if (!known.length || !total) return [];
  const score = new Float64Array(E.length), hits = E.map(() => new Set());
  const done = new Set();
  for (const term of known) {
    for (const x of term.alts) for (const [i] of P[x] || []) hits[i].add(term);
    if (done.has(term.t)) continue;
    done.add(term.t);
    for (const x of term.alts) for (const [i, w] of P[x] || []) score[i] += w * (x === term.t ? 1 : 0.8);
  }
  const covered = hits.map(set => {
    const mark = new Set();
    for (const term of set) for (let i = term.from; i < term.to; i++) mark.add(i);
    let sum = 0;
    for (const i of mark) sum += weight[i];
    return sum / total;
  });
  const order = [...score.keys()].filter(i => score[i] > 0);
  order.sort((a, b) => score[b] - score[a]);
  return order.map(i => [i, score[i], covered[i]]);
}
// the ids the page shows as answers (an entry must cover enough of the question), best first
function kbSearch(q, limit = 8) {
  return rank(q).filter(r => r[2] >= MINCOV).slice(0, limit).map(r => E[r[0]].id);
}
// with no answer: up to three entries that may still be related
function kbMaybe(q) {
  return rank(q).filter(r => r[2] >= MAYBE).slice(0, 3).map(r => E[r[0]].id);
}
window.kbSearch = kbSearch;
window.kbMaybe = kbMaybe;
const box = document.getElementById('q'), list = document.getElementById('list'), none = document.getElementById('none');
const related = document.getElementById('related');
function show() {
  const q = box.value.trim();
  const ids = q ? kbSearch(q) : E.map(e => e.id);
  const shown = new Set(ids);
  for (const id of ids) list.appendChild(document.getElementById(id));
  for (const e of E) document.getElementById(e.id).hidden = !shown.has(e.id);
  none.hidden = !(q && ids.length === 0);
  const maybe = none.hidden ? [] : kbMaybe(q);
  related.replaceChildren(...maybe.map(id => {
    const a = document.createElement('a');
    a.href = '#' + id;
    a.textContent = document.querySelector('#' + CSS.escape(id) + ' > summary').textContent;
    a.addEventListener('click', () => { box.value = ''; show(); document.getElementById(id).open = true; });
    return a;
  }));
  related.hidden = maybe.length === 0;
}
box.addEventListener('input', show);
"""

STYLE = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;max-width:900px;margin:24px auto;padding:0 16px;color:#222}
h1{font-size:22px;border-bottom:3px solid #1f4e78;padding-bottom:6px}#q{width:100%;font-size:18px;padding:8px;box-sizing:border-box}
details{border:1px solid #ddd;border-radius:4px;margin:8px 0;padding:8px 12px}summary{font-weight:bold;cursor:pointer}
.meta{color:#777;font-size:12px}#related::before{content:"也许相关：";color:#555}#related a{margin-right:1em}.answer{white-space:pre-wrap;line-height:1.6}#none{color:#c62828}
@media print{#q{display:none}details{page-break-inside:avoid}}
"""


def export_html(kb: KnowledgeBase, title: str = "政务信息系统摸底评估 常见问题知识库") -> str:
    t2s = t2s_table()
    data = {
        "entries": [{"id": e.id} for e in kb.entries],
        "index": build_index(kb, t2s),
        "t2s": t2s,
        "pinyin": pinyin_table(),
        "stopwords": sorted(kb.stopwords),
        "synonyms": [[page_normalise(w, t2s) for w in g] for g in kb.synonyms],
    }
    items = []
    for e in kb.entries:
        items.append(
            f'<details id="{html.escape(e.id)}"><summary>{html.escape(e.question)}</summary>'
            f'<div class="meta">{html.escape(e.category)} · {html.escape(e.id)}'
            + (f" · 相关问题编码：{html.escape('、'.join(e.codes))}" if e.codes else "")
            + f'</div><div class="answer">{html.escape(e.answer)}</div></details>'
        )
    safe = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="zh-CN"><head><meta charset="utf-8">',
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
            f"<h1>{html.escape(title)}</h1>",
            '<input id="q" type="search" placeholder="输入问题或关键词，如：等保、万元、国垂系统、模板" autofocus>',
            f'<p id="none" hidden>没有找到合适的答案。可以换个说法再试，或直接咨询{html.escape(kb.contact or "项目办")}。</p>',
            '<p id="related" hidden></p>',
            f'<div id="list">{"".join(items)}</div>',
            f'<script id="kb-data" type="application/json">{safe}</script>',
            f"<script>{SCRIPT % {'min_coverage': MIN_COVERAGE, 'maybe': MAYBE_COVERAGE}}</script>",
            "</body></html>",
        ]
    )
