"""Portal load: many units uploading returns within a minute, against `inventory serve` on localhost.

Usage: python benchmarks/bench_portal.py [UPLOADS] [SYSTEMS] [--pg URL] [--workers N] [--burst] [--one-session]
(default 80 uploads of 60-system returns, SQLite, one worker; arrivals spread over 60 s, or all at
once with --burst). Each upload is a unit signing in, opening its page and uploading; the roster has
61 units, so the uploads beyond 61 are second returns (a unit correcting its first). With
--one-session, one unit signs in once and sends all the uploads at the same moment from that one
session (an attacker, or a clerk clicking 200 times). Reports p50/p95/max of page and upload times,
the server's peak resident memory (the server process and every child it starts, sampled every
0.1 s, against its memory when idle, measured in the same run), and checks that nothing is lost:
every upload is either stored once or answered with a Chinese refusal (429/503) and not stored.
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

import common  # noqa: F401  (the checkout's package first on sys.path, not an installed copy)
import httpx2 as httpx

from inventory.demo.synth import clean_return, write_fast_return
from inventory.form.load import load_form
from inventory.form.roster import load_roster
from inventory.store import accounts
from inventory.store.db import open_db

PASSWORD = "bench-pass-2025"
SESSION_BUSY = "本账号已有文件正在上传或校验"
SERVER_BUSY = "服务器正忙"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
        todo.extend(children.get(p, []))
    return total


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.1)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    uploads = int(args[0]) if args else 80
    systems = int(args[1]) if len(args) > 1 else 60
    pg = sys.argv[sys.argv.index("--pg") + 1] if "--pg" in sys.argv else None
    workers = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else 1
    burst = "--burst" in sys.argv
    one_session = "--one-session" in sys.argv
    work = Path(tempfile.mkdtemp(prefix="bench-portal-"))
    url = pg or f"sqlite:///{work / 'portal.db'}"
    roster = load_roster()
    form, units = load_form(), roster.children(roster.root)
    engine = open_db(url)
    jobs = []
    for i in range(uploads):
        unit = units[0 if one_session else i % len(units)]
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
    time.sleep(1)
    idle = tree_rss(server.pid)  # the floor: the server's memory at rest, this run
    sampler = Sampler(server.pid)
    sampler.start()
    start = time.perf_counter()
    shared: dict[str, object] = {}
    answered: dict[str, str] = {}
    if one_session:
        c = httpx.Client(base_url=base, timeout=120, follow_redirects=True)
        csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
        c.post("/login", data={"csrf": csrf, "username": "u0", "password": PASSWORD})
        shared["cookies"] = dict(c.cookies)
        shared["csrf"] = re.search(r'name="csrf" value="([^"]+)"', c.get("/unit").text).group(1)
        jobs = [("u0", p) for _, p in jobs]
    gate = threading.Barrier(len(jobs)) if one_session else None

    def one_of_session(path: Path) -> None:
        with httpx.Client(base_url=base, timeout=120, follow_redirects=True, cookies=shared["cookies"]) as c:
            gate.wait()
            t1 = time.perf_counter()
            with open(path, "rb") as f:
                r = c.post("/unit/upload", data={"csrf": shared["csrf"]}, files={"file": (path.name, f)})
            t2 = time.perf_counter()
        if "/unit/submissions/" in str(r.url) and r.status_code == 200:
            said = "ok"
        elif r.status_code in (429, 503) and (SESSION_BUSY in r.text or SERVER_BUSY in r.text):
            said = f"refused {r.status_code}"
        else:
            said = f"{r.status_code} {r.url}"
        with lock:
            ups.append(t2 - t1)
            outcomes.append(said)
            answered[path.name] = said

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
            busy = r.status_code in (429, 503) and (SESSION_BUSY in r.text or SERVER_BUSY in r.text)
        with lock:
            pages.append((t1 - t) / 3)
            ups.append(t2 - t1)
            outcomes.append("ok" if ok else f"refused {r.status_code}" if busy else f"{r.status_code} {r.url}")
            answered[path.name] = outcomes[-1]

    rng = random.Random(7)
    if one_session:
        threads = [threading.Thread(target=one_of_session, args=(p,), daemon=True) for _, p in jobs]
    else:
        threads = [threading.Thread(target=one, args=(u, p, 0 if burst else rng.uniform(0, 60)), daemon=True) for u, p in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1, 300 - (time.perf_counter() - start)))
    wall = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    server.terminate()
    server.wait(timeout=30)
    engine = open_db(url)
    from inventory.workflow.reviews import submission_rows

    stored = submission_rows(engine)
    by_file = {}
    for s in stored:
        by_file[s["file_name"]] = by_file.get(s["file_name"], 0) + 1
    oks = outcomes.count("ok")
    refused = sum(o.startswith("refused") for o in outcomes)
    # lost: answered "stored" but not in the database, or refused yet stored, or never answered
    lost = [p.name for _, p in jobs if (answered.get(p.name) == "ok") != (p.name in by_file)]
    twice = [n for n, k in by_file.items() if k > 1]
    unanswered = len(jobs) - len(outcomes)

    def q(xs: list[float], p: float) -> float:
        return statistics.quantiles(xs, n=100)[int(p) - 1] if len(xs) > 1 else (xs[0] if xs else float("nan"))

    how = "from one session, all at once" if one_session else "all at once" if burst else "arriving over 60 s"
    print(f"{'PostgreSQL' if pg else 'SQLite'}, {workers} worker(s), {uploads} uploads of {systems}-system returns, {how}")
    print(
        f"finished in {wall:.1f} s; stored {oks}/{uploads}; refused with a Chinese message {refused}; "
        f"in the database {len(stored)}; lost {len(lost) + unanswered}; duplicated {len(twice)}"
    )
    if pages:
        print(f"page p50 {q(pages, 50) * 1000:.0f} ms p95 {q(pages, 95) * 1000:.0f} ms")
    print(f"upload (validate + store, or refusal) p50 {q(ups, 50):.2f} s p95 {q(ups, 95):.2f} s max {max(ups):.2f} s (bound 30 s)")
    print(
        f"server memory (all processes): idle {idle / 2**20:.0f} MB, peak {sampler.peak / 2**20:.0f} MB ({sampler.peak / max(idle, 1):.2f}x idle)"
    )
    bad = [o for o in outcomes if o != "ok" and not o.startswith("refused")]
    if bad or lost or twice or unanswered or max(ups) >= 30:
        print("problems:", bad[:5], lost[:5], twice[:5])
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1:2] == ["dashboard"]:  # the office dashboard at province size (bench_dashboard.py)
        from bench_dashboard import main as dashboard

        dashboard(sys.argv[2:])
    else:
        main()
