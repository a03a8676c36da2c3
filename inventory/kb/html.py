"""The knowledge base as one self-contained HTML page with client-side search (no network needed)."""

from __future__ import annotations

import html
import json

from .search import KnowledgeBase

SCRIPT = r"""
const E = JSON.parse(document.getElementById('kb-data').textContent);
const SYN = JSON.parse(document.getElementById('kb-syn').textContent);
const norm = s => s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ');
function grams(s) {
  const out = new Set();
  for (const run of norm(s).split(' ')) {
    if (!run) continue;
    if (/^[\u4e00-\u9fff]+$/.test(run)) {
      if (run.length === 1) out.add(run);
      for (let i = 0; i < run.length - 1; i++) out.add(run.slice(i, i + 2));
    } else out.add(run);
  }
  return out;
}
for (const e of E) { e.qg = grams(e.question + ' ' + e.aliases.join(' ')); e.tg = grams(e.tags.join(' ')); e.ag = grams(e.answer); }
function expand(q) {
  let text = norm(q);
  for (const g of SYN) if (g.some(w => w && text.includes(w))) text += ' ' + g.join(' ');
  return grams(text);
}
function search(q) {
  const own = grams(q), all = expand(q);
  if (!own.size) return [];
  return E.map(e => {
    let s = 0, hit = 0;
    for (const g of all) { const w = own.has(g) ? 1 : 0.6; if (e.qg.has(g)) s += 3 * w; if (e.tg.has(g)) s += 2 * w; if (e.ag.has(g)) s += w; }
    for (const g of own) if (e.qg.has(g) || e.tg.has(g) || e.ag.has(g)) hit++;
    return {e, s, cover: hit / own.size};
  }).filter(r => r.s > 0 && r.cover >= 0.5).sort((a, b) => b.s - a.s).slice(0, 8);
}
const box = document.getElementById('q'), list = document.getElementById('list'), none = document.getElementById('none');
function show() {
  const q = box.value.trim();
  const shown = q ? new Set(search(q).map(r => r.e.id)) : null;
  const order = q ? search(q).map(r => r.e.id) : E.map(e => e.id);
  for (const id of order) list.appendChild(document.getElementById(id));
  for (const e of E) document.getElementById(e.id).hidden = shown !== null && !shown.has(e.id);
  none.hidden = !(q && shown.size === 0);
}
box.addEventListener('input', show);
"""

STYLE = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;max-width:900px;margin:24px auto;padding:0 16px;color:#222}
h1{font-size:22px;border-bottom:3px solid #1f4e78;padding-bottom:6px}#q{width:100%;font-size:18px;padding:8px;box-sizing:border-box}
details{border:1px solid #ddd;border-radius:4px;margin:8px 0;padding:8px 12px}summary{font-weight:bold;cursor:pointer}
.meta{color:#777;font-size:12px}.answer{white-space:pre-wrap;line-height:1.6}#none{color:#c62828}
@media print{#q{display:none}details{page-break-inside:avoid}}
"""


def export_html(kb: KnowledgeBase, title: str = "政务信息系统摸底评估 常见问题知识库") -> str:
    data = [e.as_dict() for e in kb.entries]
    items = []
    for e in kb.entries:
        items.append(
            f'<details id="{html.escape(e.id)}"><summary>{html.escape(e.question)}</summary>'
            f'<div class="meta">{html.escape(e.category)} · {html.escape(e.id)}'
            + (f" · 相关问题编码：{html.escape('、'.join(e.codes))}" if e.codes else "")
            + f'</div><div class="answer">{html.escape(e.answer)}</div></details>'
        )
    safe = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    syn = json.dumps(kb.synonyms, ensure_ascii=False).replace("</", "<\\/")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="zh-CN"><head><meta charset="utf-8">',
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
            f"<h1>{html.escape(title)}</h1>",
            '<input id="q" type="search" placeholder="输入问题或关键词，如：等保、万元、国垂系统、模板" autofocus>',
            f'<p id="none" hidden>没有找到合适的答案。可以换个说法再试，或直接咨询{html.escape(kb.contact or "项目办")}。</p>',
            f'<div id="list">{"".join(items)}</div>',
            f'<script id="kb-data" type="application/json">{safe}</script>',
            f'<script id="kb-syn" type="application/json">{syn}</script>',
            f"<script>{SCRIPT}</script>",
            "</body></html>",
        ]
    )
