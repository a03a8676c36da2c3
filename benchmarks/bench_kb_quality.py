"""FAQ search quality: recall@3, MRR and "no good match" accuracy, per query kind.

Usage: python benchmarks/bench_kb_quality.py [dev|heldout|heldout2|...|heldout5] [--kb-dir DIR] [--html] [--json] [--misses]

- dev: tests/kb_queries.yaml, written beside the entries (tuning may look at it);
- heldout … heldout4: benchmarks/kb/*.yaml, written from the topic list only, each before the
  retrieval changes that followed it (never used for tuning).
`--html` measures the offline page's own search in headless Chromium on the same set.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import common  # noqa: F401  (the checkout's package first on sys.path, not an installed copy)
import yaml

from inventory.kb import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
SETS = {"dev": ROOT / "tests" / "kb_queries.yaml"} | {p.stem: p for p in sorted((ROOT / "benchmarks" / "kb").glob("*.yaml"))}


def load(which: str) -> list[dict[str, Any]]:
    return yaml.safe_load(SETS[which].read_text(encoding="utf-8"))


def measure(kb: Any, queries: list[dict[str, Any]]) -> dict[str, Any]:
    """Scores per kind for a searcher returning (answer ids best first, [] for no match; "maybe related" ids)."""
    per: dict[str, dict[str, float]] = defaultdict(lambda: {"n": 0, "hit": 0, "rr": 0.0, "none_ok": 0, "shown": 0})
    misses = []
    for q in queries:
        kind = q.get("kind") or ("offtopic" if q["expect"] == "none" else "dev")
        ids, maybe = kb(q["query"])
        p = per[kind]
        p["shown"] += q["expect"] in (ids[:3] or maybe[:3])
        p["n"] += 1
        if q["expect"] == "none":
            p["none_ok"] += not ids
            if ids:
                misses.append((q["query"], "none", ids[:3]))
            continue
        wanted = [q["expect"], *([q["alt"]] if q.get("alt") else [])]  # a second entry that answers as well
        if any(w in ids[:3] for w in wanted):
            p["hit"] += 1
        else:
            misses.append((q["query"], q["expect"], ids[:3]))
        if any(w in ids for w in wanted):
            p["rr"] += 1 / (min(ids.index(w) for w in wanted if w in ids) + 1)
    answerable = [k for k in per if k != "offtopic"]
    n = sum(per[k]["n"] for k in answerable)
    total = {
        "recall@3": sum(per[k]["hit"] for k in answerable) / n if n else 1.0,
        "mrr": sum(per[k]["rr"] for k in answerable) / n if n else 1.0,
        "no_match_accuracy": per["offtopic"]["none_ok"] / per["offtopic"]["n"] if per["offtopic"]["n"] else None,
        "shown@3": sum(per[k]["shown"] for k in answerable) / n if n else 1.0,
    }
    return {"kinds": {k: dict(v) for k, v in per.items()}, "total": total, "misses": misses}


def html_searcher(kb: Any):  # type: ignore[no-untyped-def]
    """The offline page's own search, run in headless Chromium (Debian's chromium, driven by Playwright)."""
    import tempfile

    from playwright.sync_api import sync_playwright

    from inventory.kb.html import export_html

    page_file = Path(tempfile.mkdtemp()) / "kb.html"
    page_file.write_text(export_html(kb), encoding="utf-8")
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    page = browser.new_page()
    page.goto(page_file.as_uri())
    return lambda q: (page.evaluate("q => kbSearch(q, 10)", q), page.evaluate("q => kbMaybe(q)", q))


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    which = args[0] if args else "dev"
    folder = Path(sys.argv[sys.argv.index("--kb-dir") + 1]) if "--kb-dir" in sys.argv else None
    t = time.perf_counter()
    kb = KnowledgeBase.load(folder)
    load_s = time.perf_counter() - t

    def cli(q: str) -> tuple[list[str], list[str]]:
        r = kb.search(q, 10)
        return [h.entry.id for h in r.results], [h.entry.id for h in r.suggestions]

    search = html_searcher(kb) if "--html" in sys.argv else cli
    result = measure(search, load(which))
    if "--json" in sys.argv:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print(f"query set: {which}  (knowledge base loaded in {load_s:.2f} s)")
    print(f"{'kind':12} {'n':>4} {'recall@3':>9} {'MRR':>6} {'no-match':>9} {'shown@3':>8}")
    for kind, p in sorted(result["kinds"].items()):
        if kind == "offtopic":
            print(f"{kind:12} {p['n']:4} {'':>9} {'':>6} {p['none_ok'] / p['n']:9.2f}")
        else:
            print(f"{kind:12} {p['n']:4} {p['hit'] / p['n']:9.2f} {p['rr'] / p['n']:6.2f} {'':>9} {p['shown'] / p['n']:8.2f}")
    tot = result["total"]
    print(f"{'all':12} {'':4} {tot['recall@3']:9.2f} {tot['mrr']:6.2f} {tot['no_match_accuracy'] or 0:9.2f} {tot['shown@3']:8.2f}")
    print("shown@3: the entry is among the answers, or (with no answer) among the 'maybe related' entries")
    if "--misses" in sys.argv:
        for q, want, got in result["misses"]:
            print(f"  miss: {q} -> want {want}, got {got}")


if __name__ == "__main__":
    main()
