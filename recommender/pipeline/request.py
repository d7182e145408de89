"""What the pipeline takes and gives: a ``Request`` as read from the command line, the
``TryHooks`` a try talks to its user through, and the ``Outcome`` of one recommendation (one
machine or a fleet)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING

from recommender.core.frozen import frozen
from recommender.decide.ranking.rank import Ranking
from recommender.engine.answers import Answers
from recommender.facts.document import Facts
from recommender.rulebase.load import RuleBase

if TYPE_CHECKING:  # the fleet, smoke and tries: imported when asked for
    from recommender.decide.fleet import FleetReport
    from recommender.smoke.run import SmokeEvent
    from recommender.smoke.trial import Preview

#: Progress events from the smoke runs (``dlrec recommend`` prints them as they come).
OnEvent = Callable[["SmokeEvent"], None]


@frozen
class Request:
    """Everything one recommendation needs, as read from the command line."""

    facts_file: str | None = None
    #: Several --facts (or a directory): a fleet, recommended by recommender.decide.fleet.
    facts_files: tuple[str, ...] = ()
    answers_file: str | None = None
    flags: Mapping[str, str]
    #: Answers given or confirmed at a ``dlrec ask`` prompt (source "asked"; they win over flags).
    asked: Mapping[str, str] = field(default_factory=dict)
    rules_files: tuple[str, ...] = ()
    smoke: bool = True
    import_timeout: float | None = None
    train_timeout: float | None = None
    fresh: bool = False
    #: ``--try``: None (no try), () (the best rows), or the rows named (``keras:torch``).
    tries: tuple[str, ...] | None = None
    #: ``--try-budget``: bytes a tried plan may download (None: the default).
    try_budget: int | None = None
    #: ``--try-timeout``: seconds each plan's environment and install may take (None: default).
    try_timeout: float | None = None


@frozen
class TryHooks:
    """How a try talks to its user: ``confirm`` (once, with what each plan would download;
    False declines every download) and ``on_step`` (a line per step of each install)."""

    confirm: Callable[[Sequence[Preview]], bool] = lambda previews: True
    on_step: Callable[[str], None] | None = None


@frozen
class Outcome:
    ranking: Ranking
    answers: Answers
    facts: Facts
    rulebase: RuleBase
    fleet: FleetReport | None = None
    #: A fleet: (nodes folded from their own recommendation documents, nodes evaluated here,
    #: documents refused for a stamp that does not match), or None where no node had one.
    folded: tuple[int, int, int] | None = None
