"""The audit log's entries as a person reads them: a request ("GET /office/submissions/12") as the
portal page in Chinese ("打开：报送 12 的审核页"), a report file by its Chinese name, a role in Chinese.
Used by the log's page and by both exports (portal and CLI); no web framework is needed here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

# the portal's pages, said in Chinese for the log ({0}: the number or code in the path)
PAGES = [
    (r"/office/submissions/(\d+)/original", "报送 {0} 的原文件"),
    (r"/office/submissions/(\d+)/decision", "报送 {0} 的审核结论"),
    (r"/office/submissions/approve", "批量审核通过"),
    (r"/office/submissions/(\d+)", "报送 {0} 的审核页"),
    (r"/office/submissions", "审核队列"),
    (r"/office/units/(\d+)/code", "单位（编号 {0}）的登录码"),
    (r"/office/units/(\d+)/contact", "单位（编号 {0}）的联系人"),
    (r"/office/units/(\d+)/files\.zip", "单位（编号 {0}）的全部原文件"),
    (r"/office/units/(?:codes|issued)", "批量发登录码"),
    (r"/office/units/list\.xlsx", "下载单位名单"),
    (r"/office/units/list/confirm", "确认导入单位名单"),
    (r"/office/units/list", "单位名单导入"),
    (r"/office/units", "单位与登录码"),
    (r"/office/reports/unit/(\d+)\.html", "单位（编号 {0}）的评估报告"),
    (r"/office/reports/([a-z]+)\.(\w+)", "报告“{0}”（{1}）"),
    (r"/office/reports", "报告下载"),
    (r"/office/accounts/(\d+)/revoke", "停用账号（编号 {0}）"),
    (r"/office/accounts", "项目办账号"),
    (r"/office/questions/(\d+)/answer", "答复提问 {0}"),
    (r"/office/questions", "单位提问"),
    (r"/office/queries/(\d+)/close", "关闭核实事项 {0}"),
    (r"/office/queries", "核实事项"),
    (r"/office/levels/([^/]+)/(\w+)", "逐级审核：{1}（单位编号 {0}）"),
    (r"/office/levels", "逐级审核"),
    (r"/office/audit\.xlsx", "导出操作日志"),
    (r"/office/audit", "操作日志"),
    (r"/office/remind", "催报"),
    (r"/office/round", "轮次与截止日期"),
    (r"/office/evidence/unit/(\d+)\.zip", "单位（编号 {0}）的证明材料"),
    (r"/office/evidence/(\d+)/(check|download)", "证明材料 {0}"),
    (r"/office/evidence", "证明材料"),
    (r"/office/planned/(\d+)/.*", "拟建项目 {0}"),
    (r"/office/planned.*", "拟建项目预审"),
    (r"/office/signoffs/(\d+)/(letter|void)", "承诺书 {0}"),
    (r"/office/signoffs", "承诺书"),
    (r"/office", "工作台"),
    (r"/unit/submissions/(\d+)/feedback", "报送 {0} 的问题清单"),
    (r"/unit/submissions/(\d+)/original", "报送 {0} 的原文件"),
    (r"/unit/submissions/(\d+)", "报送 {0}"),
    (r"/unit/evidence.*", "证明材料"),
    (r"/unit/queries.*", "核实事项"),
    (r"/unit/signoff.*", "承诺书"),
    (r"/unit/template", "下载模板"),
    (r"/unit/report", "本单位评估报告"),
    (r"/unit.*", "单位首页"),
]
METHODS = {"GET": "打开", "POST": "提交", "HEAD": "打开"}
ROLE_WORDS = {"admin": "管理员", "reviewer": "审核人"}


def shown_target(target: str | None) -> str:
    """A target as a person reads it: a request ("GET /office/submissions/12") as the page in Chinese
    ("打开：报送 12 的审核页"), a report file ("coverage.html", "unit:X") by its Chinese name; others as they are."""
    from ..report.names import FILE_NAMES
    from ..workflow.approvals import ACTIONS

    text = target or ""
    method, _, path = text.partition(" ")
    if method in METHODS and path.startswith("/"):
        path = path.split("?", 1)[0].rstrip("/") or "/"
        for pattern, words in PAGES:
            m = re.fullmatch(pattern, path)
            if m:
                parts = [ACTIONS.get(g, FILE_NAMES.get(g, g)) for g in m.groups()]
                return f"{METHODS[method]}：{words.format(*parts)}"
        return f"{METHODS[method]}：其他页面"
    if text.startswith("unit:"):
        return f"单位评估报告：{text[5:]}"
    kind, dot, fmt = text.rpartition(".")
    if dot and kind in FILE_NAMES and fmt in ("html", "xlsx", "json", "md"):
        return f"{FILE_NAMES[kind]}（{fmt}）"
    return text


def shown_detail(detail: str | None) -> str:
    """A detail as a person reads it: a role written in English by older entries ("admin，德阳市…") in Chinese."""
    text = detail or ""
    head, sep, rest = text.partition("，")
    return f"{ROLE_WORDS[head]}{sep}{rest}" if sep and head in ROLE_WORDS else text


def described(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Entries for an export: target and detail in Chinese, the request as recorded kept beside them."""
    for r in rows:
        yield {**r, "target": shown_target(r.get("target")), "detail": shown_detail(r.get("detail")), "request": r.get("target")}
