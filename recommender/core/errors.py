"""Errors and exit codes: the one place both are defined."""

from __future__ import annotations

import enum

import click


class ExitCode(enum.IntEnum):
    """Every exit status dlrec returns (documented in the README)."""

    OK = 0
    #: A check failed: a smoke run failed, or a checklist item is red.
    FAILED = 1
    #: Bad input: flags, answers, facts or rule files. Nothing ran.
    BAD_INPUT = 2
    #: A bug in dlrec: one line on stderr, the traceback in a log file.
    INTERNAL = 3
    #: Interrupted by Ctrl-C, or ``dlrec ask`` cancelled with ``q`` or Ctrl-D.
    INTERRUPTED = 130


class DlrecError(click.ClickException):
    """Base error: a message for a person, and the exit code it maps to."""

    exit_code = ExitCode.INTERNAL

    def show(self, file=None) -> None:  # one line, no "Usage:" noise
        click.echo(f"dlrec: error: {self.format_message()}", file=file, err=True)


class BadInputError(DlrecError):
    """A flag, answers, facts or rules file is invalid. Says where and what is allowed."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where


class Cancelled(DlrecError):
    """The user cancelled a prompt (``q`` or Ctrl-D in ``dlrec ask``): exit 130, nothing written."""

    exit_code = ExitCode.INTERRUPTED

    def show(self, file=None) -> None:
        click.echo(f"dlrec: {self.format_message()}", file=file, err=True)


class ProbeError(DlrecError):
    """A probe could not run at all (individual probe failures are reported, not raised)."""

    exit_code = ExitCode.INTERNAL


class SmokeError(DlrecError):
    """The smoke engine could not start (failed runs are results, not errors)."""

    exit_code = ExitCode.FAILED


class NotInstalledError(SmokeError):
    """``dlrec smoke --framework F`` for a framework this Python lacks: nothing can train (exit
    1, as a failed run), and the command layer adds the install planner's command."""

    def __init__(self, message: str, *, frameworks: tuple[str, ...]) -> None:
        super().__init__(message)
        self.frameworks = frameworks
