"""Charts as inline SVG (no script, nothing fetched), for the HTML reports."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

PALETTE = {
    "accepted": "#2e7d32",
    "rejected": "#c62828",
    "not_submitted": "#9e9e9e",
    "error": "#c62828",
    "warning": "#f9a825",
    "bar": "#1f4e78",
}


def bar_chart(title: str, items: Iterable[tuple[str, float, str]], *, percent: bool = False, width: int = 760) -> str:
    """A horizontal bar chart as inline SVG: (label, value, colour) per bar."""
    rows = list(items)
    if not rows:
        return ""
    top = max((v for _, v, _ in rows), default=1) or 1
    bar_h, gap, label_w = 18, 6, 220
    height = 34 + len(rows) * (bar_h + gap)
    parts = [
        f'<svg class="chart" role="img" aria-label="{html.escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<text x="0" y="18" font-size="15" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (label, value, colour) in enumerate(rows):
        y = 30 + i * (bar_h + gap)
        w = 0 if top == 0 else (width - label_w - 80) * (value / (1 if percent else top))
        text = f"{value * 100:.0f}%" if percent else f"{value:g}"
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" font-size="12" text-anchor="end">{html.escape(str(label)[:18])}</text>')
        parts.append(f'<rect class="bar" x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{colour}"/>')
        parts.append(f'<text x="{label_w + max(w, 1) + 6:.1f}" y="{y + 13}" font-size="12">{text}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _counts(values: Iterable[Any]) -> list[tuple[str, float, str]]:
    counts: dict[str, int] = {}
    for v in values:
        key = "未填写" if v in (None, "") else str(v)
        counts[key] = counts.get(key, 0) + 1
    return [(k, n, PALETTE["bar"]) for k, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def charts(kind: str, data: dict[str, Any]) -> list[str]:
    if kind == "coverage":
        units = data["units"]
        return [
            bar_chart(
                "各单位报送状态与系统数（绿=已接收，红=已退回，灰=未报送）",
                [(u["short_name"], u["systems"] if u["status"] == "accepted" else 0, PALETTE[u["status"]]) for u in units],
            ),
            bar_chart(
                "各单位必填完整率",
                [(u["short_name"], u["completeness"], PALETTE["bar"]) for u in units if u["status"] != "not_submitted"],
                percent=True,
            ),
        ]
    if kind == "issues":
        return [bar_chart("评估发现（按类型）", [(s["title"], s["count"], PALETTE[s["severity"]]) for s in data.get("summary", [])])]
    systems = [s["values"] for s in data["systems"]]
    return [
        bar_chart("系统部署位置", _counts(v.get("deploy_location") for v in systems)),
        bar_chart("等保定级", _counts(v.get("mlps_level") for v in systems)),
        bar_chart("处置建议", [(k, n, PALETTE["bar"]) for k, n in data.get("summary", {}).items()]),
    ]
