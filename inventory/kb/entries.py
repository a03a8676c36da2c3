"""Knowledge-base entries: Markdown files with YAML front matter under `kb/`, checked when loaded.

A file that cannot be used is a setup error that names the file and says what is wrong: no front
matter, a duplicate id, no question, no answer, an error code that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import SetupError
from ..resources import data_dir


class KbError(SetupError):
    """A knowledge-base file that cannot be used."""


@dataclass(frozen=True)
class Entry:
    id: str
    question: str
    aliases: tuple[str, ...]
    category: str
    tags: tuple[str, ...]
    codes: tuple[str, ...]
    answer: str
    path: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "aliases": list(self.aliases),
            "category": self.category,
            "tags": list(self.tags),
            "codes": list(self.codes),
            "answer": self.answer,
        }


def _front_matter(path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KbError(f"知识库文件 {path} 无法读取：{exc}", hint="请用 UTF-8 编码保存。") from exc
    if not text.startswith("---"):
        raise KbError(f"知识库文件 {path} 缺少开头的 YAML 信息块（以 --- 开始）。", hint="格式见 docs/architecture.md。")
    parts = text.split("---", 2)
    if len(parts) < 3:
        raise KbError(f"知识库文件 {path} 的 YAML 信息块没有以 --- 结束。")
    try:
        meta = yaml.safe_load(parts[1]) or {}
    except yaml.YAMLError as exc:
        raise KbError(f"知识库文件 {path} 的 YAML 信息块有语法错误：{exc}") from exc
    if not isinstance(meta, dict):
        raise KbError(f"知识库文件 {path} 的 YAML 信息块应是键值对。")
    return meta, parts[2].strip()


def load_entries(folder: Path | None = None, known_codes: set[str] | None = None) -> list[Entry]:
    """Every entry under `folder` (default: the shipped kb/), checked; a clear error names the file."""
    folder = Path(folder) if folder else data_dir("kb")
    if not folder.is_dir():
        raise KbError(f"知识库文件夹 {folder} 不存在。", hint="用 --kb-dir 指定包含 .md 条目的文件夹。")
    if known_codes is None:
        from ..form.assessment import finding_codes
        from ..form.issues import catalogue_with_rules
        from ..form.load import load_form

        known_codes = set(catalogue_with_rules(load_form())) | finding_codes()
    entries: list[Entry] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.md")):
        if path.name.startswith(("_", ".")) or path.name.upper() == "README.MD":
            continue
        meta, body = _front_matter(path)
        eid, question = str(meta.get("id") or "").strip(), str(meta.get("question") or "").strip()
        if not eid:
            raise KbError(f"知识库文件 {path} 缺少 id。")
        if not question:
            raise KbError(f"知识库文件 {path}（{eid}）缺少 question（问题）。")
        if not body:
            raise KbError(f"知识库文件 {path}（{eid}）没有答案正文。")
        if eid in seen:
            raise KbError(f"知识库条目 id “{eid}” 重复：{seen[eid]} 和 {path}。", hint="每个条目的 id 必须唯一。")
        seen[eid] = path
        codes = tuple(str(c) for c in meta.get("codes") or ())
        unknown = [c for c in codes if c not in known_codes]
        if unknown:
            raise KbError(f"知识库文件 {path}（{eid}）引用了不存在的问题编码：{', '.join(unknown)}。", hint="编码见 docs/errors.md。")
        entries.append(
            Entry(
                eid,
                question,
                tuple(str(a) for a in meta.get("aliases") or ()),
                str(meta.get("category") or "其他"),
                tuple(str(t) for t in meta.get("tags") or ()),
                codes,
                body,
                str(path),
            )
        )
    if not entries:
        raise KbError(f"知识库文件夹 {folder} 中没有条目（*.md）。")
    return entries


def _own_or_shipped(folder: Path | None, name: str) -> Path:
    """A knowledge base folder's own copy of a support file, else the shipped one."""
    own = Path(folder) / name if folder else None
    return own if own is not None and own.exists() else data_dir("kb") / name


def _settings(path: Path) -> dict[str, Any]:
    """A support file's YAML mapping ({} when the file is absent)."""
    if not path.exists():
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise KbError(f"知识库文件 {path} 不是 UTF-8 编码。", hint="用记事本或 WPS 另存为 UTF-8 编码。") from exc
    except OSError as exc:
        raise KbError(f"知识库文件 {path} 无法读取（{exc.strerror or type(exc).__name__}）。") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行附近" if mark is not None else ""
        raise KbError(
            f"知识库文件 {path} {where}有 YAML 格式错误。", hint="检查缩进、冒号后的空格和方括号是否成对；格式参照随工具提供的同名文件。"
        ) from exc
    if raw is not None and not isinstance(raw, dict):
        raise KbError(f"知识库文件 {path} 的内容应是“名称: 列表”的形式。", hint="格式参照随工具提供的同名文件。")
    return raw or {}


def extras(folder: Path | None) -> tuple[list[list[str]], set[str], list[str], Path | None]:
    """(synonym groups, stopwords, filler words, the jieba dictionary) of a knowledge base folder."""
    raw = _settings(_own_or_shipped(folder, "_synonyms.yaml"))
    dictionary = _own_or_shipped(folder, "_dict.txt")
    groups = [[str(w) for w in g] for g in raw.get("synonyms", [])]
    stopwords = {str(w) for w in raw.get("stopwords", [])}
    fillers = [str(w) for w in raw.get("fillers", [])]
    return groups, stopwords, fillers, dictionary if dictionary.exists() else None


def offtopic_examples(folder: Path | None) -> list[str]:
    """Questions that are not this knowledge base's business (`_offtopic.yaml`): a question at least as
    close to one of them as to its best entry gets "no good match"."""
    path = _own_or_shipped(folder, "_offtopic.yaml")
    examples = _settings(path).get("examples") or []
    if not isinstance(examples, list):
        raise KbError(f"知识库文件 {path} 的 examples 应是一串问题（每行以“- ”开头）。", hint="格式参照随工具提供的同名文件。")
    return [str(q) for q in examples if str(q).strip()]


@lru_cache(maxsize=4)
def code_links(folder: Path | None = None) -> dict[str, Entry]:
    """Issue code -> the entry that explains it (the first one naming the code)."""
    links: dict[str, Entry] = {}
    for entry in load_entries(folder):
        for code in entry.codes:
            links.setdefault(code, entry)
    return links
