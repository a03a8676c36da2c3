"""Commands to review findings: list them with their state; confirm, dismiss or mark them fixed."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from . import render
from .app import AsOfOpt, DbOpt, JsonOpt, RoundOpt, UnderOpt, emit_json, findings_app, parse_as_of

IdsArg = Annotated[
    list[str],
    typer.Argument(help="发现的编号（`findings list` 中的“编号”，至少写前4位），可写多个。", show_default=False, metavar="编号..."),
]


def _reports(db: str | None, as_of: str | None, round_key: str | None = None, under: str | None = None):  # type: ignore[no-untyped-def]
    from ..report import Reports
    from ..store.db import open_db

    return Reports(open_db(db, create_missing=False), as_of=parse_as_of(as_of), round_key=round_key, under=under)


@findings_app.command("list")
def findings_list(
    state: Annotated[
        str, typer.Option("--state", help="open（待审核）、confirmed（已确认）、dismissed（已排除）、fixed（已整改）或 all；写中文也可以。")
    ] = "all",
    unit: Annotated[str | None, typer.Option("--unit", help="只看名称中含有这几个字的单位。")] = None,
    code: Annotated[str | None, typer.Option("--code", help="只看这一种发现，如 FIND_NOT_ON_CLOUD。")] = None,
    under: UnderOpt = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
    as_of: AsOfOpt = None,
    round_key: RoundOpt = None,
) -> None:
    """列出评估发现及其审核状态（待审核、已确认、已排除、已整改）和编号；--under 只列某一级及其下级的。"""
    from ..report.review import list_findings

    rows = list_findings(_reports(db, as_of, round_key, under), state, unit, code)
    if as_json:
        emit_json({"findings": rows})
    else:
        render.findings_table(rows)


@findings_app.command("words")
def findings_words(
    min_units: Annotated[int, typer.Option("--min-units", help="只列至少这么多个单位用到的词。", min=1)] = 2,
    as_json: JsonOpt = False,
    db: DbOpt = None,
    round_key: RoundOpt = None,
) -> None:
    """列出系统名称里查重词表（forms/names.json）还不认识的业务词，供补充同义词或专业词。"""
    from ..assess import unknown_words

    r = _reports(db, None, round_key)
    rows = unknown_words(r.systems, r.roster, min_units)
    if as_json:
        emit_json({"words": rows})
    else:
        render.unknown_words(rows)


def _review(
    ids: list[str],
    state: str,
    reason: str | None,
    operator: str | None,
    as_json: bool,
    db: str | None,
    as_of: str | None,
    under: str | None,
) -> None:
    """With `under`, only the findings of that office's part can be named (as `findings list --under` lists them)."""
    from ..report.review import review_findings

    done = review_findings(_reports(db, as_of, under=under), ids, state, reason, operator)
    if as_json:
        emit_json({"reviewed": done})
    else:
        render.reviews_done(done)


ReasonOpt = Annotated[str | None, typer.Option("--reason", help="理由或说明（排除时必填）。")]
OperatorOpt = Annotated[str | None, typer.Option("--operator", help="审核人，记入审核记录。")]


def _reviewing(state: str, doc: str) -> Any:
    """The command that records one conclusion (confirm, dismiss, fixed): the same options for each."""

    def command(
        ids: IdsArg,
        reason: ReasonOpt = None,
        operator: OperatorOpt = None,
        under: UnderOpt = None,
        as_json: JsonOpt = False,
        db: DbOpt = None,
        as_of: AsOfOpt = None,
    ) -> None:
        _review(ids, state, reason, operator, as_json, db, as_of, under)

    command.__doc__ = doc
    return command


findings_app.command("confirm")(_reviewing("confirmed", "确认发现属实，需要整改。"))
findings_app.command("dismiss")(_reviewing("dismissed", "排除一条发现（须写理由）。单位重报后证据不变的不再出现，证据变了会重新列出。"))
findings_app.command("fixed")(_reviewing("fixed", "标记发现已整改。"))


@findings_app.command("review")
def findings_review(
    ids: IdsArg,
    state: Annotated[str, typer.Option("--state", help="审核结论：confirmed、dismissed 或 fixed。")],
    reason: ReasonOpt = None,
    operator: OperatorOpt = None,
    under: UnderOpt = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """审核发现：--state confirmed（确认）、dismissed（排除，须写理由）或 fixed（已整改）。"""
    _review(ids, state, reason, operator, as_json, db, as_of, under)
