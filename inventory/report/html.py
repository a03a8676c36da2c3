"""Sections as one self-contained HTML page: everything escaped, a Content-Security-Policy that
forbids any network access, so the page works offline on an intranet PC and prints."""

from __future__ import annotations

import html

from ..chars import shown
from .sections import Section, cell_text

ROW_LIMIT = 3000

CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:24px;color:#222}
h1{font-size:22px;border-bottom:3px solid #1f4e78;padding-bottom:6px}h2{font-size:17px;margin-top:28px;color:#1f4e78}
.meta{color:#555;font-size:13px}.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{background:#fafafa;border:1px solid #ddd;padding:6px}
table{border-collapse:collapse;font-size:12px;margin-top:8px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#d9e1f2;position:sticky;top:0}tr:nth-child(even) td{background:#f7f9fc}.note{color:#777;font-size:12px}
@media print{body{margin:8mm}.chart{page-break-inside:avoid}th{position:static}table{font-size:9pt}h2{page-break-after:avoid}}
"""


def to_html(title: str, meta: list[str], sections: list[Section], svg: list[str], limit: int = ROW_LIMIT) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        '<div class="meta">' + "<br>".join(html.escape(m) for m in meta) + "</div>",
    ]
    if any(svg):
        out.append('<div class="charts">' + "".join(svg) + "</div>")
    for s in sections:
        out.append(
            f"<h2>{html.escape(s.title)}</h2><table><thead><tr>"
            + "".join(f"<th>{html.escape(c)}</th>" for c in s.columns)
            + "</tr></thead><tbody>"
        )
        out += [
            "<tr>" + "".join(f"<td>{html.escape(shown(cell_text(v, s.formats.get(i))))}</td>" for i, v in enumerate(row)) + "</tr>"
            for row in s.rows[:limit]
        ]
        out.append("</tbody></table>")
        if len(s.rows) > limit:
            out.append(f'<p class="note">共 {len(s.rows)} 行，此处只列前 {limit} 行；完整数据请导出 xlsx。</p>')
    out.append("</body></html>")
    return "\n".join(out)
