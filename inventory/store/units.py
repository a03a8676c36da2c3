"""The roster tree in the database: the defaults from `forms/` kept in step, an office's own list
imported over its part of the tree, and the tree read back as a `Roster`.

The database is where the tree lives once there is one: `forms/` gives the defaults (every
provincial unit, 市(州), 区(县) and their typical departments), an office replaces or extends its
part with an import (`import_units`), and a newer version of the defaults never overwrites what an
office imported (`source = "import"`) nor brings back a unit it retired (`active = False`; units are
never deleted, their returns stay theirs).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from itertools import takewhile
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, bindparam, insert, select, true, update
from sqlalchemy.orm import Session

from ..form.roster import Roster, Unit, default_units, unit_from
from ..resources import data_dir
from .models import Setting
from .models import Unit as UnitRow

ROSTER_FILES = ("units.json", "divisions.json", "departments.json")


@lru_cache(maxsize=1)
def defaults_stamp() -> str:
    """A fingerprint of the default roster files: the database syncs again when they change."""
    h = hashlib.blake2b(digest_size=8)
    for name in ROSTER_FILES:
        h.update((data_dir("forms") / name).read_bytes())
    return h.hexdigest()


def get_setting(conn: Connection | Session, key: str) -> str | None:
    return conn.scalar(select(Setting.value).where(Setting.key == key))


def put_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key) or Setting(key=key)
    row.value = value
    session.add(row)


def bump_version(session: Session) -> None:
    """Tell every process holding the tree in memory that it changed."""
    put_setting(session, "units_version", str(int(get_setting(session, "units_version") or 0) + 1))


def sync_defaults(session: Session) -> None:
    """Bring the default tree from `forms/` into the units table: new defaults are added, defaults
    nobody changed are updated, an office's imports and retirements are kept. Bulk statements: the
    first sync writes ~6,000 units."""
    conn = session.connection()
    cols = (UnitRow.id, UnitRow.name, UnitRow.code, UnitRow.source, UnitRow.contact_name, UnitRow.contact_phone, UnitRow.contact_email)
    rows = [dict(r) for r in conn.execute(select(*cols)).mappings()]
    by_code = {r["code"]: r for r in rows if r["code"]}
    by_name = {r["name"]: r for r in rows}
    inserts, updates = [], []
    for d in default_units():
        row = by_code.get(d.code)
        if row is None and (row := by_name.get(d.name)) is not None and row["code"] not in (None, d.code):
            continue  # the name is an office's own unit now: the import wins
        values = {
            "name": d.name,
            "short_name": d.short_name,
            "aliases": list(d.aliases),
            "kind": d.kind,
            "level": d.level,
            "region_code": d.region_code,
            "pilot": d.pilot,
            "code": d.code,
        }
        if row is None:
            inserts.append({**values, "source": "forms", "active": True, **_contacts(d, {})})
        elif row["source"] == "forms" and (row["name"] == d.name or d.name not in by_name):
            updates.append({**values, "_id": row["id"], **_contacts(d, row)})
    if inserts:
        conn.execute(insert(UnitRow), inserts)
    if updates:
        keys = [k for k in updates[0] if k != "_id"]
        conn.execute(update(UnitRow).where(UnitRow.id == bindparam("_id")).values({k: bindparam(k) for k in keys}), updates)
    ids = dict(conn.execute(select(UnitRow.code, UnitRow.id).where(UnitRow.code.is_not(None))).all())
    parents = [
        {"_id": ids[d.code], "parent_id": ids.get(d.parent) if d.parent else None}
        for d in default_units()
        if d.code in ids and (d.code not in by_code or by_code[d.code]["source"] == "forms")
    ]
    if parents:
        conn.execute(update(UnitRow).where(UnitRow.id == bindparam("_id")).values(parent_id=bindparam("parent_id")), parents)
    recompute_paths(session)
    put_setting(session, "roster_stamp", defaults_stamp())
    bump_version(session)
    session.flush()


def _contacts(d: Unit, row: dict[str, object]) -> dict[str, object]:
    """A default's contacts, never over one already entered."""
    return {k: row.get(k) or getattr(d, k) or None for k in ("contact_name", "contact_phone", "contact_email")}


def recompute_paths(session: Session) -> None:
    """Every unit's path from the root, by walking the parent links (a unit outside the tree keeps none)."""
    session.flush()
    conn = session.connection()
    rows = conn.execute(select(UnitRow.id, UnitRow.parent_id, UnitRow.code, UnitRow.path)).all()
    kids: dict[int | None, list[Any]] = {}
    for r in rows:
        kids.setdefault(r.parent_id, []).append(r)
    changed = []
    stack = [(r, "") for r in kids.get(None, []) if r.code]
    while stack:
        r, above = stack.pop()
        path = f"{above}{r.code}/"
        if r.path != path:
            changed.append({"_id": r.id, "path": path})
        stack.extend((k, path) for k in kids.get(r.id, []))
    if changed:
        conn.execute(update(UnitRow).where(UnitRow.id == bindparam("_id")).values(path=bindparam("path")), changed)
    session.expire_all()


def sync_if_needed(engine: Engine) -> None:
    """Sync the defaults when `forms/` holds another version of them than the database (one query otherwise)."""
    with engine.connect() as conn:
        if get_setting(conn, "roster_stamp") == defaults_stamp():
            return
    with Session(engine) as session, session.begin():
        sync_defaults(session)


def _units(conn: Connection) -> list[Unit]:
    q = select(
        UnitRow.id,
        UnitRow.code,
        UnitRow.parent_id,
        UnitRow.name,
        UnitRow.short_name,
        UnitRow.aliases,
        UnitRow.kind,
        UnitRow.level,
        UnitRow.region_code,
        UnitRow.pilot,
        UnitRow.contact_name,
        UnitRow.contact_phone,
        UnitRow.contact_email,
    ).where(UnitRow.active.is_(True), UnitRow.code.is_not(None))
    # in tree order, children by their codes: a database hands rows back in whatever order its pages hold
    # them (PostgreSQL moves an updated row to the end), and every list of the tree follows this order
    rows = conn.execute(q.order_by(UnitRow.path, UnitRow.id)).mappings().all()
    code_of = {r["id"]: r["code"] for r in rows}
    return [unit_from({**r, "parent": code_of.get(r["parent_id"])}) for r in rows]


_cache: dict[str, tuple[str, Roster]] = {}


def tree(engine: Engine) -> Roster:
    """The roster as the database holds it (active units), read once per change of the tree."""
    key = engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        version = get_setting(conn, "units_version") or ""
        held = _cache.get(key)
        if held is not None and held[0] == version:
            return held[1]
        roster = Roster(_units(conn))
    _cache[key] = (version, roster)
    return roster


def unit_ids(conn: Connection | Session, names: Iterable[str]) -> dict[str, int]:
    """Database ids of units by name."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    return dict(conn.execute(select(UnitRow.name, UnitRow.id).where(UnitRow.name.in_(wanted))).all())


def set_contact(engine: Engine, unit: str, name: str | None, phone: str | None, email: str | None) -> None:
    with Session(engine) as session, session.begin():
        session.execute(update(UnitRow).where(UnitRow.name == unit).values(contact_name=name, contact_phone=phone, contact_email=email))
        bump_version(session)


PART_BY_CODES = 2_000  # a part this small is named by its codes (the unique index); a larger one by its path prefix


def in_part(roster: Roster, node: Unit) -> ColumnElement[bool]:
    """SQL condition on `units`: at or below `node`. A node's own part is named by its codes, so its
    queries cost its size even in a national tree (a prefix LIKE cannot use the index under the
    database's collation); the whole tree needs no condition."""
    if node.parent is None:
        return true()
    part = roster.subtree(node)
    if len(part) <= PART_BY_CODES:
        return UnitRow.code.in_([u.code for u in part])
    return UnitRow.path.startswith(node.path, autoescape=True)


def lowest_common(roster: Roster, units: Iterable[Unit]) -> Unit:
    """The lowest unit that every one of `units` lies within (one of them, when it holds the others):
    the office that may decide on all of them, or move one under another."""
    chains = [[*roster.ancestors(u), u] for u in units]
    shared = list(takewhile(lambda level: len({u.code for u in level}) == 1, zip(*chains, strict=False)))
    return shared[-1][0] if shared else roster.root
