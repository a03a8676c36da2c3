"""A verdict within bounds: one file validated in a process of its own, stopped past a time or memory limit.

For a server (the portal) that must answer every upload, whatever it holds: the file is validated by
the same `Validator` in a child process, started from a clean fork server (safe beside the server's
own threads), with its address space capped; past `seconds` the child is stopped and the file's
verdict says so (FILE_TIMEOUT), and a child that dies says that (FILE_CRASHED). The caller's process
never parses the file. With the intake's own bounds a file under the upload limit is answered well
inside these limits; they are the backstop, not the plan.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
from pathlib import Path
from typing import Any

from ..form.issues import make_issue
from ..kb.links import link_faq
from .result import FileReport
from .validate import Validator

SECONDS = 30
MEMORY = 3 * 1024**3  # address space (threads' stacks and arenas count too: the resident peak is far below)


def _context() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["inventory.intake.validate"])
    return context


def _child(
    folder: Path, as_of: Any, path: Path, memory: int, send: Any, round_settings: dict[str, Any] | None = None, units: Any = None
) -> None:
    import resource

    from ..form.load import load_form
    from ..form.roster import Roster, load_roster

    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (memory, hard))
    try:
        form = load_form(folder).for_round(round_settings)  # the round the caller's form is deployed for
        roster = Roster(units) if units is not None else load_roster(folder)  # the caller's tree: an office's own list included
        report = Validator(form, roster, as_of).validate(path)
        if report.data is not None:
            report.data.detach()  # the form's compiled parts stay here; the caller attaches its own
        send.send_bytes(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
        send.close()
    except BaseException:  # out of memory, most likely: the caller says the file could not be read
        if os.environ.get("INVENTORY_DEBUG"):
            raise
        os._exit(1)


def _said(path: Path, code: str, value: Any = None) -> FileReport:
    report = FileReport(path=Path(path))
    report.issues = [link_faq(make_issue(code, file=str(path), value=value))]
    return report


def validate_bounded(validator: Validator, path: Path, seconds: float = SECONDS, memory: int = MEMORY) -> FileReport:
    """`validator.validate(path)`, in a child process that is stopped after `seconds` or when it would
    use more than `memory`: a report in every case, within the bounds."""
    path = Path(path)
    context = _context()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_child,
        args=(validator.form.folder, validator.as_of, path, memory, send, validator.form.round, list(validator.roster.units)),
        daemon=True,
    )
    child.start()
    send.close()
    try:
        if not receive.poll(seconds):
            return _said(path, "FILE_TIMEOUT", seconds)
        report = pickle.loads(receive.recv_bytes())
    except (EOFError, OSError):  # the child died without an answer (out of memory, killed)
        return _said(path, "FILE_CRASHED")
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if report.data is not None:
        report.data.attach(validator.form)
    return report
