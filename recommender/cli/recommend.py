"""``dlrec recommend`` and ``dlrec ask``: thin commands over one pipeline.

facts (probes or --facts) + answers (flags > --answers > questions.yaml defaults) + rules
(bundled + --rules) -> evaluate -> smoke (cached when fresh; skipped with --no-smoke or foreign
facts) -> rank -> render (table, --explain trace, or --json).
"""

from __future__ import annotations

import contextlib
import functools
import io
import sys
from collections.abc import Mapping, Sequence

import click

from recommender.cli.outcome_output import FORMATS, Output, emit, output_from
from recommender.pipeline import Request, load_facts
from recommender.pipeline import recommend as recommend_pipeline

#: Answer flags: the option names of the questions.yaml keys (values are checked at run time).
ANSWER_KEYS = (
    "goal",
    "deploy",
    "experience",
    "domain",
    "scale",
    "team_stack",
    "moving_away",
    "workload",
    "accelerator",
)


@contextlib.contextmanager
def live_smoke(console):
    """The smoke command's live table (one line per run, spinner, elapsed, result); yields
    the ``on_event`` callback for run_smoke."""
    from rich.live import Live

    from recommender.report.smoke import LiveTable

    table = LiveTable()
    with Live(
        console=console, get_renderable=table.renderable, refresh_per_second=10, transient=False
    ):
        yield table.on_event
    for message in table.messages:
        console.print(message, style="dim", markup=False)


def run_and_emit(request: Request, output: Output, *, rulebase=None, facts=None) -> None:
    from recommender.report.console import make_console

    console = make_console()
    live = output.fmt == "text" and output.out is None
    if not request.smoke or request.facts_files:
        outcome = recommend_pipeline(request, rulebase=rulebase, facts=facts)
    elif not live or not console.is_terminal:
        from recommender.report.smoke import PlainProgress

        progress = PlainProgress(lambda line: click.echo(line, err=True))
        outcome = recommend_pipeline(
            request, on_event=progress.on_event, rulebase=rulebase, facts=facts
        )
    else:
        with live_smoke(make_console(stderr=True)) as on_event:
            outcome = recommend_pipeline(request, on_event=on_event, rulebase=rulebase, facts=facts)
    emit(outcome, output, console=console)


# --------------------------------------------------------------------------- options


def _facts_value(ctx, param, value: tuple[str, ...]):
    """No --facts: None; one file: its path; several, or a directory: the tuple (a fleet)."""
    import os

    if not value:
        return None
    if len(value) == 1 and not os.path.isdir(value[0]):
        return value[0]
    return tuple(value)


#: What --facts takes, for every command (a fleet is added where one is accepted).
FACTS_HELP = (
    "Use the machine a FILE describes instead of probing this one (skips smoke): a `dlrec probe "
    "--json` document, or a `python -m torch.utils.collect_env` report."
)


def input_options(f=None, *, fleet: bool = False):
    """--facts, --rules, --no-smoke, --fresh and the smoke timeouts: the pipeline's inputs, shared
    with ``dlrec checklist`` and ``dlrec init`` (build the Request with ``request_from``).
    ``fleet``: the command accepts several --facts (``recommend`` and ``ask`` do; a checklist or
    a starter project is for one machine), and its help says so."""
    if f is None:
        return lambda g: input_options(g, fleet=fleet)
    from recommender.cli.rules import rules_option  # the shared --rules FILE (repeatable)

    facts_help = FACTS_HELP + (
        " Repeat it, or give a DIR of *.json, for a fleet."
        if fleet
        else " One machine only (a fleet works with `dlrec recommend`)."
    )
    options = [
        click.option(
            "--facts",
            "facts_file",
            metavar="FILE",
            multiple=True,
            callback=_facts_value,
            help=facts_help,
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


def _why_value(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    from recommender.report.why import parse_target

    framework, backend = parse_target(value)
    return f"{framework}:{backend}" if backend else framework


def _pipeline_options(f, fleet: bool = True):
    from recommender.cli.main import redact_option

    f = redact_option(f)
    f = click.option(
        "--out",
        metavar="FILE",
        help="Write the report to FILE (atomically) instead of stdout.",
    )(f)
    f = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="text (the default), markdown (for an issue, a PR or a wiki), or json.",
    )(f)
    f = click.option(
        "--json", "as_json", is_flag=True, help="Short for --format json (schema_version 1)."
    )(f)
    f = click.option(
        "--explain",
        type=click.Choice(["fired", "all"]),
        is_flag=False,
        flag_value="fired",
        default=None,
        help="Also print the rule trace: the rules that fired or were unknown; "
        "'--explain all' adds the false ones. With --json, the document gains 'trace'.",
    )(f)
    f = click.option(
        "--why",
        metavar="FRAMEWORK",
        callback=_why_value,
        help="Also explain one framework rule by rule against the winner: tensorflow, "
        "pytorch, jax, keras, or keras:tensorflow|torch|jax.",
    )(f)
    return input_options(f, fleet=fleet)


class AnswerChoice(click.Choice):
    """A question's choices: case-insensitive, and a typo gets "did you mean"."""

    def __init__(self, choices: Sequence[str]) -> None:
        super().__init__(tuple(choices), case_sensitive=False)

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            import difflib

            near = difflib.get_close_matches(str(value).lower(), self.choices, n=1, cutoff=0.5)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            self.fail(
                f"{value!r} is not allowed (allowed: {', '.join(self.choices)}){hint}", param, ctx
            )


def _bundled_questions() -> list[dict]:
    """The questions' keys, choices and help, read from the bundled questions.yaml for the
    options' help (the rule base loader validates the same file when a command runs)."""
    from recommender.documents import parse_yaml, read_text
    from recommender.engine.rulebase import bundled_dir

    path = bundled_dir() / "questions.yaml"
    return list(parse_yaml(read_text(path), str(path))["questions"])


def _answer_options(f):
    by_key = {q["key"]: q for q in _bundled_questions()}
    for key in reversed(ANSWER_KEYS):
        q = by_key[key]
        values = [str(c["value"]) for c in q["choices"]]
        f = click.option(
            f"--{key.replace('_', '-')}",
            key,
            type=AnswerChoice(values),
            help=f"{q['prompt']} Unanswered: no rule fires on it"
            + (" (auto: what the probes found)." if "auto" in values else "."),
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
    """Rank TensorFlow, PyTorch, Keras and JAX for your answers and this machine."""
    flags = {key: kw.pop(key) for key in ANSWER_KEYS}
    output = output_from(kw)
    run_and_emit(request_from(flags, answers_file, kw), output)


@click.command()
@_answer_options
@click.option(
    "--answers", "answers_file", metavar="FILE", help="Pre-fill the defaults from an answers file."
)
@click.option(
    "--save-answers", metavar="FILE", help="Write the answers to FILE (replayable with --answers)."
)
@click.option(
    "--review",
    is_flag=True,
    help="Also ask the questions answered by a flag or by what the probes detected.",
)
@functools.partial(_pipeline_options, fleet=False)
def ask(answers_file, save_answers, review, **kw) -> None:
    """The interactive questionnaire, then the recommendation. An answer given as a flag, or
    detected by the probes, skips its question (the summary lists it; --review asks it)."""
    from recommender.cli import questionnaire
    from recommender.engine.rulebase import load_rulebase

    flags = {key: v for key in ANSWER_KEYS if (v := kw.pop(key)) is not None}
    output = output_from(kw)
    rulebase = load_rulebase(kw["rule_files"])
    facts = load_facts(kw["facts_file"])
    questionnaire.check_writable(save_answers)
    prompts = _prompts(rulebase, facts, answers_file, flags)
    asker = _asker(stderr=output.fmt != "text" and output.out is None)
    asked = questionnaire.run_questionnaire(prompts, asker, review=review) if prompts else {}
    values = {**flags, **asked}  # a reviewed flag answer is the user's latest word
    if save_answers:
        questionnaire.save_answers(save_answers, values)
    request = request_from(values, None, kw)
    run_and_emit(request, output, rulebase=rulebase, facts=facts)


def _asker(*, stderr: bool):
    from recommender.cli import questionnaire

    # A closed stdin (`<&-`) is None: it reads as an immediate end of input (exit 2, the way
    # out); a closed stdout swallows the prompts.
    stdin, out = sys.stdin or io.StringIO(), (sys.stderr if stderr else sys.stdout) or io.StringIO()
    if stdin.isatty() and out.isatty() and not stderr:
        return questionnaire.TerminalAsker()
    return questionnaire.line_asker(stdin, out)


def _prompts(rulebase, facts, answers_file: str | None, flags: Mapping[str, str]) -> Sequence:
    """Prompts with defaults pre-filled: questions.yaml < probes (prefill facts) < answers file."""
    from recommender.cli.questionnaire import build_prompts
    from recommender.engine.answers import resolve_answers
    from recommender.engine.derived import derived_facts
    from recommender.report.answers import detected_note

    defaults = {q.key: q.default for q in rulebase.questions}
    derived = derived_facts(facts, None)
    detected: dict[str, tuple[str, str]] = {}
    for q in rulebase.questions:
        value = derived.get(q.prefill) if q.prefill else None
        if isinstance(value, str) and value in q.values:
            defaults[q.key] = value
            detected[q.key] = (value, detected_note(facts, value))
    if answers_file:
        given = resolve_answers(rulebase.questions, file=answers_file, flags={})
        defaults.update({k: v for k, v in given.values.items() if given.source.get(k) == "file"})
    return build_prompts(rulebase.questions, defaults, detected, flags)
