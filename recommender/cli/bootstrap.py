"""Start dlrec: check the Python it runs in before importing anything that could break there.

The CLI's one top-level guard (``recommender.cli.main.main``) turns errors into one line, but it
is itself built on click, and the commands on yaml, json, rich and packaging. A ``click.py`` or
``json.py`` on PYTHONPATH (or in the working directory) shadows the real module; a half-removed
package breaks on import. Either would end in a traceback before the guard exists, or in an
"internal error" (exit 3) for what is the environment's doing. ``run`` checks each dependency
first and says, in one line, which module is broken, where it was imported from, and what it
shadows; exit 2. PyYAML, which a warm run does not need, is only located here when it is the
installed one (``ON_FIRST_USE``): its first use imports it, and a broken one is one line there.

It also makes stdout tolerant: a character the output's encoding cannot hold
(``PYTHONIOENCODING=latin-1`` in a folder named ``café™``, a file name that is not UTF-8) is
written as a ``\\uXXXX`` escape instead of ending the run. In JSON output that escape is the very
character, so nothing is lost.

Nothing here imports click, rich or yaml before checking them, and until the CLI's guard installs
its own signal handlers, Ctrl-C, SIGTERM or SIGHUP (during these imports) end the program with
its one line, ``dlrec: interrupted`` (exit 130), never Python's traceback.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import io
import os
import signal
import sys
import traceback
from typing import cast

from recommender.core.early import SIGNALS, CollectorPaused, interrupted

#: The modules dlrec needs and the names it uses from each, checked before the CLI is imported.
REQUIRED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("json", ("dumps", "loads", "JSONDecodeError")),
    ("click", ("group", "command", "option", "echo", "ClickException", "Context")),
    ("yaml", ("safe_load", "SafeLoader", "YAMLError", "MappingNode")),
    ("packaging.version", ("Version", "InvalidVersion")),
    ("rich", ()),
)
#: Submodules whose presence is checked without importing them (keeps ``dlrec --help`` fast).
PACKAGES = ("rich.console", "rich.table", "packaging.specifiers")
#: Modules imported only when first used (PyYAML's import alone costs about 25 ms, and a warm
#: run reads no YAML): checked here by where they would come from. The installed one is left
#: to its first use (``core/documents`` turns a broken one into one line, exit 2); one that
#: another folder (PYTHONPATH, the working directory) would put first is imported and checked
#: now, as the rest are.
ON_FIRST_USE = frozenset({"yaml"})
#: Exit status for a broken environment: the input dlrec was given to run in (errors.ExitCode).
BAD_ENVIRONMENT = 2


def _origin(module_name: str) -> str | None:
    module = sys.modules.get(module_name)
    return getattr(module, "__file__", None) if module is not None else None


def _shadowed(name: str) -> str | None:
    """Where ``name`` would come from without PYTHONPATH and the working directory, when that
    differs from where it did come from."""
    top = name.split(".")[0]
    skip = {_absolute(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p}
    skip |= {_absolute("")}
    path = [p for p in sys.path if p and _absolute(p) not in skip]
    try:
        spec = importlib.machinery.PathFinder.find_spec(top, path)
    except (ImportError, ValueError, OSError):
        return None
    found = spec.origin if spec is not None else None
    return found if found and found != _origin(top) else None


def _absolute(path: str) -> str | None:
    """The folder as an absolute path; None for a relative one when the working directory has
    been deleted (``os.getcwd`` raises there, and a run from a deleted folder must still work)."""
    if os.path.isabs(path):
        return os.path.normpath(path)
    try:
        return os.path.abspath(path)
    except OSError:
        return None


def _installed(name: str) -> bool | None:
    """True when ``import name`` would load the installed module (none of PYTHONPATH's folders or
    the working directory comes first with one); False when something else would be loaded;
    None when there is no such module at all."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False  # let the import say what is wrong
    if spec is None:
        return None
    skip = {_absolute(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p}
    skip |= {_absolute("")}
    path = [p for p in sys.path if p and _absolute(p) not in skip]
    try:
        real = importlib.machinery.PathFinder.find_spec(name, path)
    except (ImportError, ValueError, OSError):
        return False
    return real is not None and real.origin == spec.origin


def _broken(name: str, problem: str, where: str | None = None) -> str:
    where = where or _origin(name.split(".")[0])
    real = _shadowed(name)
    line = f"dlrec: error: the module {name!r}"
    line += f" (imported from {where})" if where else ""
    line += f" is broken: {problem}"
    if real:
        line += f"; it shadows the installed one at {real}: remove it from PYTHONPATH or the folder"
    else:
        line += "; reinstall dlrec's dependencies: python -m pip install --force-reinstall dlrec"
    return " ".join(line.split())  # one line, whatever the error said


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _culprit(exc: BaseException, default: str) -> tuple[str, str | None]:
    """(module, file) a failed import died in: the last traceback frame outside dlrec's own
    package, or the module a ModuleNotFoundError names."""
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        return exc.name, None
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # recommender/
    files = [
        f.filename
        for f in traceback.extract_tb(exc.__traceback__)
        if not f.filename.startswith("<") and not os.path.abspath(f.filename).startswith(here)
    ]
    if not files:
        return default, None
    for name, module in list(sys.modules.items()):
        if getattr(module, "__file__", None) == files[-1]:
            return name, files[-1]
    stem = os.path.splitext(os.path.basename(files[-1]))[0]
    return (os.path.basename(os.path.dirname(files[-1])) if stem == "__init__" else stem), files[-1]


#: What ``dlrec --help`` (and ``--version``, ``--completion``) needs: the rest is checked when a
#: command runs, so the help stays fast (yaml alone takes 50 ms to import).
HELP_ONLY = frozenset({"json", "click"})
_HELP_FLAGS = frozenset({"-h", "--help", "--version", "--completion"})


def _help_only(argv: list[str]) -> bool:
    """A bare ``dlrec``, or a run whose options include a help or version flag."""
    return not argv or any(a in _HELP_FLAGS for a in argv)


def check_dependencies(*, help_only: bool = False) -> str | None:
    """None when every dependency imports and has what dlrec uses; else the one-line message.
    ``help_only``: the modules the help text needs (the rest is checked on a real command)."""
    for name, attrs in REQUIRED:
        if help_only and name not in HELP_ONLY:
            continue
        if name in ON_FIRST_USE and name not in sys.modules and _installed(name):
            continue  # the installed module: imported (and checked) where it is first used
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - whatever a broken module raises on import
            return _broken(*_named(exc, name))
        missing = [a for a in attrs if not hasattr(module, a)]
        if missing:
            return _broken(name, f"it has no {', '.join(missing)}")
    for name in () if help_only else PACKAGES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError) as exc:
            return _broken(name.split(".")[0], _first_line(exc))
        if not found:
            return _broken(name.split(".")[0], f"it has no {name.split('.', 1)[1]}")
    return None


def _named(exc: BaseException, default: str) -> tuple[str, str, str | None]:
    module, where = _culprit(exc, default)
    return module, _first_line(exc), where


def tolerant_stdout() -> None:
    """Write what stdout's encoding cannot hold as an escape, never fail on it."""
    stream = sys.stdout
    if stream is not None and getattr(stream, "errors", None) == "strict":
        try:
            cast(io.TextIOWrapper, stream).reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):  # not a TextIOWrapper, or already closed
            pass


def run(argv: list[str] | None = None) -> None:
    """The entry point: check the environment, then hand over to the CLI's guard (which
    replaces the early signal handlers with its own before anything starts)."""
    for name in SIGNALS:  # again: run() may be called by a program that is not dlrec's launcher
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), interrupted)
    tolerant_stdout()
    with CollectorPaused():  # imports only: long-lived objects, nothing to collect
        problem = check_dependencies(help_only=_help_only(sys.argv[1:] if argv is None else argv))
        if problem is None:
            try:
                from recommender.cli.main import main
            except Exception as exc:  # noqa: BLE001 - before the CLI's guard exists, this is it
                problem = _broken(*_named(exc, "recommender"))
    if problem is not None:
        print(problem, file=sys.stderr)
        sys.exit(BAD_ENVIRONMENT)
    main(argv)


__all__ = ["REQUIRED", "check_dependencies", "run", "tolerant_stdout"]
