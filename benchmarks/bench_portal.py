"""Portal load: many units uploading returns within a minute, against `inventory serve` on localhost.

Usage: python benchmarks/bench_portal.py [UPLOADS] [SYSTEMS] [--pg URL] [--workers N] [--burst]
(default 80 uploads of 60-system returns, SQLite, one worker; arrivals spread over 60 s, or all at
once with --burst). Each upload is a unit signing in, opening its page and uploading; the roster has
61 units, so the uploads beyond 61 are second returns (a unit correcting its first). Reports p50/p95
of page and upload times, and checks that every upload is stored once: nothing lost or duplicated.
The run is bounded: it stops by itself after 5 minutes whatever happens.
"""

from __future__ import annotations

import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx2 as httpx

from inventory.demo.synth import clean_return, write_fast_return
from inventory.form.load import load_form
from inventory.form.roster import load_roster
from inventory.store import accounts
from inventory.store.db import open_db

PASSWORD = "bench-pass-2025"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    uploads = int(args[0]) if args else 80
    systems = int(args[1]) if len(args) > 1 else 60
    pg = sys.argv[sys.argv.index("--pg") + 1] if "--pg" in sys.argv else None
    workers = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else 1
    burst = "--burst" in sys.argv
    work = Path(tempfile.mkdtemp(prefix="bench-portal-"))
    url = pg or f"sqlite:///{work / 'portal.db'}"
    roster = load_roster()
    form, units = load_form(), roster.children(roster.root)
    engine = open_db(url)
    jobs = []
    for i in range(uploads):
        unit = units[i % len(units)]
        values, rows = clean_return(form, unit, systems, seed=1000 + i)
        path = write_fast_return(work / f"return-{i}.xlsx", form, unit, values, rows)
        if i < len(units):
            accounts.create_account(engine, f"u{i}", "unit", unit=unit.name, password=PASSWORD)
        jobs.append((f"u{i % len(units)}", path))
    engine.dispose()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "inventory",
            "serve",
            "--port",
            str(port),
            "--db",
            url,
            "--workers",
            str(workers),
            "--files",
            str(work / "files"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/login", timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    pages: list[float] = []
    ups: list[float] = []
    outcomes: list[str] = []
    lock = threading.Lock()
    start = time.perf_counter()

    def one(username: str, path: Path, delay: float) -> None:
        time.sleep(delay)
        with httpx.Client(base_url=base, timeout=120, follow_redirects=True) as c:
            t = time.perf_counter()
            page = c.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
            c.post("/login", data={"csrf": csrf, "username": username, "password": PASSWORD})
            home = c.get("/unit")
            t1 = time.perf_counter()
            csrf = re.search(r'name="csrf" value="([^"]+)"', home.text).group(1)
            with open(path, "rb") as f:
                r = c.post("/unit/upload", data={"csrf": csrf}, files={"file": (path.name, f)})
            t2 = time.perf_counter()
            ok = "/unit/submissions/" in str(r.url) and r.status_code == 200
        with lock:
            pages.append((t1 - t) / 3)
            ups.append(t2 - t1)
            outcomes.append("ok" if ok else f"{r.status_code} {r.url}")

    rng = random.Random(7)
    threads = [threading.Thread(target=one, args=(u, p, 0 if burst else rng.uniform(0, 60)), daemon=True) for u, p in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1, 300 - (time.perf_counter() - start)))
    wall = time.perf_counter() - start
    server.terminate()
    server.wait(timeout=30)
    engine = open_db(url)
    from inventory.workflow.reviews import submission_rows

    stored = submission_rows(engine)
    by_file = {}
    for s in stored:
        by_file[s["file_name"]] = by_file.get(s["file_name"], 0) + 1
    lost = [p.name for _, p in jobs if p.name not in by_file]
    twice = [n for n, k in by_file.items() if k > 1]

    def q(xs: list[float], p: float) -> float:
        return statistics.quantiles(xs, n=100)[int(p) - 1] if len(xs) > 1 else (xs[0] if xs else float("nan"))

    print(
        f"{'PostgreSQL' if pg else 'SQLite'}, {workers} worker(s), {uploads} uploads of {systems}-system returns, {'all at once' if burst else 'arriving over 60 s'}"
    )
    print(f"finished in {wall:.1f} s; ok {outcomes.count('ok')}/{uploads}; stored {len(stored)}; lost {len(lost)}; duplicated {len(twice)}")
    print(
        f"page p50 {q(pages, 50) * 1000:.0f} ms p95 {q(pages, 95) * 1000:.0f} ms; upload (validate + store) p50 {q(ups, 50):.2f} s p95 {q(ups, 95):.2f} s"
    )
    bad = [o for o in outcomes if o != "ok"]
    if bad or lost or twice:
        print("problems:", bad[:5], lost[:5], twice[:5])
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1:2] == ["dashboard"]:  # the office dashboard at province size (bench_dashboard.py)
        from bench_dashboard import main as dashboard

        dashboard(sys.argv[2:])
    else:
        main()
