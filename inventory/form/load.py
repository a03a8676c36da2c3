"""Load `forms/`, the single source of truth, and check it before any workbook is touched.

Every schema is checked against the JSON Schema meta-schema and our own `x-` annotations when
it is loaded, so a broken form is a setup error with a message that names the file.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import SetupError
from ..resources import data_dir
from .model import FIELD_TYPES, RULE_KINDS, SEVERITIES, Field, Form, SchemaRule, Sheet, column_letter

LIMITED_TEXT = ("text", "code", "uscc", "phone")


def _fail(path: Path, message: str) -> SetupError:
    return SetupError(
        f"表单定义文件 {path.name} 有误：{message}",
        hint=f"请检查 {path}，或重新安装本工具以恢复自带的表单定义。",
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise _fail(path, "文件不存在") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _fail(path, f"不是有效的 JSON（{exc}）") from exc


def _values(sub: dict[str, Any]) -> tuple[str, ...] | None:
    if "const" in sub:
        return (sub["const"],)
    if "enum" in sub:
        return tuple(sub["enum"])
    return None


def _simple_condition(schema: dict[str, Any]) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The equality part of an `if`: {"status": {"const": "在建"}, "build_stage": {"not": {"const": "已立项未采购"}}}
    -> ({"status": ("在建",)}, {"build_stage": ("已立项未采购",)}), for conditional formatting and completeness."""
    when: dict[str, tuple[str, ...]] = {}
    unless: dict[str, tuple[str, ...]] = {}
    for key, sub in schema.get("properties", {}).items():
        if (values := _values(sub)) is not None:
            when[key] = values
        elif isinstance(sub.get("not"), dict) and (values := _values(sub["not"])) is not None:
            unless[key] = values
    return when, unless


def _load_sheet(folder: Path, spec: dict[str, Any], regions: list[str]) -> Sheet:
    path = folder / spec["schema"]
    schema = _read_json(path)
    import jsonschema_rs  # the compiled checker: the meta-schema check costs a millisecond, not 50

    try:
        jsonschema_rs.meta.validate(schema)
    except jsonschema_rs.ValidationError as exc:
        raise _fail(path, f"不符合 JSON Schema 2020-12 元模式：{exc.message}") from exc
    schema = copy.deepcopy(schema)
    layout = spec.get("layout", "table")
    required = set(schema.get("required", []))
    fields: list[Field] = []
    first = int(spec["first_data_row"])
    for index, (key, prop) in enumerate(schema.get("properties", {}).items()):
        ftype = prop.get("x-type")
        if ftype not in FIELD_TYPES:
            raise _fail(path, f"字段 {key} 的 x-type “{ftype}”未定义，可用：{', '.join(FIELD_TYPES)}")
        if "title" not in prop:
            raise _fail(path, f"字段 {key} 缺少 title（表头文字）")
        if ftype in LIMITED_TEXT and "maxLength" not in prop:
            raise _fail(path, f"字段 {key} 缺少 maxLength（校验和数据库共用这一上限）")
        if ftype in ("int", "amount") and "maximum" not in prop:
            raise _fail(path, f"字段 {key} 缺少 maximum（校验和数据库共用这一上限）")
        if prop.get("x-list") == "regions":
            prop["enum"] = regions
        enum = prop.get("enum") or prop.get("items", {}).get("enum")
        if ftype in ("enum", "multi", "bool") and not enum:
            raise _fail(path, f"字段 {key} 是选择类型，但没有给出 enum 选项")
        position = column_letter(index + 1) if layout == "table" else f"B{first + index}"
        examples = prop.get("examples") or [None]
        fields.append(
            Field(
                key=key,
                title=prop["title"],
                type=ftype,
                required=key in required,
                recommended=bool(prop.get("x-recommended")),
                enum=tuple(enum) if enum else None,
                help=prop.get("description", ""),
                example=examples[0],
                width=int(prop.get("x-width", 14)),
                group=prop.get("x-group", ""),
                position=position,
                schema=prop,
            )
        )
    keys = {f.key for f in fields}
    rules: list[SchemaRule] = []
    for block in schema.get("allOf", []):
        code, severity = block.get("x-rule"), block.get("x-severity")
        if not code or severity not in SEVERITIES:
            raise _fail(path, "allOf 中每个 if/then 规则都要有 x-rule 编码和 x-severity（error 或 warning）")
        if not block.get("x-why"):
            raise _fail(path, f"规则 {code} 缺少 x-why（为什么这样判，错误还是提醒的理由）")
        then = block.get("then", {})
        requires = tuple(then.get("required", ()))
        when, unless = _simple_condition(block.get("if", {}))
        unknown = (set(requires) | set(when) | set(unless)) - keys
        if unknown:
            raise _fail(path, f"规则 {code} 引用了不存在的字段：{', '.join(sorted(unknown))}")
        rules.append(
            SchemaRule(
                code=code,
                severity=severity,
                title=block.get("x-title", code),
                message=block.get("x-message", block.get("x-title", code)),
                sheet=spec["name"],
                when=when,
                requires=requires,
                why=block["x-why"],
                unless=unless,
            )
        )
    if spec.get("key") and spec["key"] not in keys:
        raise _fail(path, f"manifest 指定的关键字段 {spec['key']} 不在表中")
    return Sheet(
        name=spec["name"],
        schema_file=spec["schema"],
        layout=layout,
        header_row=int(spec["header_row"]),
        first_data_row=first,
        max_rows=int(spec.get("max_rows", len(fields))),
        fields=fields,
        schema=schema,
        key=spec.get("key"),
        name_field=spec.get("name_field"),
        parent=spec.get("parent"),
        parent_key=spec.get("parent_key"),
        rules=rules,
    )


def _check_rules(path: Path, rules: list[dict[str, Any]], sheets: dict[str, Sheet]) -> None:
    seen: set[str] = set()
    for rule in rules:
        code = rule.get("code")
        if not code or code in seen:
            raise _fail(path, f"规则编码缺失或重复：{code}")
        seen.add(code)
        kind = rule.get("kind")
        if kind not in RULE_KINDS:
            raise _fail(path, f"规则 {code} 的 kind “{kind}”未定义，可用：{', '.join(RULE_KINDS)}")
        missing = [k for k in RULE_KINDS[kind] if k not in rule]
        if missing or rule.get("severity") not in SEVERITIES or "title" not in rule or not rule.get("why"):
            raise _fail(path, f"规则 {code} 缺少 {', '.join(missing) or 'severity/title/why'}")
        sheet = sheets.get(rule.get("sheet", ""))
        if sheet is None:
            raise _fail(path, f"规则 {code} 的 sheet “{rule.get('sheet')}”不存在")
        named = [rule[k] for k in ("field", "before", "after", "base", "other") if k in rule]
        named += list(rule.get("when", {}))
        unknown = [k for k in named if k not in sheet.by_key]
        if "child_sheet" in rule:
            child = sheets.get(rule["child_sheet"])
            if child is None or ("child_field" in rule and rule["child_field"] not in child.by_key):
                unknown.append(f"{rule['child_sheet']}.{rule.get('child_field', '')}")
        if unknown:
            raise _fail(path, f"规则 {code} 引用了不存在的字段：{', '.join(unknown)}")


@lru_cache(maxsize=8)
def load_form(folder: Path | None = None) -> Form:
    """Load and check the form in `folder` (default: the shipped `forms/`)."""
    folder = Path(folder) if folder else data_dir("forms")
    manifest = _read_json(folder / "manifest.json")
    roster = _read_json(folder / "units.json")
    regions = roster.get("regions", [])
    region_names = [r["name"] for r in regions]
    sheets = [_load_sheet(folder, spec, region_names) for spec in manifest["sheets"]]
    for sheet in sheets:
        if len(sheet.name) > 31 or set(sheet.name) & set("[]:*?/\\") or sheet.name.startswith("_"):
            raise _fail(folder / "manifest.json", f"表名“{sheet.name}”不能用作 Excel 工作表名（最长31字，不含 []:*?/\\，不以 _ 开头）")
    by_name = {s.name: s for s in sheets}
    if sum(1 for s in sheets if s.key) != 1 or sum(1 for s in sheets if s.layout == "form") != 1:
        raise _fail(folder / "manifest.json", "须有且只有一张带 key 的系统表和一张单位信息表")
    for sheet in sheets:
        if sheet.parent and (sheet.parent not in by_name or sheet.parent_key not in sheet.by_key):
            raise _fail(folder / "manifest.json", f"子表 {sheet.name} 的 parent/parent_key 不正确")
    rules = _read_json(folder / "rules.json").get("rules", [])
    _check_rules(folder / "rules.json", rules, by_name)
    all_codes = [r["code"] for r in rules] + [r.code for s in sheets for r in s.rules]
    if len(all_codes) != len(set(all_codes)):
        raise _fail(folder / "rules.json", "规则编码在 rules.json 和各表 schema 之间重复")
    return Form(
        id=manifest["form"],
        version=str(manifest["version"]),
        accepted_versions=tuple(str(v) for v in manifest.get("accepted_versions", [manifest["version"]])),
        title=manifest.get("title", manifest["form"]),
        groups=manifest.get("groups", {}),
        round=manifest.get("round", {}),
        sheets=sheets,
        instructions=manifest.get("instructions", {}),
        rules=rules,
        regions=regions,
        folder=folder,
    )


def schema_description(form: Form) -> dict[str, Any]:
    """The field dictionary in the shape of `inventory schema show --json` (contract.md)."""
    return {
        "form": form.id,
        "version": form.version,
        "sheets": [
            {
                "name": s.name,
                "layout": s.layout,
                "header_row": s.header_row,
                "first_data_row": s.first_data_row,
                "fields": [
                    {
                        "key": f.key,
                        "title": f.header,
                        ("column" if s.layout == "table" else "cell"): f.position,
                        "type": f.type,
                        "required": f.required,
                        "required_when": f.key in s.conditional,  # a rule requires it in some cases
                        "enum": list(f.enum) if f.enum else None,
                        "help": f.help,
                    }
                    for f in s.fields
                ],
            }
            for s in form.sheets
        ],
    }
