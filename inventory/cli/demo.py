"""`inventory demo`: the whole job on the embedded default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import render
from .app import app


@app.command()
def demo(
    directory: Annotated[Path, typer.Option("--dir", help="演示输出文件夹。")] = Path("inventory-demo"),
) -> None:
    """演示完整流程：生成试点单位模板、模拟填报、校验、反馈、入库并出报告。"""
    from ..demo.run import run_demo

    result = run_demo(directory)
    render.demo_summary(result)
