"""Generated references in docs/ must match the code."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from inventory.cli.docgen import generated_docs

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("rel", sorted(generated_docs()))
def test_generated_doc_is_current(rel):
    path = ROOT / rel
    assert path.exists(), f"{rel} is missing: run python -m inventory.cli.docgen"
    assert path.read_text(encoding="utf-8") == generated_docs()[rel], f"{rel} is stale: run python -m inventory.cli.docgen"


def test_every_code_used_in_the_source_is_catalogued_and_documented(form):
    import re

    from inventory.form.issues import CATALOGUE, catalogue_with_rules

    used: set[str] = set()
    pattern = re.compile(r'(?:make_issue|add|Problem|fail)\(\s*"([A-Z][A-Z0-9_]+)"')
    for path in (ROOT / "inventory").rglob("*.py"):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert len(used) > 30
    assert used <= set(CATALOGUE), sorted(used - set(CATALOGUE))
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for code in catalogue_with_rules(form):
        assert f"`{code}`" in doc, f"{code} is not in docs/errors.md"


def test_readme_quick_start_is_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## 快速开始", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line.strip()]
    assert commands == ["pip install . && inventory demo", 'pip install ".[test]" && pytest']
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -q ".[test]"' in ci and "inventory demo" in ci and "pytest" in ci


def test_guides_exist_and_their_pictures_are_there():
    import re

    for name in ("填报指南.md", "操作手册.md", "architecture.md", "cli.md", "errors.md", "fields.md"):
        assert (ROOT / "docs" / name).exists(), name
    guide = (ROOT / "docs" / "填报指南.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", guide)
    assert len(images) >= 3
    for rel in images:
        assert (ROOT / "docs" / rel).stat().st_size > 10_000, rel


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["valdate", "x.xlsx"], "没有命令“valdate”。是不是想写“validate”？"),
        (["accounts"], "没有命令“accounts”。是不是想写“account”、“units”？"),
        (["round", "open", "2026"], "缺少选项 --name。"),
        (["validate"], "缺少参数 文件或文件夹。"),
        (["report", "coverage", "--bogus"], "没有选项 --bogus。"),
        (["report", "inventory", "--format"], "选项 --format 后面要写一个值。"),
        (["kb", "search", "等保", "多余", "的"], "多出了参数：多余 的。"),
    ],
)
def test_usage_errors_are_in_chinese(args, said):
    proc = run_cli(*args)
    assert proc.returncode == 2 and said in proc.stderr, proc.stderr
    assert "Usage:" not in proc.stderr and "Error" not in proc.stderr and "Traceback" not in proc.stderr


def test_help_pages_are_in_chinese():
    page = run_cli("report", "coverage", "--help").stdout
    assert "选项" in page and "显示本帮助并退出" in page and "--under" in page
    assert "[默认：3]" in run_cli("kb", "search", "--help").stdout
    assert "Options" not in page and "Show this message" not in page
    assert "report coverage [选项]" in page and "用法：" in page and "Usage" not in page and "[OPTIONS]" not in page
    group = run_cli("report")  # a group without a command: its help page, nothing else
    assert "命令" in group.stdout and "用法错误" not in group.stderr
    assert "report [选项] 命令 [参数]..." in group.stdout


def test_a_long_option_help_is_folded_on_a_narrow_terminal_not_cut():
    page = run_cli("units", "import", "--help", env={"COLUMNS": "80"}).stdout
    flat = "".join(line.strip("│ ") for line in page.splitlines())  # the box's edges and padding taken off each line
    assert "…" not in page and "已有报送保留" in flat and "办也连同其下级停用" in flat
