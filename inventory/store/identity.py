"""One identity per system across returns and rounds: a new return's systems take the keys of the
unit's previous return, matched by 系统编号, else by name; what is new gets a new key. The same pass
says what changed since that return."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Text, case, cast, func, select, true

from ..form.issues import Issue, make_issue
from ..form.model import Form
from ..form.normalize import clean_text
from .content import content_key
from .models import ACCEPTED, SUPERSEDED, Submission, SystemRecord


@dataclass
class Matched:
    keys: dict[int, str] = field(default_factory=dict)  # Excel row -> system key
    previous: int | None = None  # the submission compared with
    unchanged: int = 0
    changed: int = 0
    added: int = 0
    missing: int = 0  # systems of the previous return this one no longer lists
    marks: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)  # (code, Excel row, message values)
    stale: Any = None  # the previous return's 填报日期, when this one is the same return with the same date (not confirmed)

    def note(self) -> str | None:
        if self.previous is None:
            return None
        said_changed = sum(1 for code, *_ in self.marks if code == "MARK_CHANGED_BUT_SAME")
        if not (self.changed or self.added or self.missing):
            text = f"与上一次报送（报送号 {self.previous}）相同：{self.unchanged} 个系统没有改动"
            if self.stale is not None:
                return text + f"，填报日期仍是上一次的 {self.stale}，未确认是否核对过"
            if said_changed:
                return text + f"，其中 {said_changed} 个标为“有变化”却与上一次相同，需向单位核实"
            return text.replace("没有改动", "均已确认无变化")
        text = f"与上一次报送（报送号 {self.previous}）相比：无变化 {self.unchanged} 个，有变化 {self.changed} 个，新增 {self.added} 个，未再填报 {self.missing} 个"
        return text + (f"；标为“有变化”却没有改动的 {said_changed} 个" if said_changed else "")


def _canon(values: Any, skip: str | None = None) -> bytes:
    """Values as JSON with keys sorted, so a return read now compares with one stored another way."""
    if isinstance(values, (str, bytes)):
        values = orjson.loads(values)
    values = orjson.loads(orjson.dumps(values, default=str))
    values.pop(skip, None)
    return orjson.dumps(values, option=orjson.OPT_SORT_KEYS)


def _same(stored: Any, values: dict[str, Any], skip: str | None = None) -> bool:
    """Whether a stored row holds these values (the unit's 本轮情况, `skip`, left out). The store writes
    rows with orjson in the form's field order, so an unchanged row is the same text (a fast comparison
    for 100k rows); only rows whose text differs are parsed and compared with keys sorted (another form
    version, another writer, a mark)."""
    try:
        if isinstance(stored, (str, bytes)) and orjson.dumps(values).decode() == (stored.decode() if isinstance(stored, bytes) else stored):
            return True
    except TypeError:
        pass
    return _canon(stored, skip) == _canon(values, skip)


def _differ(stored: Any, values: dict[str, Any], skip: str | None) -> list[str]:
    """The keys whose values differ, in the new row's order then the old one's."""
    old, new = orjson.loads(_canon(stored, skip)), orjson.loads(_canon(values, skip))
    return [k for k in dict.fromkeys([*new, *old]) if old.get(k) != new.get(k)]


def _name(text: Any) -> str:
    return clean_text(str(text or ""))


UNCHANGED, CHANGED, NEW = "无变化", "有变化", "新增"


def _previous(unit_ids: list[int], before: int | None = None) -> Any:
    """Each unit's previous return: the latest round's, its current one first, then the newest (of
    those stored before submission `before`, when given)."""
    order = (Submission.round_id.desc(), case((Submission.status == ACCEPTED, 0), else_=1), Submission.id.desc())
    ranked = (
        select(
            Submission.id,
            Submission.unit_id,
            Submission.filled_on,
            Submission.round_id,
            func.row_number().over(partition_by=Submission.unit_id, order_by=order).label("n"),
        )
        .where(Submission.unit_id.in_(unit_ids), Submission.status.in_((ACCEPTED, SUPERSEDED)))
        .where(Submission.id < before if before is not None else true())
        .subquery()
    )
    return select(ranked.c.id, ranked.c.unit_id, ranked.c.filled_on, ranked.c.round_id).where(ranked.c.n == 1)


def previous_returns(conn: Connection, unit_ids: list[int], before: int | None = None) -> dict[int, tuple[Any, list[tuple[Any, ...]]]]:
    """For several units at once (a chunk of an import): each one's previous return and its stored
    systems (key, id, 系统编号, 系统名称, the row as stored), the same as `match_systems` reads for one."""
    if not unit_ids:
        return {}
    found = {r.unit_id: r for r in conn.execute(_previous(unit_ids, before))}
    rows: dict[int, list[tuple[Any, ...]]] = {r.id: [] for r in found.values()}
    if rows:
        q = select(
            SystemRecord.submission_id,
            SystemRecord.system_key,
            SystemRecord.id,
            SystemRecord.system_no,
            SystemRecord.system_name,
            cast(SystemRecord.data, Text),
        ).where(SystemRecord.submission_id.in_(list(rows)))
        for sid, *rest in conn.execute(q):
            rows[sid].append(tuple(rest))
    return {unit: (r, rows[r.id]) for unit, r in found.items()}


def match_systems(
    conn: Connection,
    unit_id: int | None,
    rows: list[tuple[int, dict[str, Any]]],
    mark: str | None = None,
    filled_on: Any = None,
    round_id: int | None = None,
    known: tuple[Any, list[tuple[Any, ...]]] | None = None,
) -> Matched:
    """Keys for a new return's systems, what changed since the unit's previous return, and where the
    unit's own 本轮情况 (the `mark` field) disagrees with what changed. `filled_on`: the return's 填报日期;
    a return identical to the previous one (of an earlier round than `round_id`) with the previous one's
    date is not a confirmation (`stale`). `known`: the previous return and its systems, when the caller
    read them already (`previous_returns`; `(None, [])` when there is none)."""
    out = Matched()
    if known is None:
        known = previous_returns(conn, [unit_id]).get(unit_id, (None, [])) if unit_id is not None else (None, [])
    found, stored = known
    prior = found.id if found is not None else None
    prior_date = found.filled_on if found is not None and found.round_id != round_id else None  # within one round, the same date is no news
    by_no: dict[str, tuple[str, Any, str]] = {}
    by_name: dict[str, tuple[str, Any, str]] = {}
    if prior is not None:  # matched on the typed columns; the stored text (as written: json, not jsonb) is kept, not parsed
        out.previous = prior
        for key, rid, number, name, data in stored:
            entry = (key or f"r{rid}", data, f"{number or ''} {name or ''}".strip())
            if number:
                by_no.setdefault(str(number), entry)
            by_name.setdefault(_name(name), entry)
    used: set[str] = set()
    fresh = iter(secrets.token_hex(8 * len(rows))[i : i + 16] for i in range(0, 16 * len(rows), 16))  # a key for each new system
    for excel_row, values in rows:
        said = values.get(mark) if mark else None
        hit = by_no.get(str(values.get("system_no") or "")) or by_name.get(_name(values.get("system_name")))
        if hit is not None and hit[0] not in used:
            used.add(hit[0])
            out.keys[excel_row] = hit[0]
            if _same(hit[1], values, mark):
                out.unchanged += 1
                if said == CHANGED:
                    out.marks.append(("MARK_CHANGED_BUT_SAME", excel_row, {"value": said}))
            else:
                out.changed += 1
                if said == UNCHANGED:
                    out.marks.append(("MARK_UNCHANGED_BUT_CHANGED", excel_row, {"fields": _differ(hit[1], values, mark)}))
            if said == NEW:
                out.marks.append(("MARK_NEW_BUT_KNOWN", excel_row, {"value": said, "expected": hit[2]}))
        else:
            out.keys[excel_row] = next(fresh)
            out.added += 1 if prior is not None else 0
            if prior is not None and said and said != NEW:
                out.marks.append(("MARK_KNOWN_BUT_NEW", excel_row, {"value": said}))
    if prior is not None:
        out.missing = len({k for k, *_ in by_name.values()} | {k for k, *_ in by_no.values()}) - len(used)
        if filled_on is not None and filled_on == prior_date and not (out.changed or out.added or out.missing):
            out.stale = filled_on
    return out


def mark_issues(form: Form, report: Any, matched: Matched) -> list[Issue]:
    """Where a return's 本轮情况 disagrees with what changed since the unit's previous return: warnings,
    kept with the return's own issues (the file alone cannot tell)."""
    main = report.data.sheets.get(form.main.name) if report.data else None
    column = main.columns.get(form.change_mark) if main is not None and form.change_mark else None
    titles = {f.key: f.title for f in form.main.fields}
    out = []
    if matched.stale is not None:
        unit_sheet = form.unit_sheet
        out.append(
            make_issue("RETURN_NOT_CONFIRMED", file=report.path.name, sheet=unit_sheet.name, field="fill_date", value=str(matched.stale))
        )
    for code, row, said in matched.marks:
        value = "、".join(titles.get(k, k) for k in said["fields"]) if "fields" in said else said.get("value")
        out.append(
            make_issue(
                code,
                file=report.path.name,
                sheet=form.main.name,
                row=row,
                column=column,
                field=form.change_mark,
                value=value,
                expected=said.get("expected"),
            )
        )
    return out


def compared_with_previous(engine: Any, form: Form, report: Any) -> list[Issue]:
    """The warnings an import would add to a valid return from comparing it with the unit's previous
    one (a return sent back unconfirmed, 本轮情况 that disagrees with what changed), for `validate`
    to say them too; nothing is stored."""
    from .current import current_round_id
    from .models import Unit

    if not report.valid or report.unit is None or report.data is None:
        return []
    unit_sheet = report.data.sheets.get(form.unit_sheet.name)
    filled_on = day_of(unit_sheet.records[0].values.get("fill_date")) if unit_sheet is not None and unit_sheet.records else None
    main = report.data.sheets.get(form.main.name)
    with engine.connect() as conn:
        unit_id = conn.scalar(select(Unit.id).where(Unit.name == report.unit.name))
        if unit_id is None:
            return []
        rows = main.value_rows() if main is not None else []
        round_id = current_round_id(conn)
        stored, _ = content_key(conn, None, report.data.sha256, round_id, True) if report.data.sha256 else (None, "")
        before = stored.id if stored is not None else None  # a file already imported: compared as its import compared it
        known = previous_returns(conn, [unit_id], before).get(unit_id, (None, []))
        matched = match_systems(conn, unit_id, rows, form.change_mark, filled_on, round_id, known=known)
    return mark_issues(form, report, matched)


def day_of(value: Any) -> dt.date | None:
    """A 填报日期 as read (a date) or as stored (its ISO text); None for anything else."""
    if isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None
