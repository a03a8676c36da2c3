"""`inventory serve`: the web portal on the same library and database as the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import UsageError
from . import render
from .app import DbOpt, app
from .render import out


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="监听地址；只在本机用时保持 127.0.0.1，放在反向代理后面时也一样。")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口。")] = 8000,
    db: DbOpt = None,
    workers: Annotated[int, typer.Option("--workers", help="工作进程数；多人共用 PostgreSQL 时可设为 CPU 核数。")] = 1,
    files: Annotated[Path | None, typer.Option("--files", help="保存上传原文件和会话密钥的文件夹（默认在 SQLite 数据库旁）。")] = None,
    secure_cookies: Annotated[
        bool | None,
        typer.Option(
            "--secure-cookies/--no-secure-cookies",
            help="登录 Cookie 是否只走 HTTPS。不写时自动：请求经 HTTPS 到达（反向代理在 X-Forwarded-Proto 中说明）就只走 HTTPS。",
        ),
    ] = None,
    idle_minutes: Annotated[int, typer.Option("--idle-minutes", help="登录后多少分钟不操作就自动退出。")] = 30,
    password_days: Annotated[int | None, typer.Option("--password-days", help="密码有效天数，到期须改密码；不写则不过期。")] = None,
    validations: Annotated[int, typer.Option("--validations", help="每个工作进程同时校验的上传数（其余排队）。")] = 2,
    smtp: Annotated[str | None, typer.Option("--smtp", help="发催报邮件用的 SMTP 服务器，如 mail.example.gov.cn:25。")] = None,
    max_upload_mb: Annotated[float, typer.Option("--max-upload-mb", help="单个上传文件的大小上限（MB）。")] = 20,
    smtp_tls: Annotated[str, typer.Option("--smtp-tls", help="与邮件服务器的加密方式：none、starttls 或 ssl。")] = "none",
    smtp_user: Annotated[
        str | None, typer.Option("--smtp-user", help="登录邮件服务器的用户名；密码放在环境变量 INVENTORY_SMTP_PASSWORD 中。")
    ] = None,
    smtp_sender: Annotated[str, typer.Option("--smtp-sender", help="催报邮件的发件人地址。")] = "inventory@localhost",
    public_url: Annotated[
        str | None, typer.Option("--public-url", help="单位访问填报平台的地址（如 https://tb.example.gov.cn），写进催报消息和登录码消息。")
    ] = None,
) -> None:
    """启动填报平台（网页）：单位登录后下载模板、上传报表、看问题并重报；项目办审核、催报、下载报告。"""
    from ..store.db import resolve_url
    from ..web.config import Settings, default_files
    from ..web.server import prepare, run

    if workers < 1 or not (0 < port < 65536) or max_upload_mb <= 0 or idle_minutes < 1 or validations < 1 or (password_days or 1) < 1:
        raise UsageError(
            "--workers、--idle-minutes、--validations、--password-days 至少为 1，--port 在 1～65535 之间，--max-upload-mb 大于 0。"
        )
    if smtp_tls not in ("none", "starttls", "ssl"):
        raise UsageError("--smtp-tls 只能是 none、starttls 或 ssl。")
    url = resolve_url(db)
    settings = Settings(
        db=url,
        files=files or default_files(url),
        secure_cookies=secure_cookies,
        max_upload=int(max_upload_mb * 1024 * 1024),
        smtp=smtp,
        idle_minutes=idle_minutes,
        password_days=password_days,
        validations=validations,
    )
    settings.smtp_tls, settings.smtp_user, settings.smtp_sender, settings.public_url = smtp_tls, smtp_user, smtp_sender, public_url
    settings.warm = True
    first = prepare(settings)
    if first:
        out.print(f"[bold green]已创建省级管理员账号[/]：用户名 [bold]{first[0]}[/]，密码 [bold]{first[1]}[/]")
        out.print("这个密码只显示这一次；第一次登录时必须改成新密码。")
    else:
        from ..store.accounts import province_admins
        from ..store.db import open_db

        names = "、".join(render.esc(n) for n in province_admins(open_db(url)))
        out.print(f"已有省级管理员账号：[bold]{names}[/]，用它登录后在“项目办账号”页管理各级账号。")
    out.print(f"填报平台已启动：http://{host}:{port}/  （按 Ctrl+C 停止）")
    run(settings, host, port, workers)
