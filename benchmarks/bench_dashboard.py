"""The office dashboard at province size, on PostgreSQL: p50/p95 of `/office` for the province's
office and a city's (德阳市), with every reporter of the default tree having returned (~5,700 units,
~60,000 systems), beside a floor measured in the same run (a light office page: the round page).

Usage:
  python benchmarks/bench_dashboard.py load      # import the cached returns of bench_levels.py (once)
  python benchmarks/bench_dashboard.py [N]       # N dashboard requests per office after the first (default 40)
  python benchmarks/bench_portal.py dashboard [N]   # the same, from the portal benchmark

PostgreSQL: INVENTORY_BENCH_PG (else INVENTORY_TEST_PG) names the database; it is emptied by `load`.
The app runs in-process (Starlette's TestClient: no network, one worker), as `inventory serve` runs it.
The first request of each office builds its report data (cold); the rest read it cached until the
data changes (warm), which is how an office uses the dashboard in deadline week.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import common  # noqa: F401  (the checkout's package first on sys.path, not an installed copy)
from bench_levels import returns

SYSTEMS = 60_000


def url() -> str:
    base = os.environ.get("INVENTORY_BENCH_PG") or os.environ.get("INVENTORY_TEST_PG")
    if not base:
        raise SystemExit("set INVENTORY_BENCH_PG (or INVENTORY_TEST_PG) to a PostgreSQL database")
    return base


def load() -> None:
    from sqlalchemy import create_engine, text

    from inventory.store.db import open_db
    from inventory.store.importer import Importer

    engine = create_engine(url())
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    paths = returns(SYSTEMS)
    t = time.perf_counter()
    n = 0
    for r in Importer(open_db(url())).import_files(paths):
        n += r.systems
    print(f"imported {len(paths):,} returns, {n:,} systems in {time.perf_counter() - t:.0f} s")


def q(xs: list[float], p: int) -> float:
    return statistics.quantiles(xs, n=100)[p - 1] if len(xs) > 1 else xs[0]


def run(count: int) -> None:
    import re

    from starlette.testclient import TestClient

    from inventory.store import accounts
    from inventory.web import Settings, create_app
    from inventory.web.server import prepare

    files = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    settings = Settings(db=url(), files=files)
    prepare(settings)
    app = create_app(settings)
    engine = app.state.engine
    results = {}
    for name, node in (("province", None), ("city 德阳市", "德阳市人民政府")):
        user = f"bench-{node or 'province'}"
        if not any(a["username"] == user for a in accounts.accounts(engine)):
            accounts.create_account(engine, user, "reviewer", node, "bench-pass-2026")
        c = TestClient(app, base_url="http://portal.test", follow_redirects=True)
        page = c.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        c.post("/login", data={"csrf": token, "username": user, "password": "bench-pass-2026"})
        app.state.report_cache.clear()
        t = time.perf_counter()
        first = c.get("/office")
        cold = time.perf_counter() - t
        assert first.status_code == 200, first.status_code
        floor, warm = [], []
        for _ in range(count):  # interleaved: the floor and the dashboard see the same machine
            t = time.perf_counter()
            assert c.get("/office/round").status_code == 200
            floor.append(time.perf_counter() - t)
            t = time.perf_counter()
            assert c.get("/office").status_code == 200
            warm.append(time.perf_counter() - t)
        after = []  # a review changes the states (not the findings): the dashboard after each of 3
        from sqlalchemy import select

        from inventory.store.models import ACCEPTED, Submission
        from inventory.workflow.reviews import decide

        with engine.connect() as conn:
            sids = conn.scalars(select(Submission.id).where(Submission.status == ACCEPTED).order_by(Submission.id.desc()).limit(3)).all()
        for sid in sids:
            decide(engine, sid, "returned", "基准测试", "bench")
            t = time.perf_counter()
            assert c.get("/office").status_code == 200
            after.append(time.perf_counter() - t)
        results[name] = (cold, warm, floor)
        expected = re.search(r"<b>(\d+)</b><span>应报单位", first.text).group(1)
        print(
            f"{name:<12} {expected:>5} units expected; cold {cold:.2f} s; dashboard p50 {q(warm, 50) * 1000:.0f} ms "
            f"p95 {q(warm, 95) * 1000:.0f} ms; floor (round page) p50 {q(floor, 50) * 1000:.0f} ms p95 {q(floor, 95) * 1000:.0f} ms; "
            f"p95 ratio {q(warm, 95) / q(floor, 95):.1f}x floor; after a review {max(after):.2f} s (worst of {len(after)})"
        )


def main(argv: list[str]) -> None:
    if argv and argv[0] == "load":
        load()
    else:
        run(int(argv[0]) if argv else 40)


if __name__ == "__main__":
    main(sys.argv[1:])
