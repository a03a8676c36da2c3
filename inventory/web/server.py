"""`inventory serve`: the first admin on first start, then uvicorn (one process, or several workers)."""

from __future__ import annotations

import os
from typing import Any

from .config import Settings


def prepare(settings: Settings) -> tuple[str, str] | None:
    """Create the database and the first admin account if there is none: (username, password) once."""
    import datetime as dt

    from ..store import sessions, throttle
    from ..store.accounts import ensure_admin
    from ..store.db import open_db

    settings.files.mkdir(parents=True, exist_ok=True)
    settings.secret()
    engine = open_db(settings.db)
    sessions.forget_old(engine)  # sessions that began over 30 days ago (the audit log keeps the sign-ins)
    throttle.forget_old(engine, dt.timedelta(days=1))  # sign-in counters whose window ended long ago
    return ensure_admin(engine)


def run(settings: Settings, host: str, port: int, workers: int = 1, log_level: str = "warning", **extra: Any) -> None:
    import uvicorn

    if workers > 1:  # worker processes read the settings from the environment
        os.environ.update(settings.to_env())
        uvicorn.run(
            "inventory.web.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            proxy_headers=True,
            **extra,
        )
    else:
        from .app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, proxy_headers=True, **extra)
