"""催报 reminders by e-mail, when the office configures an SMTP server (with login and TLS if it asks)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

from .config import Settings


def send_reminders(settings: Settings, messages: list[dict[str, Any]]) -> tuple[int, int, int]:
    """Send each message that has an address: (sent, without address, failed)."""
    host, _, port = (settings.smtp or "").partition(":")
    tls = settings.smtp_tls
    sent = skipped = failed = 0
    if tls == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, int(port or 465), timeout=20, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, int(port or (587 if tls == "starttls" else 25)), timeout=20)
    with server:
        if tls == "starttls":
            server.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            server.login(settings.smtp_user, settings.smtp_password or "")
        for m in messages:
            if not m.get("to"):
                skipped += 1
                continue
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = settings.smtp_sender, m["to"], m["subject"]
            msg.set_content(m["text"])
            try:
                server.send_message(msg)
                sent += 1
            except smtplib.SMTPException:
                failed += 1
    return sent, skipped, failed
