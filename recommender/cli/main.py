"""Thin click commands: read options, call one core function, render the result.

Heavy modules (rich, probes, the rule engine) are imported inside the commands, so that
``dlrec --help`` stays fast.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from typing import cast

import click

from recommender import __version__
from recommender.cli import _stdout
from recommender.cli.choices import NamedChoice, file_path
from recommender.cli.options import redact_option
from recommender.core.early import CollectorPaused
from recommender.core.errors import BadInputError, DlrecError, ExitCode
from recommender.core.problems import BadRequest

# Ctrl-C while Python imports click and rich is one line already: ``import recommender`` installed
# the quiet start-up handlers (recommender/core/early.py); main() replaces them with the real ones.


# Commands that live in their own modules, imported only when invoked (keeps --help fast).
LAZY_COMMANDS = {
    "recommend": (
        "recommender.cli.recommend",
        "recommend",
        "Rank TensorFlow, PyTorch, Keras and JAX for your answers.",
    ),
    "ask": (
        "recommender.cli.recommend",
        "ask",
        "The interactive questionnaire, then the recommendation.",
    ),
    "smoke": (
        "recommender.cli.smoke",
        "smoke",
        "Smoke-train each installed framework on each usable device.",
    ),
    "rules": ("recommender.cli.rules", "rules", "Check, list and explain the rule base."),
    "checklist": (
        "recommender.cli.checklist",
        "checklist",
        "What stands between you and a working training run.",
    ),
    "init": (
        "recommender.cli.checklist",
        "init",
        "Write a starter project (requirements, train.py, SETUP.md).",
    ),
    "cache": (
        "recommender.cli.cache",
        "cache",
        "List or prune the throwaway environments that --try made.",
    ),
    "fleet": (
        "recommender.cli.fleet",
        "fleet",
        "Probe or smoke-train every node of a Slurm or Ray cluster.",
    ),
    "plan": (
        "recommender.cli.plan",
        "plan",
        "The install plan for a machine described by flags (no GPU needed).",
    ),
    "diagnose": (
        "recommender.cli.diagnose",
        "diagnose",
        "Diagnose a pasted bug report (any environment dump or error message).",
    ),
    "diff": (
        "recommender.cli.diff",
        "diff",
        "What differs between two machines' facts and smoke results.",
    ),
}


class _ReaderLeft(Exception):
    """stdout's reader went away (``dlrec probe | head``). Not an OSError, so that click's own
    EPIPE handler (which exits 1, "a check failed") lets it through to ``main``."""


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's documented lazy pattern)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise _ReaderLeft() from exc
        except BadRequest as exc:  # a pure stage refused a value: bad input, exit 2
            raise BadInputError(exc.message, where=exc.where) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module_name, attr, _ = LAZY_COMMANDS[name]
            import importlib

            try:
                with CollectorPaused():  # the command's stages and the rule base: long-lived
                    module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                return None  # not built yet
            command = getattr(module, attr)
            if not command.help:  # PYTHONOPTIMIZE=2 strips docstrings: the summary remains
                command.help = LAZY_COMMANDS[name][2]
            return command
        return super().get_command(ctx, name)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """An unknown command name gets "did you mean" (``dlrec recomend``)."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            from recommender.core.names import did_you_mean

            ctx.fail(f"no such command {name!r}{did_you_mean(name, self.list_commands(ctx))}")
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (
                name,
                LAZY_COMMANDS[name][2]
                if name in LAZY_COMMANDS
                else (self.commands[name].get_short_help_str(70) if name in self.commands else ""),
            )
            for name in self.list_commands(ctx)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


COMPLETION_SHELLS = ("bash", "zsh", "fish")
#: The environment variable click's completion protocol reads (``_DLREC_COMPLETE=bash_complete``).
COMPLETE_VAR = "_DLREC_COMPLETE"


def _print_completion(ctx: click.Context, param: click.Parameter, shell: str | None) -> None:
    """``--completion SHELL``: print the script that wires click's completion into SHELL."""
    if shell is None or ctx.resilient_parsing:
        return
    from click.shell_completion import ShellComplete, get_completion_class

    # SHELL is one of COMPLETION_SHELLS, and click ships a class for each.
    completer = cast("type[ShellComplete]", get_completion_class(shell))
    click.echo(completer(ctx.command, {}, "dlrec", COMPLETE_VAR).source())
    ctx.exit(ExitCode.OK)


#: Help texts as strings, not docstrings: PYTHONOPTIMIZE=2 strips docstrings, and with them
#: click's help (``dlrec --help`` printed no description at all).
CLI_HELP = """Recommend TensorFlow, PyTorch, Keras or JAX for your project and this machine, and prove it.

    Start with `dlrec recommend`; `dlrec probe` shows what this machine is and has.
    """
PROBE_HELP = "Probe hardware and installed frameworks (imports no framework unless --deep)."


@click.group(
    cls=LazyGroup,
    help=CLI_HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="dlrec")
@click.option(
    "--completion",
    type=NamedChoice(COMPLETION_SHELLS),
    metavar="SHELL",
    expose_value=False,
    is_eager=True,
    callback=_print_completion,
    help="Print the shell completion script for SHELL (bash, zsh or fish); see the README.",
)
def cli() -> None:
    pass


@cli.command(help=PROBE_HELP)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the facts document (schema_version 1)."
)
@click.option(
    "--deep",
    is_flag=True,
    help="Also import each installed framework in its own "
    "subprocess and report the devices it really sees.",
)
@click.option(
    "--timeout-scale",
    type=click.FloatRange(0.1, 20.0),
    default=1.0,
    show_default=True,
    help="Multiply every probe's time budget.",
)
@click.option(
    "--import",
    "import_file",
    metavar="FILE",
    type=file_path(),
    help="Read the facts from FILE instead of probing: a `python -m torch.utils.collect_env` "
    "report (vLLM's too), or a facts document.",
)
@redact_option
def probe(
    as_json: bool, deep: bool, timeout_scale: float, import_file: str | None, redact: bool
) -> None:
    if import_file is not None:
        from recommender.facts.load import load_facts_file

        facts = load_facts_file(import_file)
    else:
        from recommender.facts.collect import collect_facts

        facts = collect_facts(deep=deep, scale=timeout_scale)
    if redact:
        from recommender.facts.document import Facts
        from recommender.facts.redact import Identity
        from recommender.facts.redact import redact as redact_doc

        facts = Facts.from_dict(
            redact_doc(facts.to_dict(), Identity.current()), origin=facts.origin
        )
    if as_json:
        from recommender.report.output import emit_json

        emit_json(facts.to_dict())
        return
    from recommender.report.console import make_console
    from recommender.report.probe import render_facts

    console = make_console()
    console.print(render_facts(facts, width=console.width))


def _log_crash(exc: BaseException) -> str | None:
    """Write the traceback to a log file and return its path."""
    try:
        from recommender.core.atomic import write_atomic
        from recommender.core.private import FILE_MODE, private_dir, prune
        from recommender.probes.disk import cache_dir

        root = cache_dir(os.environ)
        log_dir = private_dir(os.path.join(root, "logs"), root=root)
        path = os.path.join(log_dir, time.strftime("crash-%Y%m%d-%H%M%S-") + f"{os.getpid()}.log")
        text = f"dlrec {__version__} {' '.join(sys.argv)}\n" + "".join(
            traceback.format_exception(type(exc), exc, exc.__traceback__)
        )
        written = str(write_atomic(path, text, mode=FILE_MODE))  # private: argv, paths
        prune(log_dir, "crash-")
        return written
    except Exception:  # noqa: BLE001 - the guard's own fallback: no log is better than a traceback
        return None


def _command_path(ctx: click.Context | None, argv: list[str]) -> str:
    """The command whose ``--help`` answers a usage error: the subcommand's when the error came
    from parsing its options (click then reports the group's context)."""
    if ctx is not None and ctx.command is not cli:
        return ctx.command_path
    words = [a for a in argv if not a.startswith("-")][:2]
    if words and words[0] in cli.list_commands(click.Context(cli)):
        command = cli.get_command(click.Context(cli), words[0])
        if isinstance(command, click.Group) and len(words) > 1 and words[1] in command.commands:
            return f"dlrec {words[0]} {words[1]}"
        return f"dlrec {words[0]}"
    return "dlrec"


def _supervisor():
    """The supervisor, if this process imported it: every child starts through it, so without
    it no child was started (and ``dlrec --help`` need not import it)."""
    return sys.modules.get("recommender.supervise.supervisor")


def _on_signal(signum, frame) -> None:
    for sig in _SIGNALS:  # once is enough: a second Ctrl-C must not cut the clean-up short
        signal.signal(sig, signal.SIG_IGN)
    if supervisor := _supervisor():
        supervisor.kill_all(reap=False)  # the threads waiting on the children reap them
    raise KeyboardInterrupt


_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))


def main(argv: list[str] | None = None) -> None:
    """The one top-level guard: no traceback ever reaches the user's screen, and however dlrec
    ends, no process it started survives it. Ctrl-C, SIGTERM and SIGHUP kill every child, then
    unwind as KeyboardInterrupt (exit 130); the handlers are in place before the first child
    starts. A SIGKILL leaves the rest to the supervisor's PR_SET_PDEATHSIG and keeper."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, _on_signal) for sig in _SIGNALS} if main_thread else {}
    _stdout.install()
    try:
        try:
            _guarded(argv)
        except SystemExit as done:  # flush while a full disk can still be told, not at exit
            try:
                _stdout.flush()
            except _stdout.OutputFailed as exc:
                _output_failed(exc)
            raise done from None
    finally:
        if supervisor := _supervisor():
            supervisor.kill_all(stop=False)  # whatever is left, on every way out
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def _cwd_gone() -> bool:
    try:
        os.getcwd()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return False


def _output_failed(exc: Exception) -> None:
    """Standard output could not be written (a full disk, a closed descriptor): one line, exit 1."""
    try:
        click.echo(f"dlrec: error: {exc}", err=True)
    except OSError:
        pass
    sys.exit(ExitCode.FAILED)


def _interrupted() -> None:
    try:
        click.echo("dlrec: interrupted", err=True)
    except OSError:  # SIGHUP: the terminal is gone
        pass
    sys.exit(ExitCode.INTERRUPTED)


def _guarded(argv: list[str] | None) -> None:
    try:
        code = cli.main(args=argv, prog_name="dlrec", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else ExitCode.OK)
    except DlrecError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        _interrupted()
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.NoArgsIsHelpError as exc:  # bare `dlrec` or `dlrec rules`: the help
        click.echo(exc.ctx.get_help() if exc.ctx is not None else cli.get_help(click.Context(cli)))
        sys.exit(ExitCode.OK)
    except click.UsageError as exc:  # bad flags or values: one line, exit 2
        command = _command_path(exc.ctx, sys.argv[1:] if argv is None else argv)
        click.echo(f"dlrec: error: {exc.format_message()} (see '{command} --help')", err=True)
        sys.exit(ExitCode.BAD_INPUT)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except _stdout.OutputFailed as exc:
        _output_failed(exc)
    except (BrokenPipeError, _ReaderLeft):  # `dlrec probe | head`: the reader left, nothing to say
        try:  # no "Exception ignored ... BrokenPipeError" when Python flushes stdout at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        sys.exit(ExitCode.OK)
    except Exception as exc:  # noqa: BLE001 - the one guard that turns a bug into one line
        if isinstance(exc, OSError) and _cwd_gone():  # a relative path in a deleted folder
            click.echo(
                "dlrec: error: the working directory no longer exists (deleted while you were "
                "in it): cd to a folder that exists, or give absolute paths",
                err=True,
            )
            sys.exit(ExitCode.BAD_INPUT)
        path = _log_crash(exc)
        where = f"; details in {path}" if path else ""
        click.echo(f"dlrec: internal error: {type(exc).__name__}: {exc}{where}", err=True)
        sys.exit(ExitCode.INTERNAL)


__all__ = ["BadInputError", "cli", "main"]
