"""Errors the pure stages raise: plain exceptions that know nothing of click.

``cli/main.py``'s group maps each to its exit code (a ``BadRequest`` is bad input, exit 2), so
that ``decide/`` can refuse a value without speaking the CLI's language.
"""

from __future__ import annotations


class BadRequest(ValueError):
    """A value outside what a pure stage accepts (a framework, backend or accelerator it does not
    know). ``where`` names the input when there is one."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message
        self.where = where


__all__ = ["BadRequest"]
