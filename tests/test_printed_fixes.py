"""Every fix and hint dlrec prints for the public corpus is a command that works (issue 26).

The states: each pasted report of ``benchmarks/reports/cases`` (``checklist --facts`` and
``recommend --facts --no-smoke``) and each persona of ``benchmarks/personas/personas.yaml``
(``recommend --facts MACHINE --answers ...`` and the checklist of its winner). From every fix,
install line, blocker, way out and warning printed there, the commands are taken out of the
prose; each must split with ``shlex``; a ``dlrec`` command must parse with click's own parser
(the group, then the command); a pip command with pip's own install/uninstall parser, every
requirement with ``packaging``. Each distinct ``dlrec`` command then runs once, in the state it
was printed for (that report's or machine's ``--facts``, ``--no-smoke``), and exits 0 or 1.
Across the same states the ranking, the checklist and the planner give one answer per
framework: a checklist's install fix is the ranking row's install command, and a Python item
that fails means the planner has no build for that Python.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner
from packaging.requirements import Requirement

from recommender.cli.main import cli
from recommender.facts.reports import paste as paste_module
from recommender.facts.reports.signatures import load_signatures, signatures_index
from tests.conftest import ROOT

REPORTS = sorted((ROOT / "benchmarks" / "reports" / "cases").glob("*.txt"))
PERSONAS = ROOT / "benchmarks" / "personas"
MACHINE_DIRS = (PERSONAS / "machines", ROOT / "tests" / "fixtures" / "personas5" / "machines")

#: Where a command starts in a fix's prose, and where the prose goes on after it.
_HEAD = r"(?:\S*python[\d.]*\s+-m\s+pip3?\s+(?:install|uninstall)|\bpip3?\s+(?:install|uninstall)|\bdlrec\s+[a-z])"
_END = r"(?=\s+\(|[;)]|,\s+or\s|,\s+then|\.\s|\.$|$)"
_BACKTICK = re.compile(r"`([^`]+)`")
_DOCKER = re.compile(r"\bdocker run .*?(?:'[^']*'|\"[^\"]*\"|$)")
_COMMAND = re.compile(rf"({_HEAD}.*?){_END}")
_STARTS = re.compile(rf"^{_HEAD}")


@dataclass(frozen=True)
class State:
    """What a fix was printed for: the facts file (and answers file) of one report or persona."""

    name: str
    facts: Path
    answers: Path | None = None


@dataclass(frozen=True)
class Printed:
    state: State
    where: str
    text: str
    command: str


def _texts(doc: Any, where: str) -> Iterator[tuple[str, str]]:
    """(where, text) of every fix, install line and way out in a recommend/checklist document."""
    for item in doc.get("items", ()):
        if item.get("fix"):
            yield f"{where} checklist {item['id']}", item["fix"]
    for w in doc.get("warnings", ()):
        if isinstance(w, dict) and w.get("fix"):
            yield f"{where} warning {w.get('rule')}", w["fix"]
    for row in doc.get("ranking", ()):
        label = f"{where} row {row['framework']}"
        if row.get("install"):
            yield f"{label} install", row["install"]
        for b in row.get("blockers") or ():
            if b.get("fix"):
                yield f"{label} blocker {b.get('rule')}", b["fix"]
        plan = row.get("install_plan") or {}
        for way in plan.get("ways_out") or ():
            yield f"{label} way out", way


def commands_in(text: str) -> list[str]:
    """The commands in a fix: backticked spans, docker runs (whole, with their ``sh -c``
    script), and pip / dlrec commands in the prose; ``a && b`` is two commands."""
    chunks = [m.group(1) for m in _BACKTICK.finditer(text)]
    rest = _BACKTICK.sub(" ", text)
    chunks += [m.group(0) for m in _DOCKER.finditer(rest)]
    rest = _DOCKER.sub(" ", rest)
    chunks += [m.group(1) for m in _COMMAND.finditer(rest)]
    out = []
    for chunk in chunks:
        for part in re.split(r"\s+&&\s+", chunk.strip()):
            if _STARTS.match(part) or part.startswith("docker run "):
                out.append(part.strip().rstrip(".,"))
    return out


# --- the states -----------------------------------------------------------------------------


def _machine(name: str) -> Path:
    return next(d / f"{name}.json" for d in MACHINE_DIRS if (d / f"{name}.json").is_file())


def _states(tmp: Path) -> list[tuple[State, list[list[str]]]]:
    """Each state and the dlrec invocations whose JSON shows what is printed there."""
    out = []
    for report in REPORTS:
        state = State(name=f"report {report.name}", facts=report)
        base = ["--facts", str(report)]
        out.append(
            (
                state,
                [
                    ["checklist", *base, "--format", "json"],
                    ["recommend", *base, "--no-smoke", "--json"],
                ],
            )
        )
    cases = yaml.safe_load((PERSONAS / "personas.yaml").read_text(encoding="utf-8"))["cases"]
    for case in cases:
        answers = tmp / f"{case['id']}.answers.yaml"
        answers.write_text(yaml.safe_dump(dict(case["answers"])), encoding="utf-8")
        state = State(
            name=f"persona {case['id']}", facts=_machine(case["machine"]), answers=answers
        )
        base = ["--facts", str(state.facts), "--answers", str(answers)]
        out.append((state, [["recommend", *base, "--no-smoke", "--json"]]))
    return out


@dataclass(frozen=True)
class Corpus:
    printed: tuple[Printed, ...]
    #: (state, the recommend document, the checklist document or None)
    docs: tuple[tuple[State, dict, dict | None], ...]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    """Every state's documents, each from the real command in process. A pasted report given
    as ``--facts`` is read by ``read_paste``, which loads and checks the bundled signatures on
    every call (most of a command's time, ~0.3 s, for four thousand commands here): they are
    loaded once for the module and handed to it instead; the same values, so the same output."""
    signatures = load_signatures()
    index = signatures_index(signatures)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paste_module, "load_signatures", lambda: signatures)
        patch.setattr(paste_module, "signatures_index", lambda _: index)
        return _corpus(tmp_path_factory.mktemp("personas"))


def _corpus(tmp: Path) -> Corpus:
    runner = CliRunner()
    printed: list[Printed] = []
    docs = []
    for state, invocations in _states(tmp):
        got: dict[str, dict] = {}
        for args in invocations:
            result = runner.invoke(cli, args)
            if result.exit_code == 2:  # a paste with no facts in it, or a tie the checklist names
                continue
            assert result.exit_code in (0, 1), (state, args, result.stderr)
            got[args[0]] = json.loads(result.stdout)
        if "recommend" in got and state.answers is not None:  # a persona: its winner's checklist
            top = got["recommend"]["ranking"][0]
            if top["feasible"] and not top.get("tied"):
                args = [
                    "checklist",
                    "--facts",
                    str(state.facts),
                    "--answers",
                    str(state.answers),
                    "--framework",
                    top["framework"],
                    "--format",
                    "json",
                ]
                result = runner.invoke(cli, args)
                assert result.exit_code in (0, 1), (state, args, result.stderr)
                got["checklist"] = json.loads(result.stdout)
        for name, doc in got.items():
            for where, text in _texts(doc, name):
                printed += [Printed(state, where, text, c) for c in commands_in(text)]
        if "recommend" in got:
            docs.append((state, got["recommend"], got.get("checklist")))
    return Corpus(printed=tuple(printed), docs=tuple(docs))


# --- each command parses --------------------------------------------------------------------


def parse_dlrec(argv: list[str]) -> list[str]:
    """The command path (``["recommend"]``, ``["rules", "check"]``) of a dlrec argv, parsed by
    click as dlrec would parse it; a click usage error fails the caller."""
    ctx = cli.make_context("dlrec", argv[1:])
    path: list[str] = []
    command: click.Command = cli
    while isinstance(command, click.Group):
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        name, sub, rest = command.resolve_command(ctx, rest)
        assert sub is not None and name is not None, argv
        path.append(name)
        ctx = sub.make_context(name, rest, parent=ctx)
        command = sub
    return path


def parse_pip(argv: list[str]) -> None:
    """pip's own parser for install/uninstall, then each requirement with packaging."""
    from pip._internal.commands import create_command

    at = argv.index("pip") if "pip" in argv else argv.index("pip3")
    verb, args = argv[at + 1], argv[at + 2 :]
    options, rest = create_command(verb).parse_args(args)
    for requirement in rest:
        Requirement(requirement)
    if verb == "install":
        assert rest or options.requirements, argv


def test_every_printed_command_parses(corpus):
    assert len({p.state for p in corpus.printed}) > 50 and len(corpus.printed) > 200
    bad = []
    for p in corpus.printed:
        try:
            argv = shlex.split(p.command)
            if argv[0] == "dlrec":
                parse_dlrec(argv)
            elif argv[0] == "docker":
                script = argv[argv.index("-c") + 1] if "-c" in argv else ""
                for inner in re.split(r"\s+&&\s+", script):
                    if "pip" in inner.split():
                        parse_pip(shlex.split(inner))
            else:
                parse_pip(argv)
        except (ValueError, click.ClickException, SystemExit, AssertionError) as exc:
            bad.append(f"{p.state.name}: {p.where}: {p.command!r}: {exc!r}")
    assert not bad, "\n".join(bad[:20])


def test_no_hint_is_a_bare_pip_install_torch(corpus):
    """On Linux PyPI's unpinned torch is the multi-GB CUDA build: a torch install dlrec prints
    is the planner's (a release line, and its index where the build is not PyPI's default)."""
    bare = [
        f"{p.state.name}: {p.where}: {p.command}"
        for p in corpus.printed
        if " install " in p.command
        and re.search(r"(?:^|\s)['\"]?torch(?:['\"\s]|$)", p.command)
        and "--index-url" not in p.command
    ]
    assert not bare, "\n".join(bare[:20])


# --- each distinct dlrec command runs in its state -------------------------------------------


def _in_state(argv: list[str], state: State) -> list[str]:
    """The argv as run for the state it was printed for: that machine's facts (and answers),
    without smoke runs, where the command takes them."""
    path = parse_dlrec(argv)
    command: click.Command = cli
    for name in path:
        command = command.get_command(click.Context(command), name)  # type: ignore[union-attr]
    opts = {o for p in command.params for o in getattr(p, "opts", ())}
    extra = []
    if "--facts" in opts and "--facts" not in argv:
        extra += ["--facts", str(state.facts)]
    if "--answers" in opts and state.answers is not None and "--answers" not in argv:
        extra += ["--answers", str(state.answers)]
    if "--no-smoke" in opts:
        extra.append("--no-smoke")
    return [*argv[1:], *extra]


def test_each_distinct_dlrec_command_runs_where_it_was_printed(corpus):
    runner = CliRunner()
    seen: dict[str, Printed] = {}
    for p in corpus.printed:
        if p.command.startswith("dlrec "):
            seen.setdefault(p.command, p)
    assert seen, "no dlrec command in the corpus's fixes"
    failed = []
    for command, p in sorted(seen.items()):
        args = _in_state(shlex.split(command), p.state)
        # `dlrec ask` on piped input: the defaults, one Enter per question.
        result = runner.invoke(cli, args, input="\n" * 40)
        if result.exit_code not in (0, 1):
            failed.append(
                f"{command!r} ({p.state.name}, {p.where}): exit {result.exit_code}: "
                f"{(result.stderr or result.stdout).strip()[-300:]}"
            )
    assert not failed, "\n".join(failed)


# --- one answer per framework ----------------------------------------------------------------


def test_the_checklist_ranking_and_planner_give_one_install_per_framework(corpus):
    """Where the checklist says a framework is not installed, its fix is the ranking row's
    install command for the same machine; where its Python item fails for a framework that is
    not installed, the planner has no build for it on that Python (the ranking row is blocked by
    plan:no-build). An installed release is judged as installed (a persona's jax 0.7.0 on 3.10
    fails there, whatever the planner would install)."""
    checked = 0
    bad = []
    for state, ranking, checklist in corpus.docs:
        if checklist is None:
            continue
        rows = {r["framework"]: r for r in ranking["ranking"] if r["framework"] != "keras"}
        fw = checklist["framework"]
        row = rows.get(fw)
        if row is None:
            continue
        items = {i["id"]: i for i in checklist["items"]}
        installed = items.get(f"installed-{fw}") or items.get("installed")
        if installed and installed["status"] == "fail" and row.get("install"):
            checked += 1
            if installed["fix"] != row["install"]:
                bad.append(
                    f"{state.name}: checklist {installed['fix']!r} vs row {row['install']!r}"
                )
        python = items.get("python")
        installed_here = ranking["facts"].get("frameworks", {}).get(fw, {}).get("installed")
        if python and python["status"] == "fail" and installed_here is False:
            checked += 1
            if not any(b["rule"] == "plan:no-build" for b in row.get("blockers") or ()):
                bad.append(f"{state.name}: Python item fails ({python['detail']}) but {fw} plans")
    assert not bad, "\n".join(bad)
    assert checked, "no state exercised the comparison"
