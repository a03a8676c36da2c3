"""The audit log: who did what, when, from where and in whose part of the tree, for every action on
the portal and every change made from the command line; read by filter and page, exported, and
pruned only past the retention the law asks for (网络安全法 §21: at least six months)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, func, or_, select

from ..beijing import iso
from .models import AuditEntry, Unit

RETENTION_DAYS = 183  # six months at least
ACTION_NAMES = {
    "login": "登录",
    "login_code": "用登录码登录",
    "login_failed": "登录失败",
    "login_blocked": "登录被暂停",
    "logout": "退出登录",
    "password_set": "设置密码",
    "template_download": "下载模板",
    "upload": "上传报表",
    "upload_refused": "上传被拒",
    "feedback_download": "下载问题清单",
    "original_download": "下载原文件",
    "report_view": "查看评估报告",
    "report_download": "下载报告",
    "question": "提问",
    "question_answered": "答复提问",
    "code_issued": "发登录码",
    "account_created": "新建账号",
    "account_revoked": "停用账号",
    "reminders_sent": "发催报邮件",
    "reminders_previewed": "预览催报",
    "contact_set": "修改联系人",
    "round_set": "设置轮次与截止日期",
    "review_approved": "审核通过",
    "review_returned": "退回修改",
    "review_approve": "审核通过（逐级审核）",
    "review_return": "退回修改（逐级审核）",
    "review_exempt": "同意免报",
    "review_include": "取消免报",
    "review_submit": "报上级审核",
    "review_reopen": "重新打开",
    "denied": "越权访问被拒",
    "not_found": "访问不存在或无权查看的内容",
    "units_import": "导入单位名单",
    "units_exported": "下载单位名单",
    "units_list_refused": "单位名单未通过检查",
    "import": "报表入库（命令行）",
    "account_add": "新建账号（命令行）",
    "audit_prune": "清理过期日志",
    "audit_export": "导出操作日志",
    "query_open": "提出核实事项",
    "query_answer": "答复核实事项",
    "query_close": "关闭核实事项",
    "signoff": "签署承诺书",
    "signoff_failed": "签署承诺书失败",
    "signoff_void": "承诺书作废",
    "signoff_letter": "查看承诺书",
    "attachment_add": "上传证明材料",
    "attachment_remove": "删除证明材料",
    "attachment_download": "下载证明材料",
    "attachment_refused": "证明材料被拒",
    "attachment_zip": "打包下载证明材料",
    "planned_checked": "拟建项目预审",
    "planned_reviewed": "拟建项目预审意见",
}
ROLE_NAMES = {"unit": "单位", "reviewer": "审核人", "admin": "管理员", "office": "项目办", "cli": "命令行"}


def action_name(action: str) -> str:
    return ACTION_NAMES.get(action, action)


def record(
    engine: Engine,
    action: str,
    actor: str | None = None,
    role: str | None = None,
    address: str | None = None,
    target: str | None = None,
    detail: str | None = None,
    unit: str | None = None,
) -> None:
    """One entry; `unit`: the name of the unit or office node it belongs to (whose part of the tree)."""
    with engine.begin() as conn:
        unit_id = conn.scalar(select(Unit.id).where(Unit.name == unit)) if unit else None
        conn.execute(
            AuditEntry.__table__.insert().values(
                at=dt.datetime.now(dt.UTC),
                actor=actor,
                role=role,
                address=address,
                action=action,
                target=target,
                detail=(detail or "")[:2000] or None,
                unit_id=unit_id,
            )
        )


@dataclass
class AuditFilter:
    """Which entries: in a part of the tree (`under`: a path prefix; None for all), by action, by
    actor, by a word anywhere in target or detail, between two instants."""

    under: str | None = None
    action: str | None = None
    actor: str | None = None
    text: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def apply(self, q: Any) -> Any:
        if self.under is not None:
            q = q.join(Unit, AuditEntry.unit_id == Unit.id).where(Unit.path.startswith(self.under, autoescape=True))
        if self.action:
            q = q.where(AuditEntry.action == self.action)
        if self.actor:
            q = q.where(AuditEntry.actor == self.actor)
        if self.text:
            like = f"%{self.text.strip()}%"
            q = q.where(or_(AuditEntry.target.like(like), AuditEntry.detail.like(like), AuditEntry.actor.like(like)))
        if self.since is not None:
            q = q.where(AuditEntry.at >= self.since)
        if self.until is not None:
            q = q.where(AuditEntry.at < self.until)
        return q


def _row(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "at": iso(r.at, "seconds"),  # (SQLite hands back naive UTC: `iso` reads it so)
        "actor": r.actor,
        "role": r.role,
        "role_name": ROLE_NAMES.get(r.role or "", r.role),
        "address": r.address,
        "action": r.action,
        "action_name": action_name(r.action),
        "target": r.target,
        "detail": r.detail,
    }


def entries(engine: Engine, limit: int = 500, offset: int = 0, where: AuditFilter | None = None) -> list[dict[str, Any]]:
    """The newest entries first, a page at a time."""
    q = (where or AuditFilter()).apply(select(AuditEntry)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(q.offset(offset).limit(limit))]


def count(engine: Engine, where: AuditFilter | None = None) -> int:
    q = (where or AuditFilter()).apply(select(func.count()).select_from(AuditEntry))
    with engine.connect() as conn:
        return int(conn.scalar(q) or 0)


def stream(engine: Engine, where: AuditFilter | None = None, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """Every matching entry, oldest first, read in batches (for export)."""
    last = 0
    while True:
        q = (where or AuditFilter()).apply(select(AuditEntry)).where(AuditEntry.id > last).order_by(AuditEntry.id).limit(batch)
        with engine.connect() as conn:
            rows = [_row(r) for r in conn.execute(q)]
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1]["id"]


def prune(engine: Engine, older_than_days: int) -> int:
    """Delete entries older than `older_than_days` (never fewer than RETENTION_DAYS); how many went."""
    from ..errors import UsageError

    if older_than_days < RETENTION_DAYS:
        raise UsageError(
            f"操作日志至少保留 {RETENTION_DAYS} 天（六个月），不能清理 {older_than_days} 天以内的记录。",
            hint="《网络安全法》第二十一条要求留存网络日志不少于六个月。",
        )
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=older_than_days)
    with engine.begin() as conn:
        return int(conn.execute(delete(AuditEntry).where(AuditEntry.at < cutoff)).rowcount or 0)
