"""The portal's settings: from `inventory serve`'s options or, for extra worker processes, the environment."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

MAX_UPLOAD_MB = 20


@dataclass
class Settings:
    db: str  # the database URL
    files: Path  # originals as received, and the session secret
    # None (the default): cookies are Secure whenever the request came by HTTPS (the reverse proxy
    # says so in X-Forwarded-Proto); True: always Secure; False: never (plain HTTP on a test machine)
    secure_cookies: bool | None = None
    max_upload: int = MAX_UPLOAD_MB * 1024 * 1024
    smtp: str | None = None  # host[:port] for 催报 reminders; none: reminders are not offered
    smtp_tls: str = "none"  # none | starttls | ssl
    smtp_user: str | None = None  # log in to the SMTP server as (its password only from INVENTORY_SMTP_PASSWORD)
    smtp_sender: str = "inventory@localhost"  # the From of reminders
    public_url: str | None = None  # the portal's address as units reach it, written into reminders
    warm: bool = False  # load the FAQ search (its sentence encoder) when the server starts, not on the first search
    idle_minutes: int = 30  # a session unused this long ends
    session_hours: int = 8  # and every session ends this long after sign-in
    password_days: int | None = None  # passwords expire after this many days (none: they do not)
    validations: int = 2  # uploads validated at once by this process (each in a child process)
    queue: int = 64  # uploads that may wait for a validation slot; beyond that: 503 with a Chinese message
    per_session: int = 2  # uploads one session may have in flight (validating or waiting); beyond: 429

    @property
    def smtp_password(self) -> str | None:
        return os.environ.get("INVENTORY_SMTP_PASSWORD") or None

    @property
    def session_idle(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.idle_minutes)

    @property
    def session_lifetime(self) -> dt.timedelta:
        return dt.timedelta(hours=self.session_hours)

    @classmethod
    def from_env(cls) -> Settings:
        from ..store.db import resolve_url

        db = resolve_url(os.environ.get("INVENTORY_DB"))
        files = os.environ.get("INVENTORY_FILES")
        secure = os.environ.get("INVENTORY_SECURE_COOKIES")
        days = os.environ.get("INVENTORY_PASSWORD_DAYS")
        return cls(
            db=db,
            files=Path(files) if files else default_files(db),
            secure_cookies=None if secure in (None, "", "auto") else secure == "1",
            max_upload=int(float(os.environ.get("INVENTORY_MAX_UPLOAD_MB", MAX_UPLOAD_MB)) * 1024 * 1024),
            smtp=os.environ.get("INVENTORY_SMTP") or None,
            smtp_tls=os.environ.get("INVENTORY_SMTP_TLS") or "none",
            smtp_user=os.environ.get("INVENTORY_SMTP_USER") or None,
            smtp_sender=os.environ.get("INVENTORY_SMTP_SENDER") or "inventory@localhost",
            public_url=os.environ.get("INVENTORY_PUBLIC_URL") or None,
            warm=os.environ.get("INVENTORY_WARM") == "1",
            idle_minutes=int(os.environ.get("INVENTORY_IDLE_MINUTES", 30)),
            session_hours=int(os.environ.get("INVENTORY_SESSION_HOURS", 8)),
            password_days=int(days) if days else None,
            validations=int(os.environ.get("INVENTORY_VALIDATIONS", 2)),
        )

    def to_env(self) -> dict[str, str]:
        env = {
            "INVENTORY_DB": self.db,
            "INVENTORY_FILES": str(self.files),
            "INVENTORY_MAX_UPLOAD_MB": str(self.max_upload / 1024 / 1024),
            "INVENTORY_IDLE_MINUTES": str(self.idle_minutes),
            "INVENTORY_SESSION_HOURS": str(self.session_hours),
            "INVENTORY_VALIDATIONS": str(self.validations),
        }
        if self.secure_cookies is not None:
            env["INVENTORY_SECURE_COOKIES"] = "1" if self.secure_cookies else "0"
        if self.password_days:
            env["INVENTORY_PASSWORD_DAYS"] = str(self.password_days)
        if self.smtp:
            env["INVENTORY_SMTP"] = self.smtp
        env["INVENTORY_SMTP_TLS"], env["INVENTORY_SMTP_SENDER"] = self.smtp_tls, self.smtp_sender
        if self.warm:
            env["INVENTORY_WARM"] = "1"
        for key, value in (("INVENTORY_SMTP_USER", self.smtp_user), ("INVENTORY_PUBLIC_URL", self.public_url)):
            if value:
                env[key] = value
        return env

    def secret(self) -> str:
        """The key that signs session cookies: from INVENTORY_SECRET, else made once and kept beside the files."""
        if os.environ.get("INVENTORY_SECRET"):
            return os.environ["INVENTORY_SECRET"]
        path = self.files / "session.key"
        self.files.mkdir(parents=True, exist_ok=True)
        try:  # the first worker to start makes it; the others read it
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
        return path.read_text().strip()


def default_files(db: str) -> Path:
    """Beside a SQLite database (inventory.db -> inventory-files/); else in the current folder."""
    url = make_url(db)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        p = Path(url.database)
        return p.with_name(p.stem + "-files")
    return Path("inventory-files")
