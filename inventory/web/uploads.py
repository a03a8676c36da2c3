"""How many uploads are validated at once: a bound per session and per server process.

Each upload is validated in a child process of its own (`intake.bounded`), with its time and memory
capped; this gate caps how many such children run at once (`validations`), how many uploads may wait
for one (`queue`, each at most `WAIT` seconds) and how many one session may have in flight
(`per_session`). Past a bound the upload is answered at once, in Chinese, before its body is read:
429 for the session (its earlier uploads are still being checked), 503 for the server (busy; try again
in a minute). Nothing is stored for a refused upload, and the unit is told so. With `--workers N`
the server-wide bound is N times `validations`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.exceptions import HTTPException

WAIT = 10.0  # seconds an upload may wait for a validation slot
SECONDS = 15.0  # seconds one validation may take (then FILE_TIMEOUT): with WAIT, every upload is answered well within 30 s
SESSION_BUSY = "本账号已有文件正在上传或校验。请等上一份的结果出来后再上传（不用重复点“上传”）；这次上传的文件没有保存。"
SERVER_BUSY = "现在同时上传的单位很多，服务器正忙，这份文件没有保存。请过一两分钟再上传一次。"


class UploadGate:
    """Counters under a lock and a semaphore polled from the event loop: usable from any loop or thread."""

    def __init__(self, validations: int = 2, queue: int = 16, per_session: int = 2, wait: float = WAIT) -> None:
        self.slots = threading.BoundedSemaphore(validations)
        self.queue = queue
        self.per_session = per_session
        self.wait = wait
        self.lock = threading.Lock()
        self.waiting = 0
        self.running = 0
        self.peak = 0  # the most validations seen at once (for tests and benchmarks)
        self.sessions: dict[str, int] = {}

    @asynccontextmanager
    async def slot(self, session: str) -> AsyncIterator[None]:
        """Hold a validation slot for the body of the block, or raise 429/503 at once."""
        with self.lock:
            if self.sessions.get(session, 0) >= self.per_session:
                raise HTTPException(429, SESSION_BUSY)
            if self.waiting >= self.queue:
                raise HTTPException(503, SERVER_BUSY)
            self.sessions[session] = self.sessions.get(session, 0) + 1
            self.waiting += 1
        acquired = False
        try:
            deadline = time.monotonic() + self.wait
            while not (acquired := self.slots.acquire(blocking=False)):
                if time.monotonic() > deadline:
                    raise HTTPException(503, SERVER_BUSY)
                await asyncio.sleep(0.05)
            with self.lock:
                self.waiting -= 1
                self.running += 1
                self.peak = max(self.peak, self.running)
            yield
        finally:
            with self.lock:
                if acquired:
                    self.running -= 1
                else:
                    self.waiting -= 1
                left = self.sessions.get(session, 1) - 1
                if left:
                    self.sessions[session] = left
                else:
                    self.sessions.pop(session, None)
            if acquired:
                self.slots.release()
