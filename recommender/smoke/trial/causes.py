"""Why an install did not happen, read from pip's or uv's log: one line a person can act on.

A full disk, a refusing proxy and an unreachable index are this machine's state, not the plan's
fault: the row stays rules-only. Anything else the installer rejected (no such version, no wheel
for this Python, a conflict) is a finding: the planned command does not install here.
"""

from __future__ import annotations

import re

from recommender.smoke.trial.values import DISK_FULL, INSTALL_FAILED, OFFLINE, PROXY

_TAIL = 256 << 10
_DISK = re.compile(r"No space left on device|\[Errno 28\]|os error 28|ENOSPC|Disk quota exceeded")
_PROXY = re.compile(
    r"ProxyError|Tunnel connection failed|407 Proxy Authentication|Unable to connect to proxy"
    r"|proxy.*(refused|denied|403)",
    re.IGNORECASE,
)
_OFFLINE = re.compile(
    r"Failed to establish a new connection|Connection refused|Name or service not known"
    r"|Temporary failure in name resolution|Network is unreachable|No route to host"
    r"|nodename nor servname|getaddrinfo failed|Could not fetch URL|ConnectTimeoutError"
    r"|Read timed out|dns error|tcp connect error|error sending request|client error \(Connect\)"
    r"|Failed to fetch",
    re.IGNORECASE,
)
#: pip's error lines ("ERROR: ..."), uv's ("error: ...", "  × ...", "  ╰─▶ ...").
_ERROR = re.compile(r"^\s*(?:ERROR:|error:|×|╰─▶)\s*(.+)$")
_URL = re.compile(r"https?://[^\s'\")]+|file:[^\s'\")]+")


def read_tail(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            fh.seek(max(0, fh.tell() - _TAIL))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def classify(log_text: str) -> tuple[str, str]:
    """(status, one-line reason) of a failed install or preview."""
    lines = [line.rstrip() for line in log_text.splitlines() if line.strip()]
    if hit := _first(lines, _DISK):
        return DISK_FULL, f"the disk is full: {hit}"
    if hit := _first(lines, _PROXY):
        return PROXY, f"the proxy refused the connection: {hit}"
    if hit := _first(lines, _OFFLINE):
        where = _URL.search(hit) or _index(lines)
        place = f" ({where.group(0).rstrip('/.,:')})" if where else ""
        return OFFLINE, f"offline: the package index could not be reached{place}"
    return INSTALL_FAILED, error_line(lines)


def _index(lines: list[str]) -> re.Match[str] | None:
    """The index pip said it looks in ("Looking in indexes: URL"), when the error names none."""
    for line in lines:
        if line.startswith("Looking in indexes:"):
            return _URL.search(line)
    return None


def error_line(lines: list[str]) -> str:
    """The installer's own first error line (its last line when it printed none)."""
    for line in lines:
        match = _ERROR.match(line)
        if match and match.group(1).strip():
            return _short(match.group(1).strip())
    return _short(lines[-1].strip()) if lines else "the installer failed without a message"


def _first(lines: list[str], pattern: re.Pattern[str]) -> str | None:
    for line in lines:
        if pattern.search(line):
            return _short(line.strip())
    return None


def _short(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
