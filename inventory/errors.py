"""Exceptions that stop a run, and the exit codes of the command line (see contract.md)."""

from __future__ import annotations

import errno
import os
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


_OS_REASONS = {
    errno.ENOENT: "文件不存在",
    errno.ELOOP: "这是一个循环指向自身的快捷方式（符号链接）",
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有权限",
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "磁盘配额已用完",
    errno.EROFS: "所在的磁盘是只读的",
    errno.EISDIR: "这是一个文件夹",
    errno.ENAMETOOLONG: "文件名太长",
    errno.EIO: "磁盘读写出错",
}


def os_reason(exc: OSError, path: object = None) -> str:
    """What an operating-system error means, in Chinese (its own text is English)."""
    if exc.errno == errno.ENOENT and path is not None and os.path.islink(path):
        return f"快捷方式（符号链接）指向的文件不存在：{os.readlink(path)}"
    return _OS_REASONS.get(exc.errno or 0, exc.strerror or type(exc).__name__)
