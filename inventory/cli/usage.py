"""Command-line usage errors in Chinese. The command line framework (typer, over click) words its
errors in English; each kind is put into Chinese here, the names of options and values kept as typed."""

from __future__ import annotations

import re
from typing import Any

_VALUE = [
    (re.compile(r"^'?(.*?)'? is not a valid integer( range)?\.?$"), "“{0}”不是整数"),
    (re.compile(r"^'?(.*?)'? is not a valid float( range)?\.?$"), "“{0}”不是数字"),
    (re.compile(r"^'?(.*?)'? is not one of (.*?)\.?$"), "“{0}”不是可选值（可选：{1}）"),
    (re.compile(r"^(?:File|Path|Directory) '(.*?)' does not exist\.?$"), "找不到“{0}”"),
    (re.compile(r"^(?:File|Path|Directory) '(.*?)' is a directory\.?$"), "“{0}”是文件夹，这里要一个文件"),
    (re.compile(r"^(?:File|Path|Directory) '(.*?)' is a file\.?$"), "“{0}”是文件，这里要一个文件夹"),
]
_MESSAGE = [
    (re.compile(r"^No such command '(.*?)'\.(?: Did you mean '(.*?)'\?)?$"), "没有命令“{0}”。"),
    (re.compile(r"^Option '(.*?)' requires an argument\.?$"), "选项 {0} 后面要写一个值。"),
    (re.compile(r"^Option '(.*?)' requires (\d+) arguments\.?$"), "选项 {0} 后面要写 {1} 个值。"),
    (re.compile(r"^Got unexpected extra argument(?:s|\(s\))? \((.*)\)$"), "多出了参数：{0}。"),
    (re.compile(r"^Missing command\.?$"), "缺少子命令。"),
]


def _hint(exc: Any) -> str:
    hint = getattr(exc, "param_hint", None)
    if hint is None and getattr(exc, "param", None) is not None:
        hint = exc.param.get_error_hint(exc.ctx)
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(hint)
    return str(hint or "").replace("'", "").strip("{}").removesuffix("...").rstrip("}")


def _value(message: str) -> str:
    for pattern, text in _VALUE:
        m = pattern.match(message.strip())
        if m:
            return text.format(*(g.replace("'", "") if g else "" for g in m.groups()))
    return message


def usage_text(exc: Any) -> str:
    """What was wrong with the command line, in Chinese ("" when the help page already said it)."""
    kind = type(exc).__name__
    if kind == "NoArgsIsHelpError":
        return ""
    if kind == "MissingParameter":
        what = "参数" if getattr(getattr(exc, "param", None), "param_type_name", "") == "argument" else "选项"
        return f"缺少{what} {_hint(exc)}。"
    if kind == "NoSuchOption":
        text = f"没有选项 {exc.option_name}。"
        if exc.possibilities:
            text += f"是不是想写：{'、'.join(sorted(exc.possibilities))}？"
        return text
    if kind == "BadParameter":
        hint = _hint(exc)
        return f"{hint} 的值不对：{_value(exc.message)}。" if hint else f"值不对：{_value(exc.message)}。"
    message = str(getattr(exc, "message", "") or "")
    for pattern, text in _MESSAGE:
        m = pattern.match(message)
        if m:
            out = text.format(*(g or "" for g in m.groups()))
            if kind == "UsageError" and m.re is _MESSAGE[0][0] and m.group(2):
                out += "是不是想写" + "、".join(f"“{name}”" for name in m.group(2).split("', '")) + "？"  # (click quotes each choice)
            return out
    return exc.format_message()


_PLACEHOLDERS = {"[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]..."}


def _usage_in_chinese(text: str) -> str:
    if not text.startswith("Usage:"):
        return text
    text = "用法：" + text[len("Usage:") :].lstrip(" ")
    for english, chinese in _PLACEHOLDERS.items():
        text = text.replace(english, chinese)
    return text


def usage_line(ctx: Any) -> str:
    return _usage_in_chinese(ctx.get_usage())


def shows_help(argv: list[str]) -> bool:
    """Whether this command line ends in a help page (asked for, or a group named without a command)."""
    from . import GROUPS

    words = [a for a in argv if not a.startswith("-")]
    return not argv or "-h" in argv or "--help" in argv or (len(words) == 1 and words[0] in GROUPS)


def help_in_chinese() -> None:
    """The help page's headings and markers in Chinese (typer's rich renderer reads these names when
    it draws; importing it costs ~50 ms, so only a command line that shows help pays it)."""
    import typer.rich_utils as ru

    ru.ARGUMENTS_PANEL_TITLE, ru.OPTIONS_PANEL_TITLE, ru.COMMANDS_PANEL_TITLE, ru.ERRORS_PANEL_TITLE = "参数", "选项", "命令", "错误"
    ru.DEFAULT_STRING, ru.REQUIRED_LONG_STRING, ru.ENVVAR_STRING = "[默认：{}]", "[必填]", "[环境变量：{}]"
    ru.ABORTED_TEXT = "已中止。"
    made_help = getattr(ru, "_get_parameter_help", None)

    def folded(**kwargs: Any) -> Any:  # Chinese has no spaces to wrap at: a long help line is folded, never cut with "…"
        from rich.text import Text

        parts = [r if isinstance(r, Text) else Text(str(r)) for r in made_help(**kwargs).renderables]  # type: ignore[misc]
        text = Text(" ").join(parts)
        text.overflow = "fold"
        return text

    if made_help is not None and not getattr(made_help, "folds", False):  # once (another typer: its own way of wrapping)
        folded.folds = True  # type: ignore[attr-defined]
        ru._get_parameter_help = folded
    plain = ru.highlighter
    ru.OptionHighlighter.highlights = [*ru.OptionHighlighter.highlights, r"(?P<usage>用法：)"]
    ru.highlighter = lambda text: plain(_usage_in_chinese(text) if isinstance(text, str) else text)  # the first line of a page
    try:  # the --help line itself: the help option is made when a page is drawn, from this factory
        from typer._click import decorators
    except ImportError:  # another typer: the line stays in English
        return
    made = decorators.help_option

    def help_option(names: list[str]) -> Any:
        attach = made(names)

        def apply(command: Any) -> Any:
            command = attach(command)
            command.params[-1].help = "显示本帮助并退出。"
            return command

        return apply

    decorators.help_option = help_option
