"""Exceptions that stop a run, and the exit codes of the command line (see contract.md)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    DATA = 1  # the data has problems: a file with errors, an unreadable file, a rejected import
    USAGE = 2  # unknown option, missing path, unknown unit
    ENVIRONMENT = 3  # database unreachable, broken form schema, unwritable output


class InventoryError(Exception):
    """A condition that stops the command. `hint` tells the user how to fix it."""

    exit_code = ExitCode.DATA

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(InventoryError):
    """The command was called wrongly: a path that does not exist, an unknown unit name."""

    exit_code = ExitCode.USAGE


class SetupError(InventoryError):
    """The installation is broken: a form schema that is not valid, an unreachable database."""

    exit_code = ExitCode.ENVIRONMENT


class OutputError(InventoryError):
    """An output file or folder cannot be written."""

    exit_code = ExitCode.ENVIRONMENT
