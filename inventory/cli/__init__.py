"""The command line: parse options, call the library, render the result. No business logic lives here.

`app.py` holds the typer application, the shared options and the entry point that maps errors to
Chinese messages and exit codes; each other module registers one group of commands (in the order of
`MODULES`, which is the order `--help` lists them); `render.py` draws terminal output. It may import
every other subpackage. A command line that names one command loads only the module that registers
it (typer inspects every registered command's signature at start-up: ~40 ms for all of them).
"""

from __future__ import annotations

import importlib

MODULES = (
    "units",
    "forms",
    "returns",
    "review",
    "reports",
    "rounds",
    "references",
    "findings",
    "dispositions",
    "planned",
    "signoffs",
    "evidence",
    "queries",
    "faq",
    "accounts",
    "serve",
    "demo",
)

# the first word of a command line -> the module that registers it
COMMANDS = {
    "units": "units",
    "schema": "forms",
    "template": "forms",
    "validate": "returns",
    "import": "returns",
    "submissions": "returns",
    "review": "review",
    "db": "returns",
    "report": "reports",
    "round": "rounds",
    "reference": "references",
    "findings": "findings",
    "disposition": "dispositions",
    "planned": "planned",
    "signoff": "signoffs",
    "evidence": "evidence",
    "query": "queries",
    "kb": "faq",
    "account": "accounts",
    "audit": "accounts",
    "serve": "serve",
    "demo": "demo",
}


# first words that are single commands; every other one is a group of commands (named alone, it shows its help)
SINGLE = {"validate", "import", "serve", "demo"}
GROUPS = set(COMMANDS) - SINGLE


def load_commands(argv: list[str] | None = None) -> None:
    """Register the commands: only the one `argv` names, or all of them (for help, a typo, docs)."""
    words = [a for a in argv or () if not a.startswith("-")]
    wanted = [COMMANDS[words[0]]] if words and words[0] in COMMANDS and not {"-h", "--help"} & set(argv or ()) else MODULES
    for name in wanted:
        importlib.import_module(f"{__name__}.{name}")
