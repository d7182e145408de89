"""The options more than one command takes, in one place (as pip's ``cli/cmdoptions.py``): a
command module imports them from here, never from another command module.

Each is a decorator; ``request_from`` turns what ``input_options`` (and the answer flags) read
into the pipeline's Request. Only click is imported here at first: ``cli/main.py`` takes
``redact_option`` from this module, and ``dlrec --help`` must stay fast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import click

from recommender.cli.choices import NamedChoice, accelerator_choice, file_path

if TYPE_CHECKING:
    from recommender.pipeline import Request
    from recommender.rulebase.model import Question

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

#: ``--rules FILE`` (repeatable) for every command that scores; pass the tuple to load_rulebase.
rules_option = click.option(
    "--rules",
    "rule_files",
    multiple=True,
    metavar="FILE",
    type=file_path(),
    help="A rule overlay (YAML/JSON): adds rules, or replaces bundled ones with the same id. Repeatable.",
)


def seconds_option(
    *names: str,
    help: str,
    default: float | None = None,
    low: float = 1,
    high: float = 86_400,
    metavar: str | None = None,
):
    """A time budget in seconds: a number from ``low`` to ``high``, its default shown."""
    return click.option(
        *names,
        type=click.FloatRange(low, high),
        default=default,
        show_default=default is not None,
        metavar=metavar,
        help=help,
    )


def redact_option(f):
    """--redact: mask host name, user name, home paths and secret-looking env values (shareable)."""
    return click.option(
        "--redact",
        is_flag=True,
        help="Mask the host name, user name, home paths and secret-looking "
        "environment values, so the report can be shared publicly.",
    )(f)


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
            type=file_path(),
            multiple=True,
            callback=_facts_value,
            help=facts_help,
        ),
        rules_option,
        click.option(
            "--no-smoke", is_flag=True, help="Skip the smoke trainings (confidence: rules-only)."
        ),
        click.option("--fresh", is_flag=True, help="Ignore cached smoke results."),
        seconds_option(
            "--import-timeout",
            high=3600,
            metavar="S",
            help="Smoke: seconds each framework may take to import.",
        ),
        seconds_option(
            "--train-timeout",
            "--timeout",
            "train_timeout",
            high=3600,
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


def pipeline_options(f, fleet: bool = True):
    """--format/--json, --out, --explain, --why and --redact, then ``input_options``: what
    ``recommend`` and ``ask`` take (read them back with ``report.output.output_from``)."""
    from recommender.report.output import FORMATS

    f = try_options(f)
    f = redact_option(f)
    f = index_map_option(f)
    f = click.option(
        "--out",
        metavar="FILE",
        type=file_path(),
        help="Write the report to FILE (atomically) instead of stdout.",
    )(f)
    f = click.option(
        "--format",
        "fmt",
        type=NamedChoice(FORMATS),
        default=None,
        help="text (the default), markdown (for an issue, a PR or a wiki), or json.",
    )(f)
    f = click.option(
        "--json", "as_json", is_flag=True, help="Short for --format json (schema_version 1)."
    )(f)
    f = click.option(
        "--explain",
        type=NamedChoice(["fired", "all"]),
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


class AnswerChoice(NamedChoice):
    """A question's choices: case-insensitive, and a typo gets "did you mean"."""

    def __init__(self, choices: Sequence[str]) -> None:
        super().__init__(choices)


def _bundled_questions() -> tuple[Question, ...]:
    """The questions (keys, choices, prompts) for the options' help: questions.yaml alone, read
    and checked as the rule base reads it (the command loads the whole rule base once, later)."""
    from recommender.rulebase.load import load_questions

    return load_questions()


def answer_options(f):
    by_key = {q.key: q for q in _bundled_questions()}
    for key in reversed(ANSWER_KEYS):
        q = by_key[key]
        values = [str(value) for value in q.values]
        f = click.option(
            f"--{key.replace('_', '-')}",
            key,
            type=accelerator_choice(values) if key == "accelerator" else AnswerChoice(values),
            help=f"{q.prompt} Unanswered: no rule fires on it"
            + (
                " (auto: what the probes found; gpu: the one GPU kind found; cuda, rocm, mps "
                "and xpu name nvidia, amd, apple and intel)."
                if key == "accelerator"
                else "."
            ),
        )(f)
    return f


def request_from(
    flags: Mapping[str, str | None], answers_file, kw, asked: Mapping[str, str] | None = None
) -> Request:
    """The Request for the options ``input_options`` added (``kw``), answer flags and file, and
    the answers given at ``dlrec ask``'s prompts (``asked``)."""
    from recommender.pipeline import Request

    fleet = kw["facts_file"] if isinstance(kw["facts_file"], tuple) else ()
    return Request(
        facts_file=None if fleet else kw["facts_file"],
        facts_files=fleet,
        answers_file=answers_file,
        flags={k: v for k, v in flags.items() if v is not None},
        asked=dict(asked or {}),
        rules_files=tuple(kw["rule_files"]),
        smoke=not kw["no_smoke"],
        fresh=kw["fresh"],
        import_timeout=kw["import_timeout"],
        train_timeout=kw["train_timeout"],
        tries=kw.get("tries"),
        try_budget=kw.get("try_budget"),
        try_timeout=kw.get("try_timeout"),
    )


# --------------------------------------------------------------------------- --try

#: ``--try-budget``'s default (``smoke.trial.DEFAULT_SIZE_BUDGET``; a test holds them equal).
DEFAULT_TRY_BUDGET = "4GiB"
#: ``--try-timeout``'s default (``smoke.trial.DEFAULT_INSTALL_TIMEOUT``; the same test).
DEFAULT_TRY_TIMEOUT = 1800.0


class Size(click.ParamType):
    """``500MB``, ``4GiB``, ``2g``, ``1500000``: bytes."""

    name = "SIZE"

    def convert(self, value, param, ctx):
        import re

        if isinstance(value, int):
            return value
        match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?\s*$", str(value), re.IGNORECASE)
        if not match:
            self.fail(f"{value!r} is not a size (e.g. 500MB, 4GiB)", param, ctx)
        number, unit, binary = float(match.group(1)), match.group(2).lower(), match.group(3)
        return int(number * (1024 if binary else 1000) ** " kmgt".index(unit or " "))


def _try_targets(ctx, param, value: tuple[str, ...]) -> tuple[str, ...] | None:
    """None (no --try), () (the best rows), or ``framework`` / ``keras:backend`` names."""
    from recommender.core.catalog import FRAMEWORK_IDS, KERAS_BACKENDS

    if not value:
        return None
    allowed = [*FRAMEWORK_IDS, *(f"keras:{b}" for b in KERAS_BACKENDS)]
    names = []
    for raw in value:
        if raw == "auto":  # --try without a value
            continue
        name = raw.strip().lower()
        if name not in allowed:
            raise click.BadParameter(f"{raw!r} (allowed: {', '.join(allowed)})")
        names.append(name)
    return tuple(dict.fromkeys(names))


def try_options(f):
    """--try [F] (repeatable), --yes, --try-budget SIZE, --try-timeout S: ``recommend``, ``ask``
    and ``smoke``."""
    options = [
        click.option(
            "--try",
            "tries",
            multiple=True,
            is_flag=False,
            flag_value="auto",
            metavar="[F]",
            callback=_try_targets,
            help="Install the plans of the two best rows that need an install (and any tied "
            "with them), or of F (repeatable; keras:torch for a backend), into throwaway "
            "environments in dlrec's cache, and smoke-train them there. It says what it "
            "downloads, and how much, first.",
        ),
        click.option(
            "--yes", "-y", "assume_yes", is_flag=True, help="With --try: do not ask first."
        ),
        click.option(
            "--try-budget",
            type=Size(),
            default=DEFAULT_TRY_BUDGET,
            show_default=True,
            help="With --try: refuse a plan that would download more than SIZE.",
        ),
        seconds_option(
            "--try-timeout",
            low=10,
            default=DEFAULT_TRY_TIMEOUT,
            metavar="S",
            help="With --try: seconds each plan's environment and install may take.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


#: A mirror for every index a plan prints or writes (``plan``, ``init``).
index_map_option = click.option(
    "--index-map",
    "index_map",
    multiple=True,
    metavar="FROM=TO",
    help="Rewrite an index URL prefix (a mirror) in every index printed or written; "
    "repeatable [env DLREC_INDEX_MAP, space-separated].",
)
