"""The package layout: dependencies point one way (CLI and web down to `form/`), no import cycles, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "inventory"

# subpackage -> the subpackages it may import ("base" is the top-level modules: errors, resources, output, ...)
BELOW = ["base", "form", "kb", "template", "intake", "store", "workflow", "assess", "report"]
ALLOWED: dict[str, set[str]] = {
    "base": set(),
    "form": {"base"},
    "kb": {"base", "form"},
    "template": {"base", "form"},
    "intake": {"base", "form", "kb", "template"},
    "store": {"base", "form", "intake"},
    "workflow": {"base", "form", "store"},
    "assess": {"base", "form"},
    "report": {"base", "form", "store", "workflow", "assess"},
    "planned": {*BELOW},  # planned projects checked against the inventory: reads, checks, records, reports
    "demo": {*BELOW, "planned"},  # the demo ends with 预审 of planned projects
    "web": {*BELOW, "planned"},
    "cli": {*BELOW, "demo", "web", "planned"},
}
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 150


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or (len(parts) == 2 and (PACKAGE / f"{parts[1]}.py").exists()):
        return "cli" if module == "inventory.__main__" else "base"
    return parts[1]


def imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of the package that `module` imports (anywhere in the file, functions included)."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "inventory"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "inventory":
                target = node.module
            else:
                continue
            for alias in node.names:  # `from . import render` names a module
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in known else target)
    return {m for m in out if m in known and m != module}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {m: imports(m, p, known) for m, p in known.items()}


def test_every_import_points_down_the_flow():
    wrong = []
    for module, targets in graph().items():
        for target in targets:
            src, dst = layer(module), layer(target)
            if src != dst and dst not in ALLOWED[src]:
                wrong.append(f"{module} ({src}) imports {target} ({dst})")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_cycles():
    g = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(g):
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_every_subpackage_says_what_it_owns_and_may_import():
    for sub in sorted(set(ALLOWED) - {"base"}):
        init = PACKAGE / sub / "__init__.py"
        assert init.exists(), sub
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert len(doc) > 60 and "import" in doc, f"{sub}/__init__.py needs a docstring: what it owns, what it may import"


def test_modules_and_classes_stay_small():
    big = []
    for module, path in modules().items():
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > MAX_MODULE_LINES:
            big.append(f"{module}: {lines} lines")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                big.append(f"{module}.{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert not big, big


def test_the_checker_sees_a_wrong_import(tmp_path):
    """The layer rule itself: an upward import is caught (so a passing test means something)."""
    src, dst = layer("inventory.form.issues"), layer("inventory.kb.links")
    assert (src, dst) == ("form", "kb") and dst not in ALLOWED[src]
    assert layer("inventory.output") == "base" and layer("inventory.__main__") == "cli"
