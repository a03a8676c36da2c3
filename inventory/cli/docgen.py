"""Reference documents generated from the code and `forms/`, so they cannot drift."""

from __future__ import annotations

from ..form.load import Form


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def fields_markdown(form: Form) -> str:
    """docs/fields.md: every sheet and field of the form, where the template has it."""
    lines = [
        "# 字段说明（由 forms/ 自动生成，请勿手工修改）",
        "",
        f"表单 `{form.id}`，版本 {form.version}。重新生成：`python -m inventory.cli.docgen`。",
        "",
        "“必填”一栏：是 = 必填；条件 = 满足条件时必填（见下方规则）；建议 = 建议填写。",
        "",
    ]
    for sheet in form.sheets:
        where = "列" if sheet.layout == "table" else "单元格"
        lines += [
            f"## {sheet.name}",
            "",
            sheet.description,
            "",
            f"表头在第 {sheet.header_row} 行，数据从第 {sheet.first_data_row} 行开始。"
            if sheet.layout == "table"
            else f"标签在 A 列，填写内容在 B 列，从第 {sheet.first_data_row} 行开始。",
            "",
            f"| {where} | 表头 | 键名 | 类型 | 必填 | 可选值 | 说明 |",
            "|---|---|---|---|---|---|---|",
        ]
        for f in sheet.fields:
            need = sheet.need(f)
            enum = "、".join(f.enum) if f.enum else ""
            lines.append(f"| {f.position} | {_cell(f.header)} | `{f.key}` | {f.type_name} | {need} | {_cell(enum)} | {_cell(f.help)} |")
        lines.append("")
    lines += [
        "## 规则",
        "",
        "错误只用于单位不可能想表达的内容：无法读取、类型不对、不可能的日期、必填项缺失、自相矛盾。"
        "如实反映差距的回答（未定级、未备案、测评超期、自建机房、无备份、未对接等）从不作为错误，入库后列为评估发现（见 findings.md）。",
        "",
        "| 编码 | 级别 | 表 | 规则 | 为什么这样判 |",
        "|---|---|---|---|---|",
    ]
    for r in form.schema_rules():
        lines.append(f"| `{r.code}` | {'错误' if r.severity == 'error' else '提醒'} | {r.sheet} | {_cell(r.message)} | {_cell(r.why)} |")
    for r in form.rules:
        level = "错误" if r["severity"] == "error" else "提醒"
        lines.append(f"| `{r['code']}` | {level} | {r['sheet']} | {_cell(r['title'])} | {_cell(r.get('why', ''))} |")
    return "\n".join(lines) + "\n"


def errors_markdown(form: Form) -> str:
    """docs/errors.md: every issue code the tool can report, with its meaning and fix."""
    from ..form.issues import RETIRED, catalogue_with_rules

    lines = [
        "# 问题编码目录（由代码自动生成，请勿手工修改）",
        "",
        "校验、入库和报告中的每条问题都有一个稳定的编码。编码一经发布不再改变含义。",
        "消息中的 {value} 是单元格里的实际内容，{expected} 是应填的内容。重新生成：`python -m inventory.cli.docgen`。",
        "",
    ]
    groups: dict[str, list] = {}
    for code in catalogue_with_rules(form).values():
        groups.setdefault(code.group, []).append(code)
    for group, codes in groups.items():
        lines += [f"## {group}", "", "| 编码 | 级别 | 名称 | 消息 | 怎么改 |", "|---|---|---|---|---|"]
        for c in codes:
            level = "错误" if c.severity == "error" else "提醒"
            lines.append(f"| `{c.code}` | {level} | {_cell(c.title)} | {_cell(c.message)} | {_cell(c.hint)} |")
        lines.append("")
    lines += ["## 已停用的编码", "", "这些编码不再产生；早先入库的报送中可能还有，含义如下。", "", "| 编码 | 说明 |", "|---|---|"]
    lines += [f"| `{code}` | {_cell(text)} |" for code, text in RETIRED.items()]
    lines.append("")
    return "\n".join(lines)


def _applies_text(applies: dict, titles: dict[str, str]) -> str:
    parts = []
    for key, spec in applies.items():
        if isinstance(spec, dict):
            parts.append(f"{titles.get(key, key)}不是“{'、'.join(spec['not'])}”")
        else:
            parts.append(f"{titles.get(key, key)}为“{'、'.join(spec)}”")
    return "；".join(parts) or "全部系统"


def findings_markdown(form: Form) -> str:
    """docs/findings.md: every finding kind, whom it applies to, when it fires, what to do and why."""
    from ..form.assessment import load_findings, load_names

    rules = load_findings()
    titles = {f.key: f.title for f in form.main.fields}
    lines = [
        "# 评估发现（由 forms/findings.json 自动生成，请勿手工修改）",
        "",
        "评估发现是对入库系统的判断，不是校验错误。三者的界线："
        "**错误**只用于单位不可能想表达的内容（前后矛盾、不可能的值、每种如实情况都有选项却空着），有错误的报表退回更正；"
        "**提醒**用于可能如实、但值得核实或补充的内容（手头没有的编号、没有统计的使用量、罕见的大金额），报表照常接收；"
        "**发现**是如实填写暴露出的差距（未定级、未备案、测评超期、自建机房、无备份、未对接、编号待补等），"
        "照常入库，并在这里列出，每种发现都写明为什么是发现、为什么是这个级别。每种发现只用于它针对的系统（适用范围）；时效类发现以本轮数据统计截止日期为准。"
        "项目办可以用 `inventory findings confirm/dismiss/fixed` 审核每条发现：排除须写理由，单位重报后证据不变的不再出现，证据变了会重新列出。",
        "重新生成：`python -m inventory.cli.docgen`。",
        "",
        "| 编码 | 发现 | 级别 | 评分维度（扣分） |",
        "|---|---|---|---|",
    ]
    for code, m in rules["findings"].items():
        lines.append(
            f"| `{code}` | {_cell(m['title'])} | {'错误' if m['severity'] == 'error' else '提醒'} | {m['dimension']}（{m['deduct']}） |"
        )
    lines.append("")
    for code, m in rules["findings"].items():
        lines += [
            f"## {m['title']}（`{code}`）",
            "",
            f"- **适用于**：{_applies_text(m['applies'], titles)}",
            f"- **判定**：{m['when']}",
            f"- **怎么办**：{m['action']}",
            f"- **依据**：{m['basis']}",
            f"- **为什么是发现、为什么是{'严重' if m['severity'] == 'error' else '提醒'}**：{m['why']}",
            *(["- **线索**：只列在问题与评估发现报告里供项目办核实，确认后才写进单位评估报告和领导简报。"] if m.get("lead") else []),
            "",
        ]
    names = load_names()
    lines += [
        "## 名称怎样读（重复建设、重复填报）",
        "",
        names["description"],
        "",
        "同义词和简称（每组第一个是规范写法）：" + "；".join("、".join(g) for g in names["synonyms"]) + "。",
        "",
        "通用词：" + "、".join(names["generic_words"]) + "。",
        "",
        "## 处置建议",
        "",
        "按顺序取第一条符合的：",
        "",
    ]
    for r in rules["recommendations"]:
        when = []
        if "status" in r:
            when.append(f"运行状态为“{'、'.join(r['status'])}”")
        if "findings" in r:
            when.append("有发现 " + "、".join(f"`{c}`" for c in r["findings"]))
        if "score_below" in r:
            when.append(f"综合评分低于 {r['score_below']}")
        if "field" in r:
            when.append("；".join(f"{titles.get(k, k)}为“{'、'.join(v)}”" for k, v in r["field"].items()))
        lines.append(f"- **{r['name']}**：{'，'.join(when) or '其余情况'}（{r['why']}）")
    lines.append("")
    return "\n".join(lines)


def _command_paths(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    commands = getattr(group, "commands", None)
    if commands:
        for name in sorted(commands):
            out += _command_paths(commands[name], (*prefix, name))
    return out


def cli_markdown() -> str:
    """docs/cli.md: the real `--help` of every command, at a fixed width so it is the same everywhere."""
    import os

    import typer
    from typer.testing import CliRunner

    from . import load_commands
    from .app import app
    from .usage import help_in_chinese

    load_commands()
    help_in_chinese()

    env = {"COLUMNS": "100", "TERMINAL_WIDTH": "100", "NO_COLOR": "1", "TERM": "dumb"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        root = typer.main.get_command(app)
        lines = [
            "# 命令行参考（由 `--help` 自动生成，请勿手工修改）",
            "",
            "每个命令都支持 `--help`。退出码：0 成功（可有提醒），1 数据有问题（有错误的文件、读不出的文件、被退回的入库，"
            "包括再次导入一份以前被退回的文件），2 用法错误，3 环境错误（数据库、表单定义、输出路径；入库时数据库一直被占用也是 3）。",
            "",
            "结果（结论、表格、写出了哪些文件，或 `--json` 的 JSON）写到标准输出，所以 `inventory validate 回收/ > 结果.txt` 能保存结果；"
            "进度条和出错说明写到标准错误。文件里的内容（系统名称、文件名等）在终端里一律按原文显示，不会被当作格式或链接，"
            "看不见的控制字符显示为 ⟨U+001B⟩ 这样的记号。",
            "",
            "入库 JSON 中每个文件的 `status` 是 imported（已入库）、unchanged（同一文件在本轮已导入过；上一轮的文件原样再报，算本轮的新报送）、rejected（有错误被退回）"
            "或 failed（数据库一直被占用，没有写入，可稍后重试）；`current` 表示它是否成为该单位的当前报送，`note` 说明原因。",
            "报告类命令（report、submissions list、findings）不会新建数据库：找不到数据库时报错退出（退出码 3）。",
            "",
            "加 `--debug` 可在出错时看到完整调用栈。重新生成：`python -m inventory.cli.docgen`。",
            "",
        ]
        runner = CliRunner()
        for path in _command_paths(root):
            result = runner.invoke(app, [*path, "--help"], prog_name="inventory", env=env)
            text = "\n".join(line.rstrip() for line in result.output.strip().splitlines())
            lines += [f"## inventory {' '.join(path)}".rstrip(), "", "```text", text, "```", ""]
        return "\n".join(lines)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def generated_docs() -> dict[str, str]:
    """Path (relative to the project root) -> content, for every generated reference."""
    from ..form.load import load_form

    form = load_form()
    return {
        "docs/fields.md": fields_markdown(form),
        "docs/errors.md": errors_markdown(form),
        "docs/findings.md": findings_markdown(form),
        "docs/cli.md": cli_markdown(),
    }


def main() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for rel, text in generated_docs().items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
        print(f"wrote {rel}")


if __name__ == "__main__":
    main()
