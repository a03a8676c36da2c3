"""The planned-project form: `forms/planned.json` read as one table sheet, with its check settings.

The file is a JSON Schema like the return's sheets (the same `x-type`, `x-group`, limits and
`if/then` rules), so the template and the reading reuse the return's machinery; `x-sheet` says
where the table sits and `x-check` holds the check's thresholds (per encoder where they differ).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from ..form.load import _load_sheet, _read_json
from ..form.model import Sheet
from ..form.normalize import normaliser
from ..resources import data_dir

FILE = "planned.json"


@lru_cache(maxsize=4)
def planned_sheet(folder: Path | None = None) -> Sheet:
    """The planned-project table as a `Sheet` (checked like every form file when it is loaded)."""
    folder = Path(folder) if folder else data_dir("forms")
    schema = _read_json(folder / FILE)
    spec = {"schema": FILE, "layout": "table", **schema["x-sheet"]}
    return _load_sheet(folder, spec, [])


def groups(sheet: Sheet) -> dict[str, str]:
    return dict(sheet.schema.get("x-groups", {}))


def check_settings(sheet: Sheet | None = None, encoder: str | None = None) -> dict[str, Any]:
    """`x-check` with each per-encoder threshold resolved for `encoder` (default: the one this machine uses)."""
    settings = dict((sheet or planned_sheet()).schema["x-check"])
    if encoder is None:
        from ..meaning import shared_encoder

        encoder = shared_encoder().name
    t = settings["thresholds"]
    settings["thresholds"] = {k: (v.get(encoder, v["use"]) if isinstance(v, dict) else v) for k, v in t.items()}
    _check_model(settings["thresholds"].get("duplicate_model"))
    return settings


SIGNALS = ("description", "item_mean", "item_max", "system_covered", "name_meaning", "item_lead")  # what the duplicate model weighs


def _check_model(model: Any) -> None:
    """A duplicate model edited by hand into something the check cannot use stops with what to fix."""
    if model is None:
        return
    number = (int, float)
    weights = model.get("weights") if isinstance(model, dict) else None
    if (
        not isinstance(weights, dict)
        or not isinstance(model.get("bias"), number)
        or not isinstance(model.get("threshold"), number)
        or not 0 < model["threshold"] < 1
        or any(k not in SIGNALS or not isinstance(v, number) for k, v in weights.items())
    ):
        from ..errors import SetupError

        raise SetupError(
            f"{FILE} 中 x-check.thresholds.duplicate_model 的写法不对，拟建项目比对无法进行。",
            hint=f'应为 {{"threshold": 0 到 1 之间的数, "bias": 数, "weights": {{信号: 数}}}}，信号只能是 {"、".join(SIGNALS)}；'
            "可用 python benchmarks/bench_planned.py fit 重新拟合，或改回随软件提供的原文件。",
        )


def normalise(sheet: Sheet, raw: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str, Any, str]]]:
    """A project's values from what was typed (keys are field keys): (values, problems), each problem
    (code, field key, value as typed, what was expected). Empty cells are left out."""
    values: dict[str, Any] = {}
    problems: list[tuple[str, str, Any, str]] = []
    for f in sheet.fields:
        typed = raw.get(f.key)
        if typed is None or (isinstance(typed, str) and not typed.strip()) or typed == []:
            if f.required:
                problems.append(("CELL_REQUIRED", f.key, None, f.header))
            continue
        typed = equivalent(f, typed)
        value, problem = normaliser(f.type, f.enum)(typed)
        if problem is not None:
            problems.append((problem.code, f.key, typed, problem.expected))
            continue
        chosen = value if isinstance(value, list) else [value]
        if f.enum and f.type in ("enum", "multi") and any(x not in f.enum for x in chosen):
            problems.append(("CELL_ENUM", f.key, typed, "、".join(f.enum)))
            continue
        limit = f.schema.get("maxLength")
        if limit and isinstance(value, str) and len(value) > limit:
            problems.append(("CELL_TOO_LONG", f.key, typed, str(limit)))
            continue
        values[f.key] = value
    return values, problems


def equivalent(f: Any, typed: Any) -> Any:
    """The option a cell means when it is written another common way (`x-equivalents`: 升级 is 改建)."""
    said = f.schema.get("x-equivalents") or {}
    return said.get(typed.strip(), typed) if isinstance(typed, str) else typed


def nature_of(value: Any) -> Any:
    """A project's 建设性质 read as the form's options (升级改造 -> 改建)."""
    return equivalent(planned_sheet().by_key["nature"], value)
