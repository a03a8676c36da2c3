"""The command line: parse options, call the library, render the result. No business logic lives here.

`app.py` holds the typer application, the shared options and the entry point that maps errors to
Chinese messages and exit codes; each other module registers one group of commands (in this order,
which is the order `--help` lists them); `render.py` draws terminal output. It may import every
other subpackage.
"""

# isort: off
from .app import app, main
from . import forms, returns, reports, rounds, references, findings, dispositions, faq, serve, demo  # noqa: F401  (registering the commands)

# isort: on

__all__ = ["app", "main"]
