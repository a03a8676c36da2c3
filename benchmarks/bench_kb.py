"""Knowledge-base search: index build (shipped KB and 5,000 generated entries), query latency, cold start.

Usage: python benchmarks/bench_kb.py [ENTRIES]   (default 5000)
"""

from __future__ import annotations

import random
import statistics
import sys
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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    groups, stop, dictionary = extras(None)
    shipped = load_entries()
    t = time.perf_counter()
    KnowledgeBase(shipped, groups, stop, dictionary)
    print(f"index build, shipped KB ({len(shipped)} entries): {time.perf_counter() - t:.3f} s")
    big_entries = generated(n)
    t = time.perf_counter()
    big = KnowledgeBase(big_entries, groups, stop, dictionary)
    print(f"index build, {n:,} generated entries: {time.perf_counter() - t:.2f} s")
    big.search("登保", 3)  # load the pinyin table once, as a long-running process would
    times = []
    for _ in range(5):
        for q in QUERIES:
            t = time.perf_counter()
            big.search(q, 5)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(
        f"query latency at {n:,} entries over {len(times)} queries: p50 {statistics.median(times):.2f} ms, "
        f"p95 {times[int(len(times) * 0.95)]:.2f} ms, max {times[-1]:.2f} ms"
    )
    wall, peak, out = measure(COLD)
    print(
        f"cold start to first answer (fresh interpreter, shipped KB): {float(out.split()[0]):.2f} s in-process, "
        f"{wall:.2f} s wall with interpreter start-up, peak {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
