"""`python -m inventory` and the `inventory` command. Ctrl-C at any moment ends with a short message,
never a traceback: while the command line is still being set up (nothing written yet) an interrupt
ends the process at once; from the moment a command runs it is raised as usual, so a write in
progress is rolled back by its own handlers; once the command is over, the process ends at once
(an interrupt then too)."""

import _signal  # the C module, not `signal` (which builds enums first): the handler is in place sooner
import os  # already loaded by Python's own start-up
import sys


def _quit() -> None:
    try:  # noqa: SIM105 (contextlib is not imported this early)
        sys.stdout.flush()  # what was already said stays said
    except Exception:
        pass
    sys.stderr.write("已中止。\n")
    sys.stderr.flush()
    os._exit(130)


def _interrupt_while_starting(signum, frame) -> None:
    _quit()


def _interrupt_in_a_callback(unraisable) -> None:
    """Ctrl-C that lands inside a callback the interpreter runs for itself (an import lock's weakref,
    a finaliser) never reaches our handlers: Python would print "Exception ignored" with a traceback
    and go on. End there instead, as every other interrupt ends."""
    if issubclass(unraisable.exc_type, KeyboardInterrupt):
        _quit()
    sys.__unraisablehook__(unraisable)


_signal.signal(_signal.SIGINT, _interrupt_while_starting)
sys.unraisablehook = _interrupt_in_a_callback


def main() -> None:
    if sys.argv[1:] == ["--version"]:  # answered before the command line framework is even imported
        from . import __version__

        sys.stdout.write(f"inventory {__version__}\n")
        return
    from .cli.app import main as run  # importing the package registers every command

    try:
        run()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    finally:  # the command is over: an interrupt from here on ends at once, said as always
        _signal.signal(_signal.SIGINT, _interrupt_while_starting)
    _leave(code)


def _leave(code: object) -> None:
    """End without Python's own finalisation: once it has put back the default handlers, Ctrl-C
    would kill the process without a word, and freeing a big run's objects one by one only costs time."""
    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # a closed pipe: nothing more can be said
        pass
    os._exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
