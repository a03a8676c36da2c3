"""What the CLI and the portal call: the checker over a database's current inventory (every unit, any
level, in the round), kept per database and round while the inventory is unchanged, and a file's (or
the returns' 在建 rows') projects checked and recorded in one step."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from ..form.issues import Issue
from ..store.models import Submission
from .read import from_returns, read_projects
from .result import Checker
from .reviews import save_checks

_HELD: dict[tuple[str, str | None], tuple[Any, Checker]] = {}
_LOCK = threading.Lock()


def _state(engine: Engine) -> Any:
    """What changes when the inventory does: the submissions stored."""
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count(Submission.id), func.max(Submission.id))).one())


def checker_for(engine: Engine, round_key: str | None = None) -> Checker:
    """The checker over the round's current systems; built once (names read, vectors from the cache),
    then reused until a submission is stored."""
    from ..report.data import ReportData

    key = (str(engine.url), round_key)
    state = _state(engine)
    with _LOCK:
        held = _HELD.get(key)
        if held is not None and held[0] == state:
            return held[1]
        data = ReportData(engine, round_key=round_key)
        checker = Checker(data.systems, data.roster)
        checker.returns = data.systems  # type: ignore[attr-defined]
        _HELD[key] = (state, checker)
        return checker


def check_projects(
    engine: Engine, projects: list[dict[str, Any]], source: str, round_key: str | None = None, save: bool = True
) -> list[dict[str, Any]]:
    """Check projects against the inventory and against each other; record them (and their checks)."""
    checker = checker_for(engine, round_key)
    checker.with_round(projects)
    results = [checker.check(p) for p in projects]
    if save and results:
        for r, n in zip(results, save_checks(engine, results, source, round_key), strict=True):
            r["id"] = n
    return results


def check_file(
    engine: Engine, path: Path | None, round_key: str | None = None, save: bool = True, returns: bool = False
) -> tuple[list[dict[str, Any]], list[Issue]]:
    """A file's projects (or the 在建 rows of the round's returns) checked and recorded."""
    if returns:
        projects, issues = from_returns(checker_for(engine, round_key).returns), []  # type: ignore[attr-defined]
        source = "报表中的在建系统"
    else:
        assert path is not None
        projects, issues = read_projects(path)
        source = Path(path).name
    return check_projects(engine, projects, source, round_key, save), issues


def check_one(engine: Engine, project: dict[str, Any], source: str, round_key: str | None = None) -> dict[str, Any]:
    """One project (the portal's form) checked against the inventory and the round's stored projects,
    then recorded."""
    from .reviews import project_key, projects

    mine = project_key(project)
    fellows = [p["values"] for p in projects(engine, round_key) if project_key(p["values"] or {}) != mine]
    checker = checker_for(engine, round_key)
    checker.with_round([project, *fellows])
    result = checker.check(project)
    result["id"] = save_checks(engine, [result], source, round_key)[0]
    return result
