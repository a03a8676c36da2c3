"""Independent pieces of work spread over the machine's cores by forking.

Workers are forked from this process, so they inherit what it has already built (a compiled form,
a round's systems and findings) and nothing large is pickled to them; only each item and its small
result cross over. Used where the pieces are few and large or many and independent: duplicate
detection beside the per-system checks, a template per unit, a report per unit. Where forking is
not safe (another thread runs here), not the platform's way, or not worth it (one core), the work
runs here as before; with `--debug` too, so that a failure shows its own traceback.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_TASK: Callable[[Any], Any] | None = None  # what forked workers run, inherited with everything else


def _run(item: Any) -> Any:
    assert _TASK is not None
    return _TASK(item)


def can_fork() -> bool:
    """Whether forking is safe and worth it here: several cores, fork is the platform's way, and no
    other thread runs (a fork copies a lock that thread may hold, and the copy is never released)."""
    return (
        (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
        and multiprocessing.get_start_method(allow_none=True) in (None, "fork")
        and not os.environ.get("INVENTORY_DEBUG")
    )


def forked_map(task: Callable[[Item], Result], items: Sequence[Item], most: int = 8) -> list[Result]:
    """`task` over `items`, results in order: in forked workers when there are at least four items
    a worker, one by one here otherwise."""
    global _TASK
    workers = min(os.cpu_count() or 1, most, len(items) // 4)
    if workers < 2 or not can_fork():
        return [task(item) for item in items]
    _TASK = task
    try:  # the fork context starts every worker at the first map, before its manager thread
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_run, items, chunksize=max(1, len(items) // (workers * 16))))
    finally:
        _TASK = None


class ChildLost(Exception):
    """A forked child ended without an answer (killed, out of memory)."""


def beside(task: Callable[[], Result]) -> Callable[[], Result] | None:
    """Start `task` in a forked child while this process goes on; returns a function that waits for
    its result (pickled back; an exception it raised is raised here), or None when forking is not
    safe or worth it here (then the caller runs the task itself)."""
    if not can_fork():
        return None
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child() -> None:
        receive.close()
        try:
            answer = pickle.dumps((True, task()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # handed to the parent, which raises it
            try:
                answer = pickle.dumps((False, exc))
            except Exception:
                answer = pickle.dumps((False, RuntimeError(repr(exc))))
        send.send_bytes(answer)
        send.close()

    process = context.Process(target=child, daemon=True)
    process.start()
    send.close()

    def wait() -> Any:
        try:
            ok, value = pickle.loads(receive.recv_bytes())
        except (EOFError, OSError) as exc:
            raise ChildLost(process.exitcode) from exc
        finally:
            receive.close()
            process.join(5)
            if process.is_alive():
                process.kill()
        if not ok:
            raise value
        return value

    return wait
