"""``dlrec recommend`` and ``dlrec ask``: thin commands over one pipeline.

facts (probes or --facts) + answers (flags > --answers > questions.yaml defaults) + rules
(bundled + --rules) -> evaluate -> smoke (cached when fresh; skipped with --no-smoke or foreign
facts) -> rank -> render (table, --explain trace, or --json).
"""

from __future__ import annotations

import functools
import io
import sys
from collections.abc import Mapping, Sequence

import click

from recommender.cli.choices import file_path
from recommender.cli.options import ANSWER_KEYS, answer_options, pipeline_options, request_from
from recommender.engine.answers import GPU, gpu_answer, gpu_answers
from recommender.facts.load import load_facts
from recommender.pipeline import Request
from recommender.pipeline import recommend as recommend_pipeline
from recommender.report.output import Output, emit, output_from


def run_and_emit(
    request: Request, output: Output, *, rulebase=None, facts=None, assume_yes: bool = False
) -> None:
    from recommender.cli.tries import confirmer, live_smoke, step_printer
    from recommender.pipeline import TryHooks

    text = output.fmt == "text" and output.out is None
    smoking = request.smoke and not request.facts_files
    console = err = None  # no Console (nor rich) where nothing is shown on one: --json --no-smoke
    if text or smoking:
        from recommender.report.console import make_console

        console, err = make_console(), make_console(stderr=True)
    live = text and console is not None and console.is_terminal
    hooks = TryHooks(confirm=confirmer(assume_yes), on_step=step_printer(err if live else None))
    if not smoking:
        outcome = recommend_pipeline(request, rulebase=rulebase, facts=facts, hooks=hooks)
    elif not live:
        from recommender.report.smoke import PlainProgress

        plain = PlainProgress(lambda line: click.echo(line, err=True))
        outcome = recommend_pipeline(
            request, on_event=plain.on_event, rulebase=rulebase, facts=facts, hooks=hooks
        )
    else:
        with live_smoke(err) as (on_event, display):
            hooks = TryHooks(confirm=confirmer(assume_yes, live=display), on_step=hooks.on_step)
            outcome = recommend_pipeline(
                request, on_event=on_event, rulebase=rulebase, facts=facts, hooks=hooks
            )
    if outcome.folded is not None:  # a fleet where nodes wrote their own recommendations
        done, here, stale = outcome.folded
        click.echo(
            f"dlrec: {done:,} node(s) folded from their own recommendation, {here:,} evaluated "
            f"here" + (f" ({stale:,} with a stale document)" if stale else ""),
            err=True,
        )
    emit(outcome, output, console=console)


@click.command()
@answer_options
@click.option(
    "--answers",
    "answers_file",
    metavar="FILE",
    type=file_path(),
    help="Answers as YAML or JSON (flags win over it).",
)
@pipeline_options
def recommend(answers_file, **kw) -> None:
    """Rank TensorFlow, PyTorch, Keras and JAX for your answers and this machine."""
    flags = {key: kw.pop(key) for key in ANSWER_KEYS}
    output = output_from(kw)
    run_and_emit(request_from(flags, answers_file, kw), output, assume_yes=kw["assume_yes"])


@click.command()
@answer_options
@click.option(
    "--answers",
    "answers_file",
    metavar="FILE",
    type=file_path(),
    help="Pre-fill the defaults from an answers file.",
)
@click.option(
    "--save-answers",
    metavar="FILE",
    type=file_path(),
    help="Write the answers to FILE (replayable with --answers).",
)
@click.option(
    "--review",
    is_flag=True,
    help="Also ask the questions answered by a flag or by what the probes detected.",
)
@functools.partial(pipeline_options, fleet=False)
def ask(answers_file, save_answers, review, **kw) -> None:
    """The interactive questionnaire, then the recommendation. An answer given as a flag, or
    detected by the probes, skips its question (the summary lists it; --review asks it)."""
    from recommender.cli import questionnaire
    from recommender.rulebase.load import load_rulebase

    flags = {key: v for key in ANSWER_KEYS if (v := kw.pop(key)) is not None}
    output = output_from(kw)
    rulebase = load_rulebase(kw["rule_files"])
    facts = load_facts(kw["facts_file"])
    if flags.get("accelerator") == GPU:  # the one GPU kind present; several: asked which
        if len(gpu_answers(facts)) > 1:
            del flags["accelerator"]
        else:
            flags["accelerator"] = gpu_answer(facts)
    questionnaire.check_writable(save_answers)
    prompts = _prompts(rulebase, facts, answers_file, flags)
    asker = _asker(stderr=output.fmt != "text" and output.out is None)
    asked = questionnaire.run_questionnaire(prompts, asker, review=review) if prompts else {}
    if save_answers:  # a reviewed flag answer is the user's latest word
        questionnaire.save_answers(save_answers, {**flags, **asked})
    request = request_from(flags, None, kw, asked=asked)
    run_and_emit(request, output, rulebase=rulebase, facts=facts, assume_yes=kw["assume_yes"])


def _asker(*, stderr: bool):
    from recommender.cli import questionnaire

    # A closed stdin (`<&-`) is None: it reads as an immediate end of input (exit 2, the way
    # out); a closed stdout swallows the prompts.
    stdin, out = sys.stdin or io.StringIO(), (sys.stderr if stderr else sys.stdout) or io.StringIO()
    if stdin.isatty() and out.isatty() and not stderr:
        from recommender.cli._terminal import TerminalAsker

        return TerminalAsker()
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
