"""Sections as one self-contained HTML page that prints to A4.

Everything from returns is escaped; the Content-Security-Policy forbids any network access and
allows exactly one script, the page's own table script (by its hash), so the page works offline
on an intranet PC. Long tables can be filtered, searched and sorted in the page; a table that shows
only key columns opens a row's every field on a click.
"""

from __future__ import annotations

import base64
import hashlib
import html
from functools import cache
from importlib.resources import files
from typing import Any

import orjson

from ..chars import shown
from .sections import Section, cell_text

ROW_LIMIT = 3000

CSS = """
*{box-sizing:border-box}
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:24px;color:#222;line-height:1.45}
h1{font-size:22px;border-bottom:3px solid #1f4e78;padding-bottom:6px;margin:0 0 8px}
h2{font-size:17px;margin:26px 0 6px;color:#1f4e78}
.meta{color:#555;font-size:13px}.note{color:#777;font-size:12px}p{margin:6px 0;max-width:60em}
.figures{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.fig{border:1px solid #b7c6dc;border-left:5px solid #1f4e78;padding:6px 12px;min-width:112px;background:#f7f9fc}
.fig b{display:block;font-size:22px}.fig span{font-size:12px;color:#444}
.charts{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start;margin-top:10px}.chart{background:#fff;border:1px solid #ddd;padding:6px;max-width:100%;height:auto}
.ctl{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:6px 0;font-size:13px}
.ctl select,.ctl input,.ctl button{font:inherit;padding:2px 4px}.count{color:#1f4e78;font-weight:bold}
table{border-collapse:collapse;font-size:12px;margin-top:4px;max-width:100%}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
td{max-width:30em}th{background:#d9e1f2;position:sticky;top:0}
th.sortable{cursor:pointer}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
tr.r:nth-child(even) td{background:#f7f9fc}tr.g th{background:#eef2f8;position:static;font-weight:normal}
tr.g b{font-size:13px}tr.g div{font-size:12px;color:#333}
.exp tr.r{cursor:pointer}.exp tr.r.open td{background:#fff4d6}tr.d td{background:#fffbea}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:4px}dt{color:#555}dd{margin:0}
.sev-error{color:#b71c1c;font-weight:bold}
@page{size:A4;margin:12mm}
@media print{body{margin:0;font-size:10pt}.ctl{display:none}th{position:static}table{font-size:8.5pt;width:100%}
td{max-width:none}.chart{page-break-inside:avoid;border:none;padding:0}.charts{gap:6px}h2{margin-top:14px}h2{page-break-after:avoid}tr{page-break-inside:avoid}.fig b{font-size:16px}}
"""


@cache
def script() -> tuple[str, str]:
    """The table script and its CSP hash."""
    code = files("inventory.report").joinpath("table.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode()
    return code, f"'sha256-{digest}'"


def esc(v: Any) -> str:
    return html.escape(shown(str(v)))


def to_html(title: str, meta: list[str], sections: list[Section], svg: list[str], limit: int = ROW_LIMIT) -> str:
    code, digest = script()
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src {digest}\">",
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        '<div class="meta">' + "<br>".join(esc(m) for m in meta) + "</div>",
    ]
    charts = '<div class="charts">' + "".join(svg) + "</div>" if any(svg) else ""
    for n, s in enumerate(sections):
        if n == 1 and charts:  # after the headline figures
            out.append(charts)
            charts = ""
        out.append(f"<h2>{esc(s.title)}</h2>")
        out += [f"<p>{esc(t)}</p>" for t in s.text]
        if s.figures:
            out.append(
                '<div class="figures">'
                + "".join(f'<div class="fig"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for k, v in s.figures)
                + "</div>"
            )
        if s.columns and not s.figures and (s.rows or not s.text):  # the figures show the same values; a text says there is none
            out.append(_table(s, n, limit))
    out.append(f"{charts}<script>{code}</script></body></html>")
    return "\n".join(out)


def _texts(s: Section, row: list[Any]) -> list[str]:
    return [cell_text(v, s.formats.get(i)) for i, v in enumerate(row)]


def _choices(v: Any, fmt: str | None) -> list[str]:
    """What a filter offers for a cell: each item of a list (a finding about several units matches
    each of them), else the cell's text."""
    return [cell_text(x, fmt) for x in v] if isinstance(v, list) else [cell_text(v, fmt)]


def _table(s: Section, n: int, limit: int) -> str:
    rows = s.rows[:limit]
    show = [i for i in (s.show if s.show is not None else range(len(s.columns))) if i not in s.group]
    texts = [_texts(s, row) for row in rows]
    out = [f'<div class="tbl{" exp" if s.show is not None else ""}" id="t{n}">']
    if len(s.rows) > 12 or s.filters:
        out.append('<div class="ctl">')
        for k, col in enumerate(s.filters):
            values = sorted({v for row in rows for v in _choices(row[col], s.formats.get(col)) if v})
            options = "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in values)
            out.append(
                f'<label>{esc(s.columns[col])} <select class="f" data-f="{k}"><option value="">全部</option>{options}</select></label>'
            )
        out.append(
            '<input class="q" type="search" placeholder="在本表中搜索…" aria-label="搜索"><button class="reset" type="button">清除</button>'
        )
        out.append('<span class="count"></span></div>')
    out.append("<table><thead><tr>" + "".join(f"<th>{esc(s.columns[i])}</th>" for i in show) + "</tr></thead><tbody>")
    group_key = None
    groups = 0
    for r, (row, text) in enumerate(zip(rows, texts, strict=True)):
        if s.group and text[s.group[0]] != group_key:
            group_key, groups = text[s.group[0]], groups + 1
            size = sum(1 for t in texts if t[s.group[0]] == group_key)
            lines = "".join(f"<div>{esc(s.columns[i])}：{esc(text[i])}</div>" for i in s.group[1:] if text[i])
            out.append(
                f'<tr class="g" data-g="{groups}"><th colspan="{len(show)}"><b>{esc(group_key)}</b>（<span class="n">{size}</span> 条）{lines}</th></tr>'
            )
        attrs = "".join(f' data-f{k}="{esc(chr(10).join(_choices(row[col], s.formats.get(col))))}"' for k, col in enumerate(s.filters))
        if s.group:
            attrs += f' data-g="{groups}"'
        if s.show is not None:
            attrs += f' data-i="{r}"'
        cells = []
        for i in show:
            v = row[i]
            sort = f' data-v="{v}"' if isinstance(v, (int, float)) and not isinstance(v, bool) else ""
            cls = ' class="sev-error"' if text[i] == "错误" else ""
            cells.append(f"<td{sort}{cls}>{esc(text[i])}</td>")
        out.append(f'<tr class="r"{attrs}>{"".join(cells)}</tr>')
    out.append("</tbody></table>")
    if s.show is not None:
        data = orjson.dumps([s.columns, [[shown(t) for t in text] for text in texts]]).decode()
        data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        out.append(f'<script type="application/json" class="detail">{data}</script>')
    if s.size > limit:
        out.append(f'<p class="note">共 {s.size} 行，此处只列前 {limit} 行；完整数据请导出 xlsx 或 json。</p>')
    out.append("</div>")
    return "".join(out)
