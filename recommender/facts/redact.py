"""Shareable reports: mask what identifies a person or a machine before a report is pasted.

``redact(doc, identity)`` is pure: a JSON-ready document in, a new one out. Every string in it
(keys and values, at any depth) has
- the home folder replaced by ``~`` (``/home/alice/.venv/bin/python`` -> ``~/.venv/bin/python``),
  and so has any other home folder (``/home/NAME``, ``/Users/NAME``, ``C:\\Users\\NAME``): a
  facts document from another machine names its own user's home, not this one's;
- the user name replaced by ``<user>`` and the host name by ``<host>`` (whole words only);
  the host names of other machines' facts (``Identity.including``) by ``<host-1>``, ``<host-2>``;
- the value of every secret-looking environment variable (``*TOKEN*``, ``*SECRET*``,
  ``*PASSWORD*``, ``*_KEY``, ...) replaced by ``<redacted>``, wherever it appears;
- the credentials in a URL (``https://alice:S3cr3t@host/simple`` -> ``https://<redacted>@host/simple``),
  a bearer token, and well-known token formats (``ghp_...``, ``hf_...``, ``AKIA...``) masked,
  whatever their source,
and a mapping entry whose key itself looks secret keeps its key with a ``<redacted>`` value.

``redact_value`` does the same through frozen dataclasses, mappings and tuples, for the
renderers that take values rather than documents. ``Identity.current()`` reads this process's
home, user, host and environment (the only impure part).
"""

from __future__ import annotations

import dataclasses
import enum
import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

HOME, USER, HOST, SECRET = "~", "<user>", "<host>", "<redacted>"

#: Environment variable names whose values are treated as secrets.
_SECRET_NAME = re.compile(
    r"(TOKEN|SECRET|PASSW(OR)?D|PASSPHRASE|CREDENTIAL|PRIVATE|(^|_)API_?KEY|ACCESS_?KEY|(^|_)AUTH(_|$)|"
    r"SESSION|COOKIE|(^|_)KEY$|_PAT$|WEBHOOK|DSN$)",
    re.IGNORECASE,
)
_MIN_SECRET = 4  # shorter values ("1", "yes") would mask half the report and protect nothing
_MIN_NAME = 2

_PATH_END = r"""(?=$|[/\\\s"':,;)\]}])"""
_NAME = r"""[^/\\\s"':,;)\]}]+"""
#: Any user's home folder on Linux, macOS and Windows (not the shared ones): the whole match.
_ANY_HOME = re.compile(
    rf"""(?<![\w.~-])
    (?: (?:/var)?/home/ | /Users/(?!Shared{_PATH_END}) | [A-Za-z]:[\\/]+Users[\\/]+(?!(?:Public|Default){_PATH_END}) )
    {_NAME}{_PATH_END}""",
    re.IGNORECASE | re.VERBOSE,
)
#: Credentials wherever they are spelled out, whatever their source.
_CREDENTIALS = (
    (re.compile(r"\b([a-z][a-z0-9+.-]{0,31}://)[^/\s@]+@", re.IGNORECASE), rf"\1{SECRET}@"),
    (re.compile(r"\b(Bearer)\s+[A-Za-z0-9._~+/=-]{16,}", re.IGNORECASE), rf"\1 {SECRET}"),
    (
        re.compile(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|hf_[A-Za-z0-9]{20,}"
            r"|sk-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16})\b"
        ),
        SECRET,
    ),
)


def secret_name(name: str) -> bool:
    """Whether an environment variable (or mapping key) named ``name`` holds a secret."""
    return bool(_SECRET_NAME.search(name))


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """What to mask: the home folder(s), user name(s), host name(s) and secret values."""

    homes: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    #: (name, mask) pairs: other machines' host names, each with its own mask (``<host-1>``).
    named: tuple[tuple[str, str], ...] = ()

    def including(self, *docs: Mapping[str, Any]) -> Identity:
        """This identity plus what other machines' facts documents name: their host names
        (``hostname``, ``os.hostname``; ``<host-1>``, ``<host-2>``... in order) and the users
        whose home folders their paths show."""
        named = dict(self.named)
        users = set(self.users)
        for doc in docs:
            os_raw = doc.get("os")
            os_section: Mapping[str, Any] = os_raw if isinstance(os_raw, Mapping) else {}
            for host in (doc.get("hostname"), os_section.get("hostname")):
                if isinstance(host, str) and len(host.strip()) >= _MIN_NAME:
                    if host.strip() not in self.hosts:
                        named.setdefault(host.strip(), f"<host-{len(named) + 1}>")
            for text in _strings(doc):
                for match in _ANY_HOME.finditer(text):
                    users.add(re.split(r"[\\/]", match.group(0).rstrip("\\/"))[-1])
        return dataclasses.replace(self, named=tuple(named.items()), users=_clean(users, _MIN_NAME))

    @classmethod
    def current(cls, env: Mapping[str, str] | None = None) -> Identity:
        env = dict(os.environ if env is None else env)
        homes = {env.get("HOME", ""), env.get("USERPROFILE", ""), os.path.expanduser("~")}
        users = {env.get(k, "") for k in ("USER", "LOGNAME", "USERNAME")}
        try:
            import pwd

            entry = pwd.getpwuid(os.getuid())
            users.add(entry.pw_name)
            homes.add(entry.pw_dir)
        except (ImportError, KeyError, AttributeError, OSError):
            pass
        hosts = {env.get("HOSTNAME", "")}
        try:
            name = socket.gethostname()
            hosts.update({name, name.split(".")[0]})
        except OSError:
            pass
        secrets = {v for k, v in env.items() if secret_name(k) and len(v) >= _MIN_SECRET}
        return cls(
            homes=_clean(homes, 2),
            users=_clean(users, _MIN_NAME),
            hosts=_clean(hosts, _MIN_NAME),
            secrets=_clean(secrets, _MIN_SECRET),
        )


def _clean(values, minimum: int) -> tuple[str, ...]:
    # "/" as a home (root in some containers) would turn every path into "~..."; skip it.
    kept = {v.rstrip("/\\") or v for v in values if v and len(v) >= minimum and v.strip("/\\")}
    return tuple(sorted(kept, key=lambda v: (-len(v), v)))  # longest first: /home/al before /home


def _strings(value: Any):
    """Every string in a JSON-ready document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


#: A masked name is a whole word: not after one of these, not before one of the next.
_NOT_BEFORE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_NOT_AFTER = _NOT_BEFORE - {"."}


def _sub_word(text: str, name: str, mask: str) -> str:
    """``name`` as a whole word replaced by ``mask``, left to right (what the regex
    ``(?<![A-Za-z0-9_.-])NAME(?![A-Za-z0-9_-])`` does, without compiling one per name)."""
    out: list[str] = []
    start, at = 0, text.find(name)
    while at != -1:
        end = at + len(name)
        if (at == 0 or text[at - 1] not in _NOT_BEFORE) and (
            end == len(text) or text[end] not in _NOT_AFTER
        ):
            out += (text[start:at], mask)
            start, at = end, text.find(name, end)
        else:
            at = text.find(name, at + 1)
    return text if not out else "".join(out) + text[start:]


#: A name is masked as a whole word: not after [A-Za-z0-9_.-], not before [A-Za-z0-9_-]. A name
#: made of these characters can then only be a whole run of them, or the part of a run before
#: one of its dots ("node1" in "node1.example.com").
_WORD_CHARS = re.compile(r"[A-Za-z0-9_.-]+")
#: Names a mask itself could contain ("<host-12>"): tried on every string, after the others.
_IN_A_MASK = re.compile(r"(?:host(?:-[0-9]+)?|user|redacted)\Z")


def _runs(text: str) -> set[str]:
    """Every string a whole-word name could be in ``text``."""
    found = set()
    for run in _WORD_CHARS.findall(text):
        found.add(run)
        dot = run.find(".")
        while dot > 0:
            found.add(run[:dot])
            dot = run.find(".", dot + 1)
    return found


class Redactor:
    """Compiled once per identity; ``text`` masks one string.

    A fleet names thousands of hosts: each string is masked with only the names it can contain
    (looked up by its runs of name characters), in the one order every name has (longest first;
    other machines' hosts, this host, the users), so the result is the same as trying them all."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self._secrets = identity.secrets
        self._homes = [
            re.compile(rf"{re.escape(h)}(?=$|[/\\\s\"':,;)\]}}])") for h in identity.homes
        ]
        named = sorted(identity.named, key=lambda pair: (-len(pair[0]), pair[0]))
        order = (
            list(named) + [(h, HOST) for h in identity.hosts] + [(u, USER) for u in identity.users]
        )
        self._order: dict[str, int] = {}  # a name -> its place (its first, if listed twice)
        self._masks: list[tuple[str, str]] = order
        self._always: list[int] = []  # names the lookup cannot find: tried on every string
        for i, (name, _) in enumerate(order):
            # ".local" could follow a masked "node1" in "node1.local": tried on every string too
            if not _WORD_CHARS.fullmatch(name) or _IN_A_MASK.match(name) or name.startswith("."):
                self._always.append(i)
            else:
                self._order.setdefault(name, i)
        self._done: dict[str, str] = {}

    def text(self, value: str) -> str:
        done = self._done.get(value)
        if done is not None:
            return done
        original = value
        for secret in self._secrets:
            value = value.replace(secret, SECRET)
        for pattern, mask in _CREDENTIALS:
            value = pattern.sub(mask, value)
        for home in self._homes:
            value = home.sub(HOME, value)
        value = _ANY_HOME.sub(HOME, value)
        places = {self._order[r] for r in _runs(value) if r in self._order}
        for i in sorted(places.union(self._always)):
            value = _sub_word(value, *self._masks[i])
        if len(self._done) < 1 << 16:
            self._done[original] = value
        return value

    def doc(self, value: Any) -> Any:
        if isinstance(value, str) and not isinstance(value, enum.Enum):
            return self.text(value)
        if isinstance(value, Mapping):
            return {
                self.doc(k): (SECRET if _masked_entry(k, v) else self.doc(v))
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.doc(v) for v in value]
        return value

    def value(self, value: Any) -> Any:
        """Like ``doc``, but keeps types: frozen dataclasses, read-only mappings and tuples."""
        if isinstance(value, str) and not isinstance(value, enum.Enum):
            return self.text(value)
        if isinstance(value, enum.Enum) or value is None or isinstance(value, (bool, int, float)):
            return value
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {
                f.name: self.value(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if f.init
            }
            return dataclasses.replace(value, **changes)
        if isinstance(value, MappingProxyType):
            return MappingProxyType(
                {
                    self.value(k): (SECRET if _masked_entry(k, v) else self.value(v))
                    for k, v in value.items()
                }
            )
        if isinstance(value, dict):
            return {
                self.value(k): (SECRET if _masked_entry(k, v) else self.value(v))
                for k, v in value.items()
            }
        if isinstance(value, tuple) and not hasattr(value, "_fields"):
            return tuple(self.value(v) for v in value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value


def _masked_entry(key: Any, value: Any) -> bool:
    return (
        isinstance(key, str)
        and isinstance(value, str)
        and len(value) >= _MIN_SECRET
        and secret_name(key)
    )


def redact(doc: Mapping[str, Any], identity: Identity) -> dict[str, Any]:
    """A copy of ``doc`` with home, user, host and secrets masked (pure)."""
    return Redactor(identity).doc(doc)


def redact_text(text: str, identity: Identity) -> str:
    return Redactor(identity).text(text)


def redact_value(value: Any, identity: Identity) -> Any:
    """A copy of a frozen value (dataclasses, mappings, tuples) with the same masking."""
    return Redactor(identity).value(value)


__all__ = ["Identity", "Redactor", "redact", "redact_text", "redact_value", "secret_name"]
