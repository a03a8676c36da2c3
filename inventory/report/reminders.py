"""催报 messages: one per unit to chase, the same words by e-mail and ready to paste into 企业微信,
钉钉 or a text message; the open round's name and deadline, and where to upload."""

from __future__ import annotations

from typing import Any


def reminder(
    chase: dict[str, Any], round_name: str, deadline: str | None, portal_url: str | None, office: str, account: bool = True
) -> dict[str, Any]:
    """One unit's message: {unit, to (e-mail or None), phone, subject, text, short}. `short` fits a text
    message. `office` is the one the unit answers to; a unit without a portal account (`account`) is
    told to hand the return to it, or to ask it for a login code, not sent to a login it cannot pass."""
    contact = chase.get("contact") or {}
    who = f"{contact['name']}您好：" if contact.get("name") else "您好："
    due = f"请于 {deadline}（北京时间当日 24 时前）" if deadline else "请尽快"
    portal = f"填报平台 {portal_url} " if portal_url else "填报平台"
    if account:
        how, briefly = f"登录{portal}上传或修改后重新上传。", f"登录{portal}处理"
    else:
        how = f"把填好的报表交给{office}，或向{office}领取登录码后登录{portal}上传（本单位还没有填报平台账号）。"
        briefly = f"交给{office}（或领取登录码后登录{portal}上传）"
    text = f"{who}\n{chase['unit']}在“{round_name}”中的报表目前{chase['reason']}。{due}{how}\n如有疑问请联系{office}。"
    short = f"【{office}】{chase['unit']}：{round_name}报表{_short_reason(chase)}，{due.replace('（北京时间当日 24 时前）', '')}{briefly}。"
    return {
        "unit": chase["unit"],
        "to": contact.get("email"),
        "phone": contact.get("phone"),
        "name": contact.get("name"),
        "subject": f"【催报】{round_name}：{chase['unit']}",
        "text": text,
        "short": short,
        "account": account,
    }


def _short_reason(chase: dict[str, Any]) -> str:
    state = chase.get("state")
    return {"not_submitted": "尚未报送", "rejected": "未通过校验", "returned": "已退回修改"}.get(state or "", "待处理")
