"""The backstop on request size: any request body over the limit ends in the portal's own 413 page.

Uploads are checked earlier with a clearer message (unit_routes); this catches everything else (a
huge form post, a body streamed without a length). The refusal is raised where the application
reads the body, so the page is drawn by the same error handler as every other error, in Chinese.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException

TOO_LARGE = "上传的内容超出了填报平台的上限。请确认上传的是填好的模板。"


class BodyLimit:
    def __init__(self, app: Any, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or ()).get(b"content-length", b"")
        declared = int(length) if length.isdigit() else None
        total = 0

        async def limited() -> Any:
            nonlocal total
            if declared is not None and declared > self.max_body_size:
                raise HTTPException(413, TOO_LARGE)
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > self.max_body_size:
                    raise HTTPException(413, TOO_LARGE)
            return message

        await self.app(scope, limited, send)
