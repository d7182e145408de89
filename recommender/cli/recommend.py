"""``dlrec recommend`` and ``dlrec ask``: thin commands over one pipeline.

facts (probes or --facts) + answers (flags > --answers > questions.yaml defaults) + rules
(bundled + --rules) -> evaluate -> smoke (cached when fresh; skipped with --no-smoke or foreign
facts) -> rank -> render (table, --explain trace, or --json).
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import click

from recommender.errors import BadInputError, ExitCode

#: Answer flags: the option names of the questions.yaml keys (values are checked at run time).
ANSWER_KEYS = ("goal", "deploy", "experience", "domain", "scale", "team_stack", "accelerator")
#: The smoke device an answered accelerator is verified on (auto: what the probes found).
SMOKE_DEVICE = {
    "auto": "auto",
    "cpu": "cpu",
    "nvidia": "cuda",
    "amd": "rocm",
    "apple": "mps",
    "tpu": "tpu",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """Everything one recommendation needs, as read from the command line."""

    facts_file: str | None = None
    #: Several --facts (or a directory): a fleet, recommended by recommender.decide.fleet.
    facts_files: tuple[str, ...] = ()
    answers_file: str | None = None
    flags: Mapping[str, str]
    rules_files: tuple[str, ...] = ()
    smoke: bool = True
    import_timeout: float | None = None
    train_timeout: float | None = None
    fresh: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    ranking: Any
    answers: Any
    facts: Any
    rulebase: Any


# --------------------------------------------------------------------------- the pipeline


def load_facts(path: str | None):
    """Probe this machine, or read a ``dlrec probe --json`` document (exit 2 when it is bad)."""
    if isinstance(path, tuple):
        raise BadInputError(
            "several facts files (a fleet) work with `dlrec recommend` only", where="--facts"
        )
    if path is None:
        from recommender.facts.collect import collect_facts

        return collect_facts()
    from recommender.documents import DocumentError, load_document
    from recommender.facts.document import Facts, FactsError

    try:
        doc = load_document(path)
        return Facts.from_dict(doc, origin=str(path))
    except DocumentError as exc:
        raise BadInputError(exc.message, where=exc.where) from None
    except FactsError as exc:
        raise BadInputError(
            f"key {exc.key}: {str(exc).split(': ', 1)[-1]}", where=str(path)
        ) from None


def _smoke_note(request: Request, facts) -> str | None:
    if not facts.is_local:
        return (
            f"The facts come from {facts.origin}, another machine: no smoke run here; "
            "these results are unverified on that machine."
        )
    if not request.smoke:
        return "Smoke runs skipped (--no-smoke): confidence is rules-only."
    return None


def _run_smoke(request: Request, facts, answers, on_event) -> tuple:
    from recommender.smoke.run import DEFAULT_IMPORT_TIMEOUT, DEFAULT_TRAIN_TIMEOUT, run_smoke

    accel = answers.values.get("accelerator", "auto")
    return run_smoke(
        facts,
        device=SMOKE_DEVICE.get(accel, "auto"),
        fresh=request.fresh,
        on_event=on_event,
        import_timeout=request.import_timeout or DEFAULT_IMPORT_TIMEOUT,
        train_timeout=request.train_timeout or DEFAULT_TRAIN_TIMEOUT,
    )


def _with_distributed(facts):
    """Probed facts gain the distributed smoke results cached for this machine (rules read them)."""
    import os

    from recommender.facts import evidence
    from recommender.smoke.distributed import cached

    return evidence.attach(facts, cached(os.environ, facts)) if facts.is_local else facts


def recommend_pipeline(
    request: Request, *, on_event: Callable | None = None, rulebase=None, facts=None
) -> Outcome:
    """The one core function both commands call."""
    from recommender.decide.ranking import condition_evaluator, rank
    from recommender.engine.answers import resolve_answers
    from recommender.engine.evaluate import evaluate
    from recommender.engine.rulebase import load_rulebase
    from recommender.facts import evidence

    if request.facts_files and facts is None:
        raise BadInputError(
            "several facts files (a fleet) work with `dlrec recommend` only", where="--facts"
        )
    rulebase = rulebase or load_rulebase(request.rules_files)
    facts = facts or load_facts(request.facts_file)
    facts = _with_distributed(facts)
    answers = resolve_answers(
        rulebase.questions, file=request.answers_file, flags=request.flags, facts=facts
    )
    evaluation = evidence.with_figures(evaluate(facts, answers, rulebase), facts)
    note = _smoke_note(request, facts)
    results = () if note else _run_smoke(request, facts, answers, on_event)
    ranking = rank(
        evaluation,
        results,
        facts,
        rulebase,
        smoke_note=note,
        condition=condition_evaluator(facts, answers, rulebase),
    )
    return Outcome(ranking=ranking, answers=answers, facts=facts, rulebase=rulebase)


# --------------------------------------------------------------------------- rendering


def _names(rulebase) -> dict[str, str]:
    from recommender.report.ranking import DEFAULT_NAMES

    names = dict(DEFAULT_NAMES)
    for fw, spec in (rulebase.frameworks or {}).items():
        name = (
            next((spec.get(k) for k in ("display", "name") if spec.get(k)), None)
            if isinstance(spec, Mapping)
            else None
        )
        if isinstance(name, str):
            names[fw] = name
    return names


def redacted(outcome: Outcome) -> Outcome:
    """The outcome with host, user, home paths and secrets masked in what the report shows."""
    import dataclasses

    from recommender.facts.document import Facts
    from recommender.facts.redact import Identity, Redactor

    r = Redactor(Identity.current())
    facts = Facts.from_dict(r.doc(outcome.facts.to_dict()), origin=r.text(outcome.facts.origin))
    ranking = dataclasses.replace(
        outcome.ranking,
        entries=r.value(outcome.ranking.entries),
        warnings=r.value(outcome.ranking.warnings),
        smoke=r.value(outcome.ranking.smoke),
        smoke_note=r.value(outcome.ranking.smoke_note),
    )
    return dataclasses.replace(outcome, facts=facts, ranking=ranking)


def emit(
    outcome: Outcome, *, as_json: bool, explain: bool, console=None, redact: bool = False
) -> None:
    """Print the outcome; exit 1 (after printing) when nothing is feasible."""
    from recommender.report import ranking as report

    if redact:
        outcome = redacted(outcome)
    if as_json:
        doc = report.ranking_to_json(
            outcome.ranking, answers=dict(outcome.answers.values), facts=outcome.facts
        )
        from recommender.cli.main import _emit_json

        _emit_json(doc)
    else:
        from recommender.report.console import make_console

        console = console or make_console()
        names = _names(outcome.rulebase)
        console.print(
            report.render_ranking(outcome.ranking, names, width=console.width), crop=False
        )
        if explain:
            console.print(report.render_trace(outcome.ranking))
    if outcome.ranking.winner is None:
        raise click.exceptions.Exit(ExitCode.FAILED)


@contextlib.contextmanager
def live_smoke(console):
    """The smoke command's live table (one line per run, spinner, elapsed, result); yields
    the ``on_event`` callback for run_smoke."""
    from rich.live import Live

    from recommender.smoke_report import LiveTable

    table = LiveTable()
    with Live(
        console=console, get_renderable=table.renderable, refresh_per_second=10, transient=False
    ):
        yield table.on_event
    for message in table.messages:
        console.print(message, style="dim", markup=False)


def run_and_emit(
    request: Request,
    *,
    as_json: bool,
    explain: bool,
    rulebase=None,
    facts=None,
    redact: bool = False,
) -> None:
    from recommender.report.console import make_console

    console = make_console()
    if as_json or not console.is_terminal or not request.smoke:
        outcome = recommend_pipeline(request, rulebase=rulebase, facts=facts)
    else:
        with live_smoke(make_console(stderr=True)) as on_event:
            outcome = recommend_pipeline(request, on_event=on_event, rulebase=rulebase, facts=facts)
    emit(outcome, as_json=as_json, explain=explain, console=console, redact=redact)


# --------------------------------------------------------------------------- options


def _facts_value(ctx, param, value: tuple[str, ...]):
    """No --facts: None; one file: its path; several, or a directory: the tuple (a fleet)."""
    import os

    if not value:
        return None
    if len(value) == 1 and not os.path.isdir(value[0]):
        return value[0]
    return tuple(value)


def input_options(f):
    """--facts, --rules, --no-smoke, --fresh and the smoke timeouts: the pipeline's inputs, shared
    with ``dlrec checklist`` and ``dlrec init`` (build the Request with ``request_from``)."""
    from recommender.cli.rules import rules_option  # the shared --rules FILE (repeatable)

    options = [
        click.option(
            "--facts",
            "facts_file",
            metavar="FILE",
            multiple=True,
            callback=_facts_value,
            help="Recommend for the machine a `dlrec probe --json` FILE describes (skips smoke); "
            "repeat it, or give a DIR of *.json, for a fleet.",
        ),
        rules_option,
        click.option(
            "--no-smoke", is_flag=True, help="Skip the smoke trainings (confidence: rules-only)."
        ),
        click.option("--fresh", is_flag=True, help="Ignore cached smoke results."),
        click.option(
            "--import-timeout",
            type=click.FloatRange(1, 3600),
            metavar="S",
            help="Smoke: seconds each framework may take to import.",
        ),
        click.option(
            "--train-timeout",
            type=click.FloatRange(1, 3600),
            metavar="S",
            help="Smoke: seconds each training may take.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _pipeline_options(f):
    from recommender.cli.main import redact_option

    f = redact_option(f)
    f = click.option(
        "--json", "as_json", is_flag=True, help="Print the JSON document (schema_version 1)."
    )(f)
    f = click.option("--explain", is_flag=True, help="Also print the full rule trace.")(f)
    return input_options(f)


def _answer_options(f):
    for key in reversed(ANSWER_KEYS):
        f = click.option(
            f"--{key.replace('_', '-')}",
            key,
            metavar="VALUE",
            help=f"Answer for '{key}' (allowed values: rules/questions.yaml).",
        )(f)
    return f


def request_from(flags: Mapping[str, str | None], answers_file, kw) -> Request:
    """The Request for the options ``input_options`` added (``kw``), answer flags and file."""
    fleet = kw["facts_file"] if isinstance(kw["facts_file"], tuple) else ()
    return Request(
        facts_file=None if fleet else kw["facts_file"],
        facts_files=fleet,
        answers_file=answers_file,
        flags={k: v for k, v in flags.items() if v is not None},
        rules_files=tuple(kw["rule_files"]),
        smoke=not kw["no_smoke"],
        fresh=kw["fresh"],
        import_timeout=kw["import_timeout"],
        train_timeout=kw["train_timeout"],
    )


@click.command()
@_answer_options
@click.option(
    "--answers", "answers_file", metavar="FILE", help="Answers as YAML or JSON (flags win over it)."
)
@_pipeline_options
def recommend(answers_file, **kw) -> None:
    """Rank TensorFlow, PyTorch and Keras for your answers and this machine."""
    flags = {key: kw.pop(key) for key in ANSWER_KEYS}
    request = request_from(flags, answers_file, kw)
    if request.facts_files:
        from recommender.decide.fleet import run_fleet_and_emit

        run_fleet_and_emit(
            request, as_json=kw["as_json"], explain=kw["explain"], redact=kw["redact"]
        )
        return
    run_and_emit(request, as_json=kw["as_json"], explain=kw["explain"], redact=kw["redact"])


@click.command()
@click.option(
    "--answers", "answers_file", metavar="FILE", help="Pre-fill the defaults from an answers file."
)
@click.option(
    "--save-answers", metavar="FILE", help="Write the answers to FILE (replayable with --answers)."
)
@_pipeline_options
def ask(answers_file, save_answers, **kw) -> None:
    """The interactive questionnaire, then the recommendation."""
    from recommender.cli import questionnaire
    from recommender.engine.rulebase import load_rulebase

    rulebase = load_rulebase(kw["rule_files"])
    facts = load_facts(kw["facts_file"])
    questionnaire.check_writable(save_answers)
    prompts = _prompts(rulebase, facts, answers_file)
    values = questionnaire.run_questionnaire(prompts, _asker(stderr=kw["as_json"]))
    if save_answers:
        questionnaire.save_answers(save_answers, values)
    request = request_from(values, None, kw)
    run_and_emit(
        request,
        as_json=kw["as_json"],
        explain=kw["explain"],
        rulebase=rulebase,
        facts=facts,
        redact=kw["redact"],
    )


def _asker(*, stderr: bool):
    from recommender.cli import questionnaire

    # A closed stdin (`<&-`) is None: it reads as an immediate end of input (exit 2, the way
    # out); a closed stdout swallows the prompts.
    stdin, out = sys.stdin or io.StringIO(), (sys.stderr if stderr else sys.stdout) or io.StringIO()
    if stdin.isatty() and out.isatty() and not stderr:
        return questionnaire.TerminalAsker()
    return questionnaire.line_asker(stdin, out)


def _prompts(rulebase, facts, answers_file: str | None) -> Sequence:
    """Prompts with defaults pre-filled: questions.yaml < probes (prefill facts) < answers file."""
    from recommender.cli.questionnaire import build_prompts
    from recommender.engine.answers import resolve_answers
    from recommender.engine.evaluate import derived_facts

    defaults = {q.key: q.default for q in rulebase.questions}
    derived = derived_facts(facts, None)
    detected = {}
    for q in rulebase.questions:
        value = derived.get(q.prefill) if q.prefill else None
        if value in q.values:
            defaults[q.key] = value
            detected[q.key] = (value, _detected_note(facts, value))
    if answers_file:
        given = resolve_answers(rulebase.questions, file=answers_file, flags={})
        defaults.update({k: v for k, v in given.values.items() if given.source.get(k) == "file"})
    return build_prompts(rulebase.questions, defaults, detected)


def _detected_note(facts, value: str) -> str:
    names = [
        a.get("name") for a in facts.accelerators if a.get("name") and a.get("visible") is not False
    ]
    if value == "cpu" or not names:
        return facts.get("cpu.model") or "no accelerator"
    first = str(names[0]).removeprefix("NVIDIA ").split("-")[0]
    return first + (f" x{len(names)}" if len(names) > 1 else "")
