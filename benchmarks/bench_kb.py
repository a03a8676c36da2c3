"""Knowledge-base search: index build (shipped KB and 5,000 generated entries), query latency, cold start.

Usage: python benchmarks/bench_kb.py [ENTRIES]   (default 5000)
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from common import measure

from inventory.kb.entries import Entry, extras, load_entries
from inventory.kb.search import KnowledgeBase

COLD = """
import time
t = time.perf_counter()
from inventory.kb.search import KnowledgeBase
kb = KnowledgeBase.load()
r = kb.search("等保怎么填", 3)
print(time.perf_counter() - t, r.results[0].entry.id)
"""

QUERIES = [
    "等保怎么填",
    "万元还是元",
    "国垂系统",
    "密评",
    "截止",
    "模板",
    "停用的系统要报吗",
    "信用代码校验",
    "登保",
    "护照怎么办理",
    "上云",
    "系统编号重复",
    "反馈表怎么看",
    "子系统",
    "App要填吗",
    "业务专网",
    "资金来源有多个",
    "僵尸系统",
    "日期格式",
    "下拉选项不对",
]


def generated(n: int) -> list[Entry]:
    """`n` entries made from the shipped ones: same vocabulary, new combinations."""
    base = load_entries()
    rng = random.Random(7)
    topics = ["社保卡", "不动产", "公路养护", "食品安全", "政务服务", "城市大脑", "12345热线", "公共资源交易", "应急指挥", "生态监测"]
    out = []
    for i in range(n):
        a, b = rng.choice(base), rng.choice(base)
        topic = rng.choice(topics)
        out.append(
            Entry(
                f"gen-{i}",
                f"{topic}{a.question}",
                tuple(f"{topic}{x}" for x in a.aliases[:2]),
                a.category,
                a.tags + b.tags[:1],
                (),
                a.answer + b.answer[:60],
                "",
            )
        )
    return out


def latency(kb: KnowledgeBase, label: str) -> None:
    kb.search("登保", 3)  # the encoder, the entry vectors and the pinyin table load once, as in a long-running process
    times = []
    for _ in range(5):
        for q in QUERIES:
            t = time.perf_counter()
            kb.search(q, 5)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(
        f"query latency, {label} over {len(times)} queries: p50 {statistics.median(times):.2f} ms, "
        f"p95 {times[int(len(times) * 0.95)]:.2f} ms, max {times[-1]:.2f} ms"
    )


def cold_cli(cache: str) -> float:
    """Wall time of `inventory kb search` as a user runs it (interpreter, imports, model, answer)."""
    env = {**os.environ, "INVENTORY_CACHE": cache}
    t = time.perf_counter()
    proc = subprocess.run([shutil.which("inventory") or "inventory", "kb", "search", "等保怎么填"], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    assert proc.returncode == 0 and "等级" in proc.stdout, proc.stderr
    return wall


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    groups, stop, fillers, dictionary = extras(None)
    shipped = load_entries()
    t = time.perf_counter()
    small = KnowledgeBase(shipped, groups, stop, dictionary, fillers=fillers)
    print(f"lexical index build, shipped KB ({len(shipped)} entries): {time.perf_counter() - t:.3f} s")
    latency(small, f"{len(shipped)} entries")
    big_entries = generated(n)
    t = time.perf_counter()
    big = KnowledgeBase(big_entries, groups, stop, dictionary, fillers=fillers)
    print(f"lexical index build, {n:,} generated entries: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    assert big.semantic is not None
    print(f"entry vectors for {n:,} entries ({len(big.semantic.owners):,} texts; cached for later runs): {time.perf_counter() - t:.1f} s")
    latency(big, f"{n:,} entries")
    with tempfile.TemporaryDirectory() as empty:
        print(f"cold `inventory kb search`, empty cache (first run on a machine): {cold_cli(empty):.2f} s")
        walls = sorted(cold_cli(empty) for _ in range(5))
    print(f"cold `inventory kb search`, warm cache: median {statistics.median(walls):.2f} s, worst {walls[-1]:.2f} s of 5")
    wall, peak, out = measure(COLD)
    print(
        f"first answer in a fresh interpreter (shipped KB): {float(out.split()[0]):.2f} s in-process, {wall:.2f} s wall, peak {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
