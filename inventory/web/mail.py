"""催报 reminders by e-mail, when the office configures an SMTP server."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any


def send_reminders(smtp: str, chase: list[dict[str, Any]], form: Any, sender: str = "inventory@localhost") -> tuple[int, int, int]:
    """One message per unit to chase that has an e-mail address: (sent, without address, failed)."""
    host, _, port = smtp.partition(":")
    sent = skipped = failed = 0
    round_name, deadline = form.round.get("name", ""), form.round.get("deadline")
    with smtplib.SMTP(host, int(port or 25), timeout=20) as server:
        for c in chase:
            to = c["contact"].get("email")
            if not to:
                skipped += 1
                continue
            msg = EmailMessage()
            msg["From"], msg["To"] = sender, to
            msg["Subject"] = f"【催报】{round_name}"
            due = f"请于 {deadline} 前" if deadline else "请尽快"
            msg.set_content(
                f"{c['contact'].get('name') or ''}您好：\n\n{c['unit']}的摸底评估报表目前{c['reason']}。{due}登录填报平台上传。\n\n"
                f"{form.round.get('contact', '项目办')}\n"
            )
            try:
                server.send_message(msg)
                sent += 1
            except smtplib.SMTPException:
                failed += 1
    return sent, skipped, failed
