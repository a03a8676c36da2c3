"""Evidence files (证明材料): kept under their SHA-256 in `<files>/attachments/`, outside anything a
web server serves, with a row per upload: unit, round, system (or the unit as a whole), kind, the
name as sent (shown, never a path), size, sniffed type, uploader and time, and the office's check.

A file is refused, with the issue saying why, when its bytes are not an accepted type
(`intake.sniff`), when the unit's return is locked (approved, signed, or its part frozen), when its
system is not in the unit's current return, or past the per-unit limit. Nothing here knows about HTTP.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import shutil
import uuid
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..form.evidence import Evidence, load_evidence
from ..form.issues import Issue, make_issue
from ..intake.sniff import EXTENSIONS, sniff_attachment
from .audit import record
from .current import current_round_id, lock_reason
from .evidence_models import Attachment
from .models import ACCEPTED, Submission, SystemRecord, Unit

CHECK_STATES = {"checked": "已核验", "mismatch": "与所报不符"}


def folder(root: Path) -> Path:
    return Path(root) / "attachments"


def stored_path(root: Path, sha: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha):  # the name on disk is ours: a hash, never the sender's
        raise ValueError("not a SHA-256")
    return folder(root) / sha


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _unit_id(conn: Any, unit: str) -> int:
    uid = conn.scalar(select(Unit.id).where(Unit.name == unit))
    if uid is None:
        raise UsageError(f"名册中没有单位“{unit}”。")
    return uid


def current_systems(conn: Any, unit_id: int, round_id: int | None) -> dict[str, str]:
    """系统编号 -> 系统名称 in the unit's current return of the round."""
    q = (
        select(SystemRecord.system_no, SystemRecord.system_name)
        .join(Submission, SystemRecord.submission_id == Submission.id)
        .where(Submission.unit_id == unit_id, Submission.status == ACCEPTED)
    )
    q = q.where(Submission.round_id == round_id) if round_id is not None else q.where(Submission.round_id.is_(None))
    return {no: name or "" for no, name in conn.execute(q) if no}


def add(
    engine: Engine,
    root: Path,
    unit: str,
    kind: str,
    path: Path,
    name: str,
    uploader: str | None,
    system_no: str | None = None,
    evidence: Evidence | None = None,
) -> tuple[dict[str, Any] | None, Issue | None]:
    """Keep one evidence file: (its row, None), or (None, the issue saying why it was not kept)."""
    ev = evidence or load_evidence()
    k = ev.kind(kind) or ev.by_name(kind)
    shown = Path(name.replace("\\", "/")).name[:200] or "证明材料"
    if k is None:
        titles = "、".join(x.title for x in ev.kinds.values())
        return None, make_issue("ATTACH_KIND", file=shown, value=kind, expected=titles)
    system_no = (system_no or "").strip() or None
    if k.per == "unit":
        system_no = None
    elif system_no is None:
        return None, make_issue("ATTACH_SYSTEM", file=shown, value="（未选系统）")
    media, issue = sniff_attachment(path, shown, ev)
    if issue is not None:
        return None, issue
    sha = _sha(path)
    with engine.begin() as conn:
        uid = _unit_id(conn, unit)
        round_id = current_round_id(conn)
        why = lock_reason(conn, uid, round_id)
        if why:
            return None, make_issue("ATTACH_LOCKED", file=shown, value=why)
        if system_no is not None and system_no not in current_systems(conn, uid, round_id):
            return None, make_issue("ATTACH_SYSTEM", file=shown, value=system_no)
        live = select(Attachment.id).where(Attachment.unit_id == uid, Attachment.removed_at.is_(None))
        live = live.where(Attachment.round_id == round_id) if round_id is not None else live.where(Attachment.round_id.is_(None))
        same = conn.scalar(
            live.where(
                Attachment.sha256 == sha,
                Attachment.kind == k.key,
                Attachment.system_no.is_(system_no) if system_no is None else Attachment.system_no == system_no,
            )
        )
        if same is not None:
            return attachment(engine, same), None
        count = conn.scalar(select(func.count()).select_from(live.subquery()))
        if count >= ev.max_files:
            return None, make_issue("ATTACH_TOO_MANY", file=shown, value=count)
        target = stored_path(root, sha)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            part = target.with_name(f".{uuid.uuid4().hex}.part")
            shutil.copyfile(path, part)
            os.replace(part, target)
        new_id = conn.execute(
            insert(Attachment).values(
                unit_id=uid,
                round_id=round_id,
                system_no=system_no,
                kind=k.key,
                file_name=shown,
                sha256=sha,
                size=path.stat().st_size,
                media=media,
                uploader=uploader,
                uploaded_at=dt.datetime.now(dt.UTC),
            )
        ).inserted_primary_key[0]
    record(engine, "attachment_add", actor=uploader, target=unit, detail=f"{system_no or '单位'} {k.title} {shown} SHA-256 {sha}")
    return attachment(engine, new_id), None


def _as_dict(a: Attachment, unit: str, ev: Evidence) -> dict[str, Any]:
    k = ev.kind(a.kind)
    return {
        "id": a.id,
        "unit": unit,
        "round_id": a.round_id,
        "system_no": a.system_no,
        "kind": a.kind,
        "kind_title": k.title if k else a.kind,
        "file_name": a.file_name,
        "sha256": a.sha256,
        "size": a.size,
        "media": a.media,
        "uploader": a.uploader,
        "uploaded_at": a.uploaded_at,
        "removed": a.removed_at is not None,
        "check_state": a.check_state,
        "check_name": CHECK_STATES.get(a.check_state or "", "待核验"),
        "check_note": a.check_note,
        "checked_by": a.checked_by,
        "checked_at": a.checked_at,
    }


def attachment(engine: Engine, attachment_id: int) -> dict[str, Any]:
    with Session(engine) as s:
        row = s.execute(
            select(Attachment, Unit.name).join(Unit, Attachment.unit_id == Unit.id).where(Attachment.id == attachment_id)
        ).first()
    if row is None:
        raise UsageError(f"没有编号为 {attachment_id} 的证明材料。")
    return _as_dict(row[0], row[1], load_evidence())


def listing(engine: Engine, unit: str | None = None, round_id: int | None = None, current: bool = True) -> list[dict[str, Any]]:
    """The evidence kept (not removed), of one unit or all, in the current round unless `round_id`
    says otherwise; by unit, system and kind."""
    ev = load_evidence()
    with Session(engine) as s:
        rid = round_id if round_id is not None or not current else current_round_id(s.connection())
        q = select(Attachment, Unit.name).join(Unit, Attachment.unit_id == Unit.id).where(Attachment.removed_at.is_(None))
        q = q.where(Attachment.round_id == rid) if rid is not None else q.where(Attachment.round_id.is_(None))
        if unit:
            q = q.where(Unit.name == unit)
        q = q.order_by(Unit.name, Attachment.system_no, Attachment.kind, Attachment.id)
        return [_as_dict(a, name, ev) for a, name in s.execute(q)]


def check(engine: Engine, attachment_id: int, state: str, note: str | None, actor: str | None) -> dict[str, Any]:
    """The office marks a file checked, or not matching what the return says (a note is required)."""
    if state not in CHECK_STATES:
        raise UsageError(f"核验结论只能是 {'、'.join(CHECK_STATES)}（{'、'.join(CHECK_STATES.values())}）。")
    note = (note or "").strip()[:2000] or None
    if state == "mismatch" and not note:
        raise UsageError("“与所报不符”须写明哪里不符。", hint="说明会显示给单位。")
    a = attachment(engine, attachment_id)
    with engine.begin() as conn:
        conn.execute(
            update(Attachment)
            .where(Attachment.id == attachment_id)
            .values(check_state=state, check_note=note, checked_by=actor, checked_at=dt.datetime.now(dt.UTC))
        )
    record(
        engine,
        "attachment_check",
        actor=actor,
        role="office",
        target=str(attachment_id),
        detail=f"{a['unit']} {CHECK_STATES[state]} {note or ''}",
    )
    return attachment(engine, attachment_id)


def remove(engine: Engine, attachment_id: int, unit: str, actor: str | None) -> None:
    """The unit takes back a file it sent (kept as history), unless its return is locked."""
    with engine.begin() as conn:
        row = conn.execute(
            select(Attachment.id, Attachment.round_id)
            .join(Unit, Attachment.unit_id == Unit.id)
            .where(Attachment.id == attachment_id, Unit.name == unit)
        ).first()
        if row is None:
            raise UsageError(f"没有编号为 {attachment_id} 的证明材料。")
        why = lock_reason(conn, _unit_id(conn, unit), row.round_id)
        if why:
            raise UsageError(f"{why}，不能删除证明材料。", hint="需要修改的，请联系项目办重新打开。")
        conn.execute(update(Attachment).where(Attachment.id == attachment_id).values(removed_at=dt.datetime.now(dt.UTC)))
    record(engine, "attachment_remove", actor=actor, target=unit, detail=str(attachment_id))


def archive_name(a: dict[str, Any]) -> str:
    """A file's name in the unit's zip: ours, from the system number and kind (no path parts)."""
    who = re.sub(r"[^\w.\-（）()]+", "_", a["system_no"] or "单位").strip("._") or "系统"
    return f"{who}_{a['kind_title']}_{a['id']}{EXTENSIONS[a['media']][0]}".replace("/", "_")


def write_zip(engine: Engine, root: Path, unit: str, out: Path | io.BytesIO) -> int:
    """Every evidence file of a unit in the current round in one zip, with a 清单.csv (names,
    systems, kinds, SHA-256, uploader, check); how many files went in."""
    rows = listing(engine, unit)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:  # scans and PDFs are compressed already
        manifest = io.StringIO()
        w = csv.writer(manifest)
        w.writerow(["文件", "系统编号", "材料种类", "原文件名", "SHA-256", "大小（字节）", "上传人", "上传时间（UTC）", "核验"])
        for a in rows:
            src = stored_path(root, a["sha256"])
            if not src.exists():
                continue
            arc = archive_name(a)
            zf.write(src, arc)
            cells = [
                arc,
                a["system_no"] or "（单位）",
                a["kind_title"],
                a["file_name"],
                a["sha256"],
                a["size"],
                a["uploader"] or "",
                a["uploaded_at"].isoformat(timespec="seconds"),
                a["check_name"],
            ]
            w.writerow([_cell(c) for c in cells])
        zf.writestr("清单.csv", "\ufeff" + manifest.getvalue())
    return len(rows)


def _cell(value: object) -> str:
    """A cell of the manifest: a text a spreadsheet would run as a formula is kept as text."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def evidence_folder(workbook: Path, evidence: Evidence | None = None) -> Path:
    """Where the CLI looks for a return's evidence: `<workbook name>-证明材料/` beside it."""
    ev = evidence or load_evidence()
    return workbook.with_name(workbook.stem + ev.folder_suffix)


def import_folder(engine: Engine, root: Path, unit: str, source: Path, uploader: str | None) -> tuple[list[dict[str, Any]], list[Issue]]:
    """Every file in a return's evidence folder, named `<系统编号>_<材料名称>[_说明].<扩展名>` or
    `单位_<材料名称>[_说明].<扩展名>`: (the files kept, the issues of those not kept). A file that cannot
    be kept never stops the others, nor the return."""
    ev = load_evidence()
    with engine.connect() as conn:
        systems = current_systems(conn, _unit_id(conn, unit), current_round_id(conn))
    kept: list[dict[str, Any]] = []
    issues: list[Issue] = []
    for p in sorted(source.iterdir(), key=lambda x: x.name):
        if p.name.startswith((".", "~$")) or p.is_dir():
            continue
        if p.is_symlink():
            issues.append(make_issue("ATTACH_TYPE", file=p.name, value="快捷方式（符号链接）"))
            continue
        parts = p.stem.split("_")
        owner = next(("_".join(parts[:i]) for i in range(len(parts) - 1, 0, -1) if "_".join(parts[:i]) in (*systems, ev.unit_prefix)), None)
        if owner is None:
            code = "ATTACH_SYSTEM" if len(parts) > 1 else "ATTACH_NAME"
            issues.append(make_issue(code, file=p.name, value=parts[0] if code == "ATTACH_SYSTEM" else p.name))
            continue
        kind_name = parts[len(owner.split("_"))]
        k = ev.by_name(kind_name)
        if k is None or (k.per == "unit") != (owner == ev.unit_prefix):
            allowed = ev.for_unit() if owner == ev.unit_prefix else ev.for_system()
            issues.append(make_issue("ATTACH_KIND", file=p.name, value=kind_name, expected="、".join(x.title for x in allowed)))
            continue
        row, issue = add(engine, root, unit, k.key, p, p.name, uploader, None if owner == ev.unit_prefix else owner, ev)
        if issue is not None:
            issues.append(issue)
        elif row is not None:
            kept.append(row)
    return kept, issues
