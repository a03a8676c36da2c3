"""`inventory demo`: the whole job on the embedded default, from templates to reports.

Seven pilot units get their templates; six of them "return" realistic synthetic workbooks (遂宁市
has not sent a city return: it collects from its departments and counties instead). One unit's
first return has errors and is rejected, then a corrected one is accepted; another is accepted
with warnings. Everything is validated, feedback workbooks are written, the returns are imported
into SQLite, and the reports are written beside them. Then 遂宁市 runs its part in levels
(`levels.py`): its own list, returns up the tree, approvals, coverage by level. Last, 德阳市 puts three
planned projects up for 预审 (`planned.py`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..form.load import Form, load_form
from ..form.roster import Unit, load_roster
from ..intake.validate import FileReport, Validator
from ..store.db import open_db
from ..store.importer import Importer, ImportResult
from ..store.units import tree
from ..template import write_templates
from .synth import clean_return, write_return

NOT_RETURNED = "遂宁市"  # the pilot unit that has not returned yet


@dataclass
class DemoResult:
    directory: Path
    templates: list[Path] = field(default_factory=list)
    returns: list[Path] = field(default_factory=list)
    reports: list[FileReport] = field(default_factory=list)
    feedback: list[Path] = field(default_factory=list)
    imports: list[ImportResult] = field(default_factory=list)
    database: str = ""
    outputs: dict[str, Path] = field(default_factory=dict)


def _with_mistakes(form: Form, values: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> None:
    """A first return as people really send it: a few errors the feedback will point at."""
    systems = rows[form.main.name]
    systems[2]["system_name"] = None  # a required cell left empty
    systems[4]["layer"] = "应用"  # not one of the options
    systems[6]["approval_date"] = "2019.13.1"  # a date that does not exist
    systems[8]["system_no"] = systems[7]["system_no"]  # a duplicated system number
    systems[10]["owner_uscc"] = 915101007234567891  # a long code typed as a number
    values["unit_name"] = "自然资源厅"  # a short name where the full name belongs


def _with_warnings(form: Form, rows: dict[str, list[dict[str, Any]]], rng: random.Random) -> None:
    """Accepted, but worth a look: amounts in 元, an old 等保 test, a 业务专网, a self-built machine room."""
    systems = rows[form.main.name]
    in_use = [s for s in systems if s["status"] == "在用"]
    in_use[0]["om_amount"] = in_use[0]["om_amount"] * 10000
    in_use[0]["total_invest"] = in_use[0]["build_amount"] + in_use[0]["om_amount"] * 2
    in_use[1].update(mlps_level="第三级", mlps_test_date="2023-05-20", crypto_status="未开展")
    in_use[1].pop("crypto_date", None)
    in_use[2].update(networks="电子政务外网、业务专网", deploy_location="本单位自建机房")
    rng.shuffle(systems[5:])


def run_demo(directory: Path) -> DemoResult:
    form, roster = load_form(), load_roster()
    out = Path(directory)
    result = DemoResult(directory=out)
    result.templates = write_templates(form, list(roster.pilots()), out / "templates")
    rng = random.Random(2025)
    returns = out / "returns"
    for i, unit in enumerate(roster.pilots()):
        if unit.short_name == NOT_RETURNED:
            continue
        n = rng.randrange(24, 46)
        values, rows = clean_return(form, unit, n, seed=100 + i)
        if unit.short_name == "自然资源厅":
            first_values, first_rows = clean_return(form, unit, n, seed=100 + i)
            _with_mistakes(form, first_values, first_rows)
            result.returns.append(_write(returns / f"{unit.short_name}-第1次报送.xlsx", form, unit, first_values, first_rows))
            result.returns.append(_write(returns / f"{unit.short_name}-第2次报送（已更正）.xlsx", form, unit, values, rows))
            continue
        if unit.short_name in ("成都市", "交通运输厅"):
            _with_warnings(form, rows, rng)
        result.returns.append(_write(returns / f"{unit.short_name}.xlsx", form, unit, values, rows))
    validator = Validator(form, roster)
    feedback_dir = out / "feedback"
    from ..intake.feedback import write_feedback

    for path in result.returns:
        report = validator.validate(path)
        result.reports.append(report)
        if report.issues:
            report.feedback = write_feedback(report, form, feedback_dir)
            result.feedback.append(report.feedback)
    result.database = f"sqlite:///{(out / 'inventory.db').resolve()}"
    importer = Importer(open_db(result.database), validator, operator="演示")
    result.imports = [importer.import_file(p) for p in result.returns]
    from ..report import Reports
    from ..report.formats import write_report, write_unit_reports

    reports = Reports(importer.engine, scope="pilot", form=form, roster=roster)
    for kind, label in (("coverage", "覆盖情况报告"), ("issues", "问题与评估发现报告")):
        data = getattr(reports, kind)()
        for fmt in ("html", "xlsx"):
            result.outputs[f"{label}（{fmt}）"] = Path(write_report(kind, data, fmt, out / "reports" / f"{kind}.{fmt}", form))
    result.outputs["系统汇总清单（xlsx）"] = Path(
        write_report("inventory", reports.inventory(), "xlsx", out / "reports" / "inventory.xlsx", form)
    )
    result.outputs["领导简报（html）"] = Path(write_report("brief", reports.brief(), "html", out / "reports" / "brief.html", form))
    write_unit_reports(reports, None, out / "reports" / "units", ("html",))
    result.outputs["单位评估报告（每个试点单位一份 html）"] = out / "reports" / "units"
    from .levels import run_levels

    levels, outputs = run_levels(importer.engine, form, out, Validator(form, tree(importer.engine)))
    result.imports += levels
    result.outputs.update(outputs)
    from .planned import run_planned

    result.outputs.update(run_planned(importer.engine, out))
    return result


def _write(path: Path, form: Form, unit: Unit, values: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> Path:
    return write_return(path, form, unit, values, rows)
