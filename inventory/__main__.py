"""`python -m inventory` and the `inventory` command. Ctrl-C at any moment ends with a short message,
never a traceback: while the command line is still being set up (nothing written yet) an interrupt
ends the process at once; from the moment a command runs it is raised as usual, so a write in
progress is rolled back by its own handlers."""

import _signal  # the C module, not `signal` (which builds enums first): the handler is in place sooner
import os  # already loaded by Python's own start-up
import sys


def _quit() -> None:
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

    run()


if __name__ == "__main__":
    main()
