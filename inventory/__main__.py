"""`python -m inventory` and the `inventory` command. Nothing heavy is imported before the interrupt
handler is in place, so Ctrl-C at any moment ends with a short message, never a traceback."""

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:  # answered before the command line framework is even imported
        from . import __version__

        sys.stdout.write(f"inventory {__version__}\n")
        return
    try:
        from .cli.app import main as run  # importing the package registers every command
    except KeyboardInterrupt:
        sys.stderr.write("已中止。\n")
        sys.exit(130)
    run()


if __name__ == "__main__":
    main()
