"""pip or uv: the commands that make an environment, preview an install and run it.

uv when present (on PATH, or beside this Python: ``pip install uv`` puts it there), else the
standard library's ``venv`` and the environment's own pip. ``DLREC_TRY_INSTALLER=pip|uv``
chooses. The plan's own arguments are passed as they are; only flags that change what is shown,
never what is installed, are added (no progress bars, no prompts, no version check).

The preview is the installer's own resolution without installing: pip's ``install --dry-run
--report`` (sizes then from the index: a HEAD request per file, or the file's size on disk for
a ``file:`` URL), uv's ``pip compile --format pylock.toml`` (the lock carries the index's sizes).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from recommender.core.numfmt import is_digits
from recommender.smoke.trial.values import Package

#: pip options that take a value (so the value is not read as a requirement).
_VALUED = frozenset(
    {"--index-url", "-i", "--extra-index-url", "--find-links", "-f", "-c", "--constraint"}
)
#: pip options kept for a uv compile (an index choice); the rest only matter to an install.
_INDEX = frozenset({"--index-url", "-i", "--extra-index-url", "--find-links", "-f"})
_HEAD_TIMEOUT_S = 15.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Installer:
    kind: str  # "pip" or "uv"
    uv: str | None = None

    def create(self, path: str) -> list[str]:
        """Make an empty environment at ``path`` from this Python (never this environment)."""
        if self.uv:
            return [self.uv, "venv", "--quiet", "--python", sys.executable, path]
        return [sys.executable, "-m", "venv", path]

    def preview(self, python: str, step: Sequence[str], workdir: str) -> tuple[list[str], str]:
        """(argv, the file it writes) resolving ``step`` for ``python`` without installing."""
        if self.uv:
            requirements, flags = split(step[1:])
            req = os.path.join(workdir, "requirements.in")
            with open(req, "w", encoding="utf-8") as fh:
                fh.write("\n".join(requirements) + "\n")
            lock = os.path.join(workdir, "pylock.toml")
            argv = [self.uv, "pip", "compile", req, "--quiet", "--python", python]
            argv += ["--format", "pylock.toml", "-o", lock, *flags]
            return argv, lock
        report = os.path.join(workdir, "report.json")
        argv = [python, "-m", "pip", *step[:1], "--dry-run", "--ignore-installed"]
        return [*argv, "--report", report, *_QUIET, *step[1:]], report

    def install(self, python: str, step: Sequence[str]) -> list[str]:
        if self.uv:
            return [self.uv, "pip", *step[:1], "--python", python, "--no-progress", *step[1:]]
        return [python, "-m", "pip", *step[:1], *_QUIET, *step[1:]]

    def packages(self, written: str) -> tuple[Package, ...]:
        """What the preview resolved, with sizes where the index tells them."""
        return _from_lock(written) if self.uv else _from_report(written)


_QUIET = ("--progress-bar", "off", "--no-input", "--disable-pip-version-check")


def choose(env: Mapping[str, str]) -> Installer:
    wanted = env.get("DLREC_TRY_INSTALLER", "").strip().lower()
    if wanted == "pip":
        return Installer(kind="pip")
    beside = os.path.join(os.path.dirname(sys.executable), "uv")
    uv = shutil.which("uv", path=env.get("PATH")) or (
        beside if os.access(beside, os.X_OK) else None
    )
    if uv and wanted in ("", "uv"):
        return Installer(kind="uv", uv=uv)
    return Installer(kind="pip")


def split(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """(requirements, index flags) of pip install arguments."""
    requirements, flags, i = [], [], 0
    while i < len(args):
        arg = args[i]
        if arg in _VALUED and i + 1 < len(args):
            if arg in _INDEX:
                flags += [arg, args[i + 1]]
            i += 2
            continue
        if arg.startswith("-"):
            name = arg.split("=", 1)[0]
            if name in _INDEX:
                flags.append(arg)
        else:
            requirements.append(arg)
        i += 1
    return requirements, flags


# --- sizes ---------------------------------------------------------------------------------


def _from_report(path: str) -> tuple[Package, ...]:
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    items = []
    for item in doc.get("install") or ():
        meta, info = item.get("metadata") or {}, item.get("download_info") or {}
        items.append((str(meta.get("name", "?")), str(meta.get("version", "?")), info.get("url")))
    with ThreadPoolExecutor(max_workers=8) as pool:
        sizes = list(pool.map(lambda it: url_size(it[2]), items))
    return tuple(Package(name=n, version=v, size=s) for (n, v, _), s in zip(items, sizes))


def url_size(url: str | None) -> int | None:
    """The size of a distribution file: on disk for ``file:``, else the index's HEAD answer."""
    if not url:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        try:
            return os.path.getsize(urllib.request.url2pathname(parts.path))
        except OSError:
            return None
    if parts.scheme not in ("http", "https"):
        return None
    request = urllib.request.Request(url.split("#", 1)[0], method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=_HEAD_TIMEOUT_S) as response:  # noqa: S310
            length = response.headers.get("Content-Length")
    except (OSError, ValueError):
        return None
    return int(length) if length and is_digits(length) else None


def _from_lock(path: str) -> tuple[Package, ...]:
    try:
        import tomllib
    except ImportError:  # Python 3.10: names without sizes
        return _names_only(path)
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    out = []
    for pkg in doc.get("packages") or ():
        files = pkg.get("wheels") or ([pkg["sdist"]] if pkg.get("sdist") else [])
        size = files[0].get("size") if len(files) == 1 else None
        out.append(
            Package(
                name=str(pkg.get("name", "?")),
                version=str(pkg.get("version", "?")),
                size=size if isinstance(size, int) else None,
            )
        )
    return tuple(out)


def _names_only(path: str) -> tuple[Package, ...]:
    out, name = [], None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("name = "):
                name = line.split("=", 1)[1].strip().strip('"')
            elif line.startswith("version = ") and name:
                out.append(Package(name=name, version=line.split("=", 1)[1].strip().strip('"')))
                name = None
    return tuple(out)
