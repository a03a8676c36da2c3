"""Charts as inline SVG (no script, nothing fetched), for the HTML reports."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from .sections import STATUS_NAMES, pct

PALETTE = {
    "accepted": "#2e7d32",
    "rejected": "#c62828",
    "not_submitted": "#9e9e9e",
    "error": "#c62828",
    "warning": "#f9a825",
    "bar": "#1f4e78",
}


def _fit(label: str, most: int) -> str:
    """A label in at most `most` characters: without its bracketed note first (托管机房（运营商或第三方）
    is 托管机房), else cut with an ellipsis; never cut mid-word silently."""
    if len(label) <= most:
        return label
    bare = re.sub(r"[（(][^（）()]*[）)]", "", label).strip()
    return bare if bare and len(bare) <= most else label[: most - 1] + "…"


def bar_chart(title: str, items: Iterable[tuple[str, float, str]], *, percent: bool = False, width: int = 760, label_w: int = 220) -> str:
    """A horizontal bar chart as inline SVG: (label, value, colour) per bar."""
    rows = list(items)
    if not rows:
        return ""
    top = max((v for _, v, _ in rows), default=1) or 1
    bar_h, gap = 18, 6
    height = 34 + len(rows) * (bar_h + gap)
    parts = [
        f'<svg class="chart" role="img" aria-label="{html.escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<text x="0" y="18" font-size="15" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (label, value, colour) in enumerate(rows):
        y = 30 + i * (bar_h + gap)
        w = 0 if top == 0 else (width - label_w - 60) * (value / (1 if percent else top))
        text = pct(value) if percent else f"{value:g}"
        full = str(label)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" font-size="12" text-anchor="end"><title>{html.escape(full)}</title>'
            f"{html.escape(_fit(full, label_w // 12))}</text>"
        )
        parts.append(f'<rect class="bar" x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{colour}"/>')
        parts.append(f'<text x="{label_w + max(w, 1) + 6:.1f}" y="{y + 13}" font-size="12">{text}</text>')
    parts.append("</svg>")
    return "".join(parts)


STATUS_LABELS = {k: STATUS_NAMES[k] for k in ("accepted", "rejected", "not_submitted")}
# fills that stay apart when printed in black and white: solid, hatched, dotted
PATTERNS = (
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    '<rect width="6" height="6" fill="#c62828"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern>'
    '<pattern id="dots" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#e0e0e0"/>'
    '<circle cx="3" cy="3" r="1.2" fill="#616161"/></pattern></defs>'
)
FILLS = {"accepted": PALETTE["accepted"], "rejected": "url(#hatch)", "not_submitted": "url(#dots)"}


def status_bars(title: str, groups: dict[str, dict[str, int]], width: int = 760) -> str:
    """One stacked bar per group (已入库 / 未通过校验 / 未报送), each part labelled with its count, and a
    legend drawn with the same fills."""
    if not groups:
        return ""
    label_w, bar_h, gap = 110, 26, 12
    span = width - label_w - 20
    height = 62 + len(groups) * (bar_h + gap)
    parts = [
        f'<svg class="chart" role="img" aria-label="{html.escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">{PATTERNS}',
        f'<text x="0" y="18" font-size="15" font-weight="bold">{html.escape(title)}</text>',
    ]
    x = 0
    for key, label in STATUS_LABELS.items():  # the legend, with the bars' own fills
        parts.append(
            f'<rect class="legend" data-status="{key}" x="{x}" y="28" width="14" height="14" fill="{FILLS[key]}" stroke="#333" stroke-width="0.5"/>'
        )
        parts.append(f'<text x="{x + 19}" y="40" font-size="12">{label}</text>')
        x += 90
    for i, (group, counts) in enumerate(groups.items()):
        y = 54 + i * (bar_h + gap)
        total = sum(counts.values()) or 1
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" font-size="13" text-anchor="end">{html.escape(group)}</text>')
        left = float(label_w)
        for key in STATUS_LABELS:
            n = counts.get(key, 0)
            if not n:
                continue
            w = max(span * n / total, 18)  # a single unit stays visible
            parts.append(
                f'<rect class="bar" data-status="{key}" x="{left:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{FILLS[key]}" stroke="#333" stroke-width="0.5"/>'
            )
            parts.append(
                f'<text x="{left + w / 2:.1f}" y="{y + 17}" font-size="12" text-anchor="middle" font-weight="bold" '
                f'fill="{"#fff" if key == "accepted" else "#000"}" stroke="{"none" if key == "accepted" else "#fff"}" stroke-width="3" paint-order="stroke">{n}</text>'
            )
            left += w
    parts.append("</svg>")
    return "".join(parts)


def _status_counts(by_group: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    return {
        g: {"accepted": t["units_accepted"], "rejected": t.get("units_rejected", 0), "not_submitted": t.get("units_not_submitted", 0)}
        for g, t in by_group.items()
    }


def counts(values: Iterable[Any]) -> list[tuple[str, float, str]]:
    tally: dict[str, int] = {}
    for v in values:
        key = "未填写" if v in (None, "") else str(v)
        tally[key] = tally.get(key, 0) + 1
    return [(k, n, PALETTE["bar"]) for k, n in sorted(tally.items(), key=lambda kv: -kv[1])]


def charts(kind: str, data: dict[str, Any]) -> list[str]:
    if kind == "coverage":
        units = data["units"]
        groups: dict[str, dict[str, int]] = {}
        for u in units:
            if u["state"] == "exempt":  # not expected: counted apart (免报), as in the figures above the chart
                continue
            groups.setdefault(u["group"], {}).setdefault(u["status"], 0)
            groups[u["group"]][u["status"]] += 1
        return [
            status_bars("各类单位报送状态（单位数）", groups),
            bar_chart(
                "已报送单位的必填完整率",
                [(u["short_name"], u["completeness"], PALETTE["bar"]) for u in units if u["status"] != "not_submitted"],
                percent=True,
            ),
        ]
    if kind == "issues":
        return [bar_chart("评估发现（按类型）", [(s["title"], s["count"], PALETTE[s["severity"]]) for s in data.get("summary", [])])]
    if kind == "brief":  # one ink: readable when printed in black and white
        small = {"width": 345, "label_w": 130}
        return [
            status_bars("各类单位报送状态（单位数）", _status_counts(data["coverage"]["by_group"]), width=700),
            bar_chart("系统部署位置", [(k, n, PALETTE["bar"]) for k, n in data["deployment"].items()], **small),
            bar_chart("等保定级", [(k, n, PALETTE["bar"]) for k, n in data["mlps_levels"].items()], **small),
            bar_chart("处置建议", [(k, n, PALETTE["bar"]) for k, n in data["recommendations"].items()], **small),
        ]
    if kind == "unit":
        recs = data["figures"]["recommendations"]
        return (
            [bar_chart("本单位系统的处置建议", [(k, n, PALETTE["bar"]) for k, n in recs.items()], width=480, label_w=120)] if recs else []
        )
    if kind != "inventory":
        return []
    systems = [s["values"] for s in data["systems"]]
    return [
        bar_chart("系统部署位置", counts(v.get("deploy_location") for v in systems)),
        bar_chart("等保定级", counts(v.get("mlps_level") for v in systems)),
        bar_chart("处置建议", [(k, n, PALETTE["bar"]) for k, n in data.get("summary", {}).items()]),
    ]
