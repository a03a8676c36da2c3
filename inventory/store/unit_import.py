"""An office's own list of units, imported over its part of the tree.

The list is an xlsx or CSV file (UTF-8 or GB18030) with a header row: 单位全称, 简称, 上级单位,
类别, 联系人, 联系电话, 电子邮箱 (only 单位全称 and 上级单位 are required). 上级单位 names a unit
already in the office's part of the tree, the office itself, or another row of the list (by full
name, short name or node code). Every problem is reported at once, with its row; nothing is
changed unless the whole list is right. `replace` retires the units of the office's part that the
list leaves out (never deleted: their returns stay theirs).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..form.normalize import clean_text, match_key
from ..form.roster import COUNTY, GOVERNMENTS, Roster, Unit
from .models import Unit as UnitRow
from .units import bump_version, lowest_common, recompute_paths, tree

COLUMNS = {
    "name": ("单位全称", "单位名称", "全称", "名称"),
    "short_name": ("简称",),
    "parent": ("上级单位", "上级", "主管部门", "上级单位全称"),
    "kind": ("类别", "单位类别", "类型"),
    "contact_name": ("联系人",),
    "contact_phone": ("联系电话", "电话"),
    "contact_email": ("电子邮箱", "邮箱"),
}
MAX_ROWS = 20_000
KINDS = {
    match_key(k): k for k in (*GOVERNMENTS, "市直部门", "区县部门", "下属单位", "省直部门")
}  # 区(县) typed with ASCII brackets is 区（县）


@dataclass
class UnitImport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    changes: dict[str, list[str]] = field(default_factory=dict)  # a changed unit -> what changes ("上级：A → B")
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0
    retired_offices: dict[str, int] = field(default_factory=dict)  # an office retired whole -> how many of its units go with it
    retired_alone: list[str] = field(default_factory=list)  # the retired units not under an office retired whole
    dry_run: bool = False  # nothing was written: what the list would do

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "changed": self.changed,
            "changes": self.changes,
            "retired": self.retired,
            "retired_offices": self.retired_offices,
            "retired_alone": self.retired_alone,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
        }


def list_rows(roster: Roster, under: Unit) -> list[list[str]]:
    """The office's part as its list file holds it: every unit below `under`, with its parent's full
    name. Imported back as it is, it changes nothing; it is where an office starts an edit."""
    out = []
    for unit in roster.subtree(under)[1:]:
        parent = roster.parent_of(unit)
        out.append(
            [
                unit.name,
                unit.short_name,
                parent.name if parent else "",
                unit.kind,
                unit.contact_name,
                unit.contact_phone,
                unit.contact_email,
            ]
        )
    return out


def write_list(roster: Roster, under: Unit, path: Path) -> Path:
    """`list_rows` as an xlsx list file (names stay text, never formulas), written whole or not at all."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..output import put, save_workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "单位名单"
    for j, names in enumerate(COLUMNS.values(), start=1):
        put(ws.cell(row=1, column=j), names[0])
        ws.cell(row=1, column=j).font = Font(bold=True)
    for i, row in enumerate(list_rows(roster, under), start=2):
        for j, value in enumerate(row, start=1):
            put(ws.cell(row=i, column=j), value)
    for letter, width in zip("ABCDEFG", (36, 16, 36, 14, 10, 16, 24), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    return save_workbook(wb, path)


def read_rows(path: Path, name: str | None = None) -> list[tuple[int, dict[str, str]]]:
    """(row number, values by key) of a list file; a usage error that says what is wrong with the file
    (called `name` in messages: the file as its sender knows it, when it was saved under another)."""
    name = name or path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"无法读取名单文件 {name}：{exc.strerror or exc}") from exc
    if raw[:2] == b"PK":
        table = _xlsx(path, name)
    else:
        text = next((raw.decode(enc) for enc in ("utf-8-sig", "gb18030") if _decodes(raw, enc)), None)
        if text is None:
            raise UsageError(f"名单文件 {name} 既不是 xlsx，也不是 UTF-8 或 GB18030 编码的 CSV。")
        table = list(csv.reader(io.StringIO(text)))
    if not table:
        raise UsageError(f"名单文件 {name} 是空的。")
    header = [clean_text(h or "") for h in table[0]]
    where = {key: next((i for i, h in enumerate(header) if h in names), None) for key, names in COLUMNS.items()}
    missing = [COLUMNS[k][0] for k in ("name", "parent") if where[k] is None]
    if missing:
        raise UsageError(
            f"名单文件 {name} 的第 1 行缺少列：{'、'.join(missing)}。",
            hint="第 1 行是表头：单位全称、简称、上级单位、类别、联系人、联系电话、电子邮箱（前两项和上级单位必填）。",
        )
    if len(table) - 1 > MAX_ROWS:
        raise UsageError(f"名单文件 {name} 有 {len(table) - 1} 行，超过上限 {MAX_ROWS} 行。")
    out = []
    for n, row in enumerate(table[1:], start=2):
        # kept as typed (spaces trimmed): the names are the office's; compared through clean_text
        values = {
            k: " ".join(str(row[i]).split()) if i is not None and i < len(row) and row[i] is not None else "" for k, i in where.items()
        }
        values["kind"] = KINDS.get(match_key(values["kind"]), values["kind"]) if values["kind"] else ""
        if any(values.values()):
            out.append((n, values))
    return out


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _xlsx(path: Path, name: str) -> list[list[Any]]:
    from openpyxl import load_workbook

    from ..intake.safeopen import FileProblem, open_safely

    try:  # the guards every return passes (zip bombs, DTDs, encryption) before openpyxl sees the file
        open_safely(path).close()
    except FileProblem as exc:
        raise UsageError(f"名单文件 {name}：{exc.issue.message}", hint=exc.issue.hint) from exc
    with open(path, "rb") as fh:  # by its content, whatever it is called (openpyxl refuses a name not ending .xlsx)
        try:
            wb = load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # any reader failure is a file the user must save again
            raise UsageError(
                f"名单文件 {name} 无法作为 xlsx 打开：{type(exc).__name__}", hint="请在 Excel/WPS 中另存为 .xlsx 后重试。"
            ) from exc
        try:
            ws = wb.worksheets[0]
            return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
        finally:
            wb.close()


def import_units(
    engine: Engine,
    path: Path,
    under: Unit,
    replace: bool = False,
    dry_run: bool = False,
    retire_offices: bool = False,
    name: str | None = None,
) -> UnitImport:
    """Apply an office's list to its part of the tree: all of it, or nothing with every problem named.
    With `replace`, units the list leaves out are retired; a whole office among them (a county with its
    departments) only with `retire_offices`, as a list that meant to touch the departments alone would
    otherwise take counties out of the survey. `dry_run`: say what the list would do, write nothing. `name`:
    the file as its sender calls it, for the messages (the portal keeps it under a name of its own)."""
    rows = read_rows(path, name)
    roster = tree(engine)
    plan = _plan(rows, roster, under, name or path.name)
    out = UnitImport(dry_run=dry_run)
    with Session(engine) as session:
        session.begin()
        _apply(session, plan, out)
        if replace:
            _retire(session, roster, under, {item["name"] for item in plan}, out)
            offices = out.retired_offices
            if offices and not retire_offices and not dry_run:
                session.rollback()
                said = "、".join(f"“{office}”（连同下级 {n} 个单位）" for office, n in list(offices.items())[:10])
                more = f"等 {len(offices)} 个" if len(offices) > 10 else ""
                raise UsageError(
                    f"名单里没有{said}{more}，--replace 会把它们整个停用，名册没有改动。",
                    hint="只改动部分单位的，请把这些单位也列在名单里，或不用 --replace（只新增和修改）；"
                    "确实要停用，先用 --dry-run 看清名单会做什么，再加 --retire-offices。",
                )
        recompute_paths(session)
        bump_version(session)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    return out


def _apply(session: Session, plan: list[dict[str, Any]], out: UnitImport) -> None:
    existing = {r.name: r for r in session.scalars(select(UnitRow))}
    by_code = {r.code: r for r in existing.values() if r.code}
    names = {r.id: r.name for r in existing.values()}
    made: dict[str, UnitRow] = {}
    for item in plan:  # parents before children
        parent_row = made.get(item["parent"]) or existing[item["parent"]]
        row = existing.get(item["name"])
        values = {k: item[k] or None for k in ("contact_name", "contact_phone", "contact_email")}
        if row is None:
            session.flush()
            row = UnitRow(
                name=item["name"],
                code=_next_code(parent_row, by_code),
                region_code=parent_row.region_code,
                pilot=False,
                source="import",
                active=True,
            )
            by_code[row.code] = row
            session.add(row)
            out.added.append(item["name"])
        else:
            said = _changes(row, item, parent_row, values, names)
            if said:
                out.changed.append(item["name"])
                out.changes[item["name"]] = said
            else:
                out.unchanged += 1
        row.short_name = item["short_name"] or row.short_name or item["name"]
        row.kind = item["kind"] or row.kind or "下属单位"
        row.level = "县（市、区）级" if row.kind == COUNTY else parent_row.level
        row.parent_id = parent_row.id
        row.active, row.source = True, "import"
        for k, v in values.items():
            if v:  # a contact left blank in the list keeps the one already known
                setattr(row, k, v)
        made[item["name"]] = row
        session.flush()


CHANGE_WORDS = {"short_name": "简称", "kind": "类别", "contact_name": "联系人", "contact_phone": "联系电话", "contact_email": "电子邮箱"}


def _changes(row: UnitRow, item: dict[str, Any], parent: UnitRow, contacts: dict[str, Any], names: dict[int, str]) -> list[str]:
    """What the list changes of a unit already on the roster, said as "上级：A → B" (a blank cell keeps
    what is known)."""
    out = []
    if row.parent_id != parent.id:
        out.append(f"上级：{names.get(row.parent_id, '') if row.parent_id else '无'} → {parent.name}")
    for key, word in CHANGE_WORDS.items():
        new = item[key] if key in ("short_name", "kind") else contacts[key]
        if new and new != getattr(row, key):
            out.append(f"{word}：{getattr(row, key) or '空'} → {new}")
    if not row.active:
        out.append("恢复（原已停用）")
    return out


def _retire(session: Session, roster: Roster, under: Unit, listed: set[str], out: UnitImport) -> None:
    """Retire the units of `under`'s part that the list leaves out; an office left out whole (itself and
    every unit under it) is counted apart, for the caller to ask before it goes."""
    existing = {r.name: r for r in session.scalars(select(UnitRow))}
    gone = [u for u in roster.subtree(under)[1:] if u.name not in listed and existing.get(u.name) is not None and existing[u.name].active]
    names = {u.name for u in gone}
    for u in gone:
        existing[u.name].active = False
        out.retired.append(u.name)
        parent = roster.parent_of(u)
        if roster.children(u) and (parent is None or parent.name not in names):
            below = roster.subtree(u)[1:]
            if all(k.name in names for k in below):
                out.retired_offices[u.name] = len(below)
    by_name = {u.name: u for u in gone}
    whole = {k.name for name in out.retired_offices for k in roster.subtree(by_name[name])}
    out.retired_alone = [name for name in out.retired if name not in whole]


def _next_code(parent: UnitRow, by_code: dict[str, UnitRow]) -> str:
    n = 1
    while f"{parent.code}-{n:02d}" in by_code:
        n += 1
    return f"{parent.code}-{n:02d}"


def _plan(rows: list[tuple[int, dict[str, str]]], roster: Roster, under: Unit, file: str) -> list[dict[str, Any]]:
    """The rows in the order to apply them (each after its parent), with parents resolved to full names;
    a usage error listing every problem."""
    problems: list[str] = []
    names: dict[str, int] = {}
    short: dict[str, str] = {}
    for n, v in rows:
        if not v["name"]:
            problems.append(f"第 {n} 行：单位全称为空")
            continue
        if v["name"] in names:
            problems.append(f"第 {n} 行：“{v['name']}”与第 {names[v['name']]} 行重复")
            continue
        names[v["name"]] = n
        for alias in {v["short_name"], v["name"]} - {""}:
            short.setdefault(alias, v["name"])
        known = roster.get(v["name"])
        if known is not None and not known.within(under):
            problems.append(
                f"第 {n} 行：“{v['name']}”已是“{_owner(roster, known)}”下的单位，不在“{under.name}”的管辖范围内"
                f"（要把它调到本级，请由同时管着两边的“{lowest_common(roster, [roster.parent_of(known) or known, under]).name}”导入名单，或请“{_owner(roster, known)}”先停用它）"
            )
        if known is not None and known.code == under.code:
            problems.append(f"第 {n} 行：“{v['name']}”就是本级项目办，不能列在自己的名单里")
    parent_of: dict[str, str] = {}
    for n, v in rows:
        if not v["name"] or names.get(v["name"]) != n:
            continue
        p = v["parent"]
        if not p:
            problems.append(f"第 {n} 行：“{v['name']}”没有填上级单位")
            continue
        target = short.get(p)
        if target is None:
            unit = roster.by_code.get(p) or roster.get(p) or roster.match(p).unit
            if unit is None:
                problems.append(f"第 {n} 行：上级单位“{p}”既不在名册中，也不在这份名单里")
                continue
            if not unit.within(under):
                problems.append(f"第 {n} 行：上级单位“{unit.name}”不在“{under.name}”的管辖范围内")
                continue
            target = unit.name
        if target == v["name"]:
            problems.append(f"第 {n} 行：“{v['name']}”的上级单位是它自己")
            continue
        parent_of[v["name"]] = target
    order: list[str] = []
    state: dict[str, int] = {}
    for name in parent_of:  # depth-first: parents first, a loop is a cycle
        chain = []
        node = name
        while node in parent_of and state.get(node) is None:
            state[node] = 1
            chain.append(node)
            node = parent_of[node]
        if node in parent_of and state.get(node) == 1:
            loop = chain[chain.index(node) :] if node in chain else chain
            problems.append(f"第 {names[node]} 行：上下级关系成环（{' → '.join([*loop, node])}）")
        for done in reversed(chain):
            state[done] = 2
            order.append(done)
    if problems:
        more = f"\n……共 {len(problems)} 处" if len(problems) > 30 else ""
        raise UsageError(
            f"名单文件 {file} 有 {len(problems)} 处问题，名册没有改动：\n" + "\n".join(problems[:30]) + more,
            hint="改正后重新导入；上级单位可写全称、简称或节点编号（inventory units list --under 本级 可查）。",
        )
    by_name = {v["name"]: v for _, v in rows if v["name"]}
    return [{**by_name[name], "parent": parent_of[name]} for name in order]


def _owner(roster: Roster, unit: Unit) -> str:
    parent = roster.parent_of(unit)
    return parent.name if parent else unit.name
