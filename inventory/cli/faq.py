"""Knowledge-base commands: search, show, list, export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import UsageError
from . import render
from .app import JsonOpt, KbDirOpt, emit_json, kb_app


def _kb(kb_dir: Path | None):  # type: ignore[no-untyped-def]
    from ..kb.search import KnowledgeBase

    if kb_dir is not None and not kb_dir.is_dir():
        raise UsageError(f"知识库文件夹 {kb_dir} 不存在。")
    return KnowledgeBase.load(kb_dir)


@kb_app.command("search")
def kb_search(
    query: Annotated[str, typer.Argument(help="问题或关键词，如“等保怎么填”“万元”。", show_default=False, metavar="问题")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=50, help="最多返回几条。")] = 3,
    as_json: JsonOpt = False,
    kb_dir: KbDirOpt = None,
) -> None:
    """检索常见问题：支持同义词、简称、错别字（同音字）和繁体字。"""
    result = _kb(kb_dir).search(query, limit)
    if as_json:
        emit_json(result.as_dict())
    else:
        render.kb_results(result)


@kb_app.command("show")
def kb_show(
    entry_id: Annotated[str, typer.Argument(help="条目编号，如 money-unit。", show_default=False, metavar="条目编号")],
    kb_dir: KbDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """显示一个条目的完整答案。"""
    kb = _kb(kb_dir)
    entry = kb.get(entry_id)
    if entry is None:
        from rapidfuzz import process

        near = [m[0] for m in process.extract(entry_id, [e.id for e in kb.entries], limit=3)]
        raise UsageError(f"没有编号为“{entry_id}”的条目。最接近的：{'、'.join(near)}。", hint="用 `inventory kb list` 查看全部条目。")
    if as_json:
        emit_json(entry.as_dict())
    else:
        render.kb_entry(entry)


@kb_app.command("list")
def kb_list(as_json: JsonOpt = False, kb_dir: KbDirOpt = None) -> None:
    """列出全部条目（按类别）。"""
    entries = _kb(kb_dir).entries
    if as_json:
        emit_json([{k: v for k, v in e.as_dict().items() if k != "answer"} for e in entries])
    else:
        render.kb_list(entries)


@kb_app.command("export")
def kb_export(
    html_file: Annotated[Path, typer.Option("--html", help="导出为一个可离线打开、带检索框的网页。")], kb_dir: KbDirOpt = None
) -> None:
    """导出知识库网页，发给不用命令行的同事。"""
    from ..kb.html import export_html
    from ..report.formats import write_text

    render.paths_made("已导出知识库网页", [write_text(html_file, export_html(_kb(kb_dir)))])
