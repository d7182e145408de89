"""Hardware fit before taste: each row's support tier on the answered device (rules/tiers.yaml).

A row's place is the tier of its framework (Keras: of its backend's framework) on every device
the answers name: the training accelerator under this machine's OS, and the deployment target
when it is a device of its own (a phone, a browser, a microcontroller, a board). The weakest of
them ranks first, then their sum, so "trains first-class, deploys experimental" sits below
"supported on both". Only two answers cross a tier, and the row says so: the team's stack
(``team_stack``) ranks above every tier, a stack the team is moving away from (``moving_away``)
below every tier.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.core.catalog import BACKEND_FRAMEWORK, Framework, display_name
from recommender.core.frozen import frozen
from recommender.facts.machine import Machine
from recommender.rulebase.tiers import TIERS, TierEntry, TierTable

#: ``deploy`` answers that are devices of their own, and the tier places they stand for.
TARGET_PLACES: dict[str, tuple[str, ...]] = {
    "android": ("android",),
    "ios": ("ios",),
    "mobile": ("android", "ios"),
    "browser": ("browser",),
    "microcontroller": ("microcontroller",),
    "edge": ("edge",),
    "edge-gpu": ("edge-gpu",),
}
#: The sort rank of a row the team's stack lifts, and of one the team is leaving.
CROSS_UP = max(TIERS.values()) + 1
CROSS_DOWN = -1


@frozen
class Placement:
    """Where a row stands on the answered devices before any preference counts."""

    #: The weakest tier over the devices ("first-class", ...; "unknown" with no table entry).
    tier: str
    #: The sort key, higher first: (weakest tier rank, sum of ranks), or a crossing's.
    key: tuple[int, int]
    #: (device, tier, why, sources) for each device the answers name.
    places: tuple[tuple[str, str, str, tuple[str, ...]], ...] = ()
    #: "team_stack" or "moving_away" when that answer crossed the tier; else None.
    crossing: str | None = None
    #: One sentence for the report when an answer crossed the tier.
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "order": list(self.key),
            "devices": [
                {"device": d, "tier": t, "why": w, "sources": list(s)} for d, t, w, s in self.places
            ],
            "crossed_by": self.crossing,
            "note": self.note,
        }


def os_of(machine: Machine) -> str | None:
    """linux, windows or macos from the machine's view (WSL is Linux); None when unknown."""
    if machine.wsl:
        return "linux"
    return {"Linux": "linux", "Windows": "windows", "Darwin": "macos"}.get(str(machine.system))


def places_of(accelerator: str | None, deploy: str | None) -> tuple[str, ...]:
    """The tier places the answers name: the training device, then the deployment target."""
    return (accelerator or "cpu", *TARGET_PLACES.get(deploy or "", ()))


def _entries(
    table: TierTable, framework: str, places: tuple[str, ...], os: str | None
) -> list[tuple[str, TierEntry]]:
    found: list[tuple[str, TierEntry]] = []
    for place in places:
        # A deployment target is its own device: the OS of this machine does not apply to it.
        entry = table.lookup(framework, place, os if place == places[0] else None)
        if entry is not None:
            found.append((place, entry))
    return found


def placement(
    framework: str,
    backend: str | None,
    table: TierTable,
    places: tuple[str, ...],
    os: str | None,
    answers: Mapping[str, Any],
) -> Placement:
    """This row's place on ``places`` under ``os``; ``answers`` for the two crossings."""
    tier_fw = (
        BACKEND_FRAMEWORK.get(backend or "", framework)
        if framework == Framework.KERAS
        else framework
    )
    found = _entries(table, tier_fw, places, os)
    ranks = [entry.rank for _, entry in found]
    if ranks:
        weakest = min(found, key=lambda pe: pe[1].rank)[1].tier
        key = (min(ranks), sum(ranks))
    else:
        weakest, key = "unknown", (0, 0)
    rows = tuple((place, e.tier, e.why, e.sources) for place, e in found)
    name = display_name(framework, backend)
    leaving = answers.get("moving_away")
    if leaving and leaving in {framework, tier_fw}:
        leaving_note = (
            f"The team is moving away from {display_name(leaving)}: {name} ranks below every tier."
        )
        return Placement(
            tier=weakest,
            key=(CROSS_DOWN, 0),
            places=rows,
            crossing="moving_away",
            note=leaving_note,
        )
    if answers.get("team_stack") == framework:
        note: str | None = (
            None
            if weakest == "first-class"
            else f"The team's stack: {name} ranks above the better-supported frameworks "
            f"({weakest} on {' and '.join(places)})."
        )
        return Placement(
            tier=weakest, key=(CROSS_UP, 0), places=rows, crossing="team_stack", note=note
        )
    return Placement(tier=weakest, key=key, places=rows)
