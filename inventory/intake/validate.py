"""Validate returned workbooks: every problem in one pass, each located to its cell.

Order of work for one file: safe open and read (reader.py) -> per-row JSON Schema checks (every
error, formats on) -> the named rules of the form, judged as of the survey's reference date ->
cross-row, cross-sheet and unit checks. A bad file never raises: it becomes issues.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..form.issues import ERROR, WARNING, Issue, make_issue, rule_issue
from ..form.load import Form, Sheet, load_form
from ..form.normalize import clean_text, uscc_check_char, uscc_valid
from ..form.roster import Roster, Unit, load_roster
from ..form.rules import CompiledRule, Context, compile_rule
from ..gcpause import paused_gc
from .reader import Record, SheetData, WorkbookData, read_workbook

FORMAT_NAMES = {"date": "日期（如 2024-03-01）", "email": "电子邮箱地址"}
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".csv")


@dataclass
class FileReport:
    path: Path
    unit: Unit | None = None
    unit_written: str | None = None  # the unit name as the return gives it
    form_version: str | None = None
    systems: int = 0
    issues: list[Issue] = field(default_factory=list)
    data: WorkbookData | None = field(default=None, repr=False)
    completeness: float | None = None  # share of required cells filled (conditional ones included)
    completeness_recommended: float | None = None  # share of recommended cells filled
    feedback: Path | None = None  # the feedback workbook written for this file, if any

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == WARNING)

    @property
    def valid(self) -> bool:
        return self.errors == 0

    @property
    def readable(self) -> bool:
        return self.data is not None and not self.data.fatal

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "unit": self.unit.name if self.unit else None,
            "form_version": self.form_version,
            "valid": self.valid,
            "systems": self.systems,
            "errors": self.errors,
            "warnings": self.warnings,
            "issues": [i.as_dict() for i in self.issues],
        }


class Validator:
    """Validates files against one form, roster and reference date; reusable across a batch."""

    def __init__(self, form: Form | None = None, roster: Roster | None = None, as_of: dt.date | None = None) -> None:
        self.form = form or load_form()
        self.roster = roster or load_roster()
        self.as_of = as_of or self.form.as_of
        main = self.form.main
        self.rules: list[CompiledRule] = [compile_rule(r, main.key) for r in self.form.rules]
        self.titles = {f.key: f.title for s in self.form.sheets for f in s.fields}
        self.sheet_order = {s.name: i for i, s in enumerate(self.form.sheets)}
        self.required = [f.key for f in main.fields if f.required]
        self.recommended = [f.key for f in main.fields if f.recommended]
        self.conditional = [(r.when, r.requires) for r in main.rules if r.when and r.requires]

    # -- one file --
    def validate(self, path: Path) -> FileReport:
        with paused_gc():
            return self._validate(path)

    def _validate(self, path: Path) -> FileReport:
        data = read_workbook(Path(path), self.form)
        report = FileReport(path=Path(path), data=data, form_version=data.meta.get("form_version") or None)
        issues = list(data.issues)
        if not data.fatal:
            file = str(path)
            for sd in data.sheets.values():
                issues.extend(self._schema(sd, file))
            main = data.sheets.get(self.form.main.name)
            if main is not None:
                report.systems = len(main.records)
                report.completeness, report.completeness_recommended = self._completeness(main)
                issues.extend(self._rules(main, data, file))
                issues.extend(self._duplicates(main, file))
            issues.extend(self._references(data, file))
            issues.extend(self._unit(data, report, file))
        report.issues = sorted(issues, key=self._order)
        return report

    def _completeness(self, main: SheetData) -> tuple[float | None, float | None]:
        if not main.records:
            return None, None
        required, recommended = set(self.required), set(self.recommended)
        need = have = rec_have = 0
        for rec in main.records:
            v = rec.values
            keys = required
            for when, requires in self.conditional:
                if all(v.get(k) in allowed for k, allowed in when.items()):
                    keys = keys | set(requires)
            need += len(keys)
            have += len(keys & v.keys())
            rec_have += len(recommended & v.keys())
        share = rec_have / (len(recommended) * len(main.records)) if recommended else None
        return round(have / need, 4) if need else None, round(share, 4) if share is not None else None

    def _order(self, i: Issue) -> tuple[int, int, int, int, str]:
        col = i.column or ""
        return (
            0 if i.sheet is None else 1,
            self.sheet_order.get(i.sheet or "", 99),
            i.row or 0,
            len(col),
            col + i.code,
        )

    def _schema(self, sd: SheetData, file: str) -> Iterator[Issue]:
        spec: Sheet = sd.spec
        validator, rules, columns = spec.validator, spec.rules, sd.columns
        for rec in sd.records:
            for e in validator.iter_errors(rec.values):
                issue = self._schema_issue(e, rec, sd, spec, rules, columns, file)
                if issue is not None:
                    yield issue

    def _schema_issue(
        self, e: Any, rec: Record, sd: SheetData, spec: Sheet, rules: list[Any], columns: dict[str, str], file: str
    ) -> Issue | None:
        kind = type(e.kind).__name__
        path = list(e.instance_path)
        key = path[0] if path else getattr(e.kind, "property", None)
        if key is None or key in rec.bad or key not in columns:
            return None  # a normalisation problem or a missing column is already reported
        f = spec.by_key[key]
        row = rec.row if spec.layout == "table" else int(columns[key][1:])
        column = columns[key] if spec.layout == "table" else columns[key].rstrip("0123456789")
        value = rec.shown(key)
        where = {"file": file, "sheet": sd.name, "row": row, "column": column, "field": key, "title": f.title}
        schema_path = list(e.schema_path)
        if schema_path and schema_path[0] == "allOf":
            rule = rules[int(schema_path[1])]
            shown = value if value is not None else "未填写"
            return rule_issue(
                rule.code, rule.severity, f"{rule.message}（{f.title}：{shown}）", "请按规则补充或更正。", value=value, **where
            )
        if kind in ("Required", "MinItems"):
            return make_issue("CELL_REQUIRED", value=value, **where)
        if kind == "Enum":
            item = rec.values[key][path[1]] if len(path) > 1 else value
            return make_issue("CELL_ENUM", value=item, expected="、".join(f.enum or ()), **where)
        if kind == "Type":
            return make_issue("CELL_TYPE", value=value, expected=f.type_name, **where)
        if kind == "Pattern":
            return make_issue("CELL_PATTERN", value=value, expected=f.help or "见填表说明", **where)
        if kind == "Format":
            fmt = e.kind.as_dict().get("format", "")
            code = "CELL_DATE" if fmt == "date" else "CELL_FORMAT"
            return make_issue(code, value=value, expected=FORMAT_NAMES.get(fmt, fmt), **where)
        if kind in ("Minimum", "ExclusiveMinimum", "Maximum", "ExclusiveMaximum"):
            limit = e.kind.as_dict().get("limit")
            words = {"Minimum": "不小于", "ExclusiveMinimum": "大于", "Maximum": "不大于", "ExclusiveMaximum": "小于"}[kind]
            return make_issue("CELL_RANGE", value=value, expected=f"{words} {limit}", **where)
        if kind == "MinLength":
            return make_issue("CELL_TOO_SHORT", value=value, expected=e.kind.as_dict().get("limit"), **where)
        if kind == "MaxLength":
            return make_issue("CELL_TOO_LONG", value=value, expected=e.kind.as_dict().get("limit"), **where)
        if kind == "UniqueItems":
            return None
        return make_issue("CELL_FORMAT", value=value, expected=e.message, **where)

    def _children(self, data: WorkbookData) -> dict[str, dict[str, float]]:
        """Per child sheet: system number -> sum of the field the rules add up (or row count)."""
        out: dict[str, dict[str, float]] = {}
        sums = {r["child_sheet"]: r.get("child_field") for r in self.form.rules if "child_sheet" in r}
        for child, fld in sums.items():
            sd = data.sheets.get(child)
            if sd is None:
                continue
            agg: dict[str, float] = {}
            parent_key = sd.spec.parent_key or ""
            for rec in sd.records:
                no = rec.values.get(parent_key)
                if no is None:
                    continue
                amount = rec.values.get(fld) if fld else 1
                agg[no] = agg.get(no, 0.0) + (amount if isinstance(amount, (int, float)) else 0.0)
            out[child] = agg
        return out

    def _rules(self, main: SheetData, data: WorkbookData, file: str) -> Iterator[Issue]:
        ctx = Context(as_of=self.as_of, children=self._children(data), titles=self.titles)
        rules = [r for r in self.rules if r.sheet == self.form.main.name]
        columns = main.columns
        for rec in main.records:
            values = rec.values
            for rule in rules:
                fail = rule.check(values, ctx)
                if fail is None or (fail.field and fail.field in rec.bad):
                    continue
                fld = fail.field
                yield rule_issue(
                    rule.code,
                    rule.severity,
                    f"{rule.title}（{fail.detail}）",
                    rule.hint,
                    file=file,
                    sheet=main.name,
                    row=rec.row,
                    column=columns.get(fld) if fld else None,
                    field=fld,
                    title=self.titles.get(fld) if fld else None,
                    value=rec.shown(fld),
                )

    def _duplicates(self, main: SheetData, file: str) -> Iterator[Issue]:
        """The same system number twice, or the same system name twice for one owner."""
        spec = main.spec

        def number(v: dict[str, Any]) -> Any:
            no = v.get(spec.key or "")
            return no.upper() if isinstance(no, str) else None

        def name(v: dict[str, Any]) -> Any:
            n = v.get(spec.name_field or "")
            owner = clean_text(v.get("owner_unit", "")).replace(" ", "")
            return (owner, n.replace(" ", "")) if isinstance(n, str) else None

        for code, key, identity in (("ROW_DUPLICATE_NO", spec.key, number), ("ROW_DUPLICATE_NAME", spec.name_field, name)):
            if not key:
                continue
            seen: dict[Any, int] = {}
            for rec in main.records:
                ident = identity(rec.values)
                if ident is None:
                    continue
                first = seen.setdefault(ident, rec.row)
                if first != rec.row:
                    yield make_issue(
                        code,
                        file=file,
                        sheet=main.name,
                        row=rec.row,
                        column=main.columns.get(key),
                        field=key,
                        title=spec.by_key[key].title,
                        value=rec.values.get(key),
                        expected=first,
                    )

    def _references(self, data: WorkbookData, file: str) -> Iterator[Issue]:
        main = data.sheets.get(self.form.main.name)
        if main is None or self.form.main.key not in main.columns:
            return
        known = {str(r.values.get(self.form.main.key, "")).upper() for r in main.records}
        for child in self.form.children:
            sd = data.sheets.get(child.name)
            if sd is None or child.parent_key not in sd.columns:
                continue
            pk = child.parent_key or ""
            for rec in sd.records:
                no = rec.values.get(pk)
                if isinstance(no, str) and no.upper() not in known and pk not in rec.bad:
                    yield make_issue(
                        "REF_UNKNOWN_SYSTEM",
                        file=file,
                        sheet=sd.name,
                        row=rec.row,
                        column=sd.columns[pk],
                        field=pk,
                        title=child.by_key[pk].title,
                        value=no,
                        expected=main.name,
                    )

    def _uscc(self, code: Any, **where: Any) -> Issue | None:
        if isinstance(code, str) and len(code) == 18 and not uscc_valid(code):
            try:
                expected = uscc_check_char(code[:17])
            except ValueError:
                return None  # illegal characters: the schema's pattern check reports it
            return make_issue("UNIT_USCC_CHECK", value=code, expected=expected, **where)
        return None

    def _unit(self, data: WorkbookData, report: FileReport, file: str) -> Iterator[Issue]:
        sd = data.sheets.get(self.form.unit_sheet.name)
        meta_unit = data.meta.get("unit_name") or None
        written = None
        if sd is not None and sd.records:
            rec = sd.records[0]
            written = rec.values.get("unit_name")
            cell = sd.columns.get("unit_name")
            where = {
                "file": file,
                "sheet": sd.name,
                "row": int(cell[1:]) if cell else None,
                "column": "B" if cell else None,
                "field": "unit_name",
                "title": self.titles.get("unit_name"),
            }
            if isinstance(written, str):
                m = self.roster.match(written)
                report.unit = m.unit
                if m.unit and not m.exact:
                    yield make_issue("UNIT_ALIAS", value=written, expected=m.unit.name, **where)
                elif m.unit is None:
                    tip = f"（最接近：{'、'.join(m.suggestions)}）" if m.suggestions else ""
                    yield make_issue("UNIT_UNKNOWN", value=written, expected=tip, **where)
            ucell = sd.columns.get("uscc")
            if ucell and "uscc" not in rec.bad:
                issue = self._uscc(
                    rec.values.get("uscc"),
                    file=file,
                    sheet=sd.name,
                    row=int(ucell[1:]),
                    column="B",
                    field="uscc",
                    title=self.titles.get("uscc"),
                )
                if issue:
                    yield issue
        report.unit_written = written if isinstance(written, str) else meta_unit
        if report.unit is None and meta_unit and not written:
            report.unit = self.roster.get(meta_unit)
        if meta_unit and report.unit and report.unit.name != meta_unit and self.roster.get(meta_unit):
            yield make_issue("UNIT_MISMATCH", file=file, value=report.unit.name, expected=meta_unit)
        main = data.sheets.get(self.form.main.name)
        if main is None:
            return

        def at(rec: Record, key: str) -> dict[str, Any]:
            return {
                "file": file,
                "sheet": main.name,
                "row": rec.row,
                "column": main.columns[key],
                "field": key,
                "title": self.titles.get(key),
            }

        aliases: dict[str, Unit | None] = {}
        for rec in main.records:
            if "owner_uscc" in main.columns and "owner_uscc" not in rec.bad:
                issue = self._uscc(rec.values.get("owner_uscc"), **at(rec, "owner_uscc"))
                if issue:
                    yield issue
            owner = rec.values.get("owner_unit")
            if isinstance(owner, str) and "owner_unit" in main.columns:
                if owner not in aliases:  # an abbreviation of a roster unit, named in full
                    m = self.roster.match(owner)
                    aliases[owner] = m.unit if (m.unit and not m.exact) else None
                full = aliases[owner]
                if full is not None:
                    yield make_issue("UNIT_ALIAS", value=owner, expected=full.name, **at(rec, "owner_unit"))


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders give every workbook-like file inside (sorted, not recursive into hidden)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(
                sorted(x for x in p.iterdir() if x.is_file() and x.suffix.lower() in EXCEL_SUFFIXES and not x.name.startswith(("~$", ".")))
            )
        else:
            out.append(p)
    return out


_WORKER: Validator | None = None
MAX_WORKERS = 4


def _start_worker(as_of: dt.date | None) -> None:
    global _WORKER
    _WORKER = Validator(as_of=as_of)


def _validate_in_worker(path: Path) -> FileReport:
    assert _WORKER is not None
    return _WORKER.validate(path)


def validate_many(paths: list[Path], validator: Validator, workers: int | None = None) -> Iterator[FileReport]:
    """Reports in the order of `paths`; several files are validated in parallel processes.

    Only the shipped form is used in workers (it is what they load); a validator built on another
    form, or a single file, runs in this process.
    """
    n = min(workers or os.cpu_count() or 1, MAX_WORKERS, len(paths))  # workers=0/None: one per core
    if n < 2 or validator.form is not load_form() or validator.roster is not load_roster():
        yield from (validator.validate(p) for p in paths)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(n, initializer=_start_worker, initargs=(validator.as_of,)) as pool:
        yield from pool.map(_validate_in_worker, paths)
