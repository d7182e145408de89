"""The findings a known message gives where it does not point at the environment as written: the
versions the paste states pass the message's own check (the copy that failed is another one), or
the message is the program's own fault or a healthy start's noise."""

from __future__ import annotations

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste, Signature

HUB_URL = "https://docs.pytorch.org/docs/stable/hub.html"


def contradicted(paste: Paste, sig: Signature, lines: list[int], passed: str) -> Finding:
    """A message whose claim the stated versions disprove: a warning naming both."""
    return Finding(
        id=f"signature:{sig.id}",
        category=sig.diagnosis,
        also=sig.also,
        status="warn",
        title=sig.title,
        detail=(
            f"the text shows a known message ({sig.id}), but the versions it states pass that "
            f"check ({passed}): the copy that failed is not the one listed (torch.hub's download "
            "of a repository's default branch, a source checkout, or another environment)"
        ),
        fix=(
            'Find the copy the failing process imports (python -c "import torch, torchvision; '
            'print(torch.__version__, torchvision.__version__, torchvision.__file__)"); with '
            "torch.hub, load the tag of the installed release (owner/repo:vX.Y.Z)"
        ),
        quotes=quote_lines(paste, lines),
        source=HUB_URL,
    )


def not_the_environment(paste: Paste, sig: Signature, lines: list[int]) -> Finding:
    """A message that proves nothing against the environment: the program's own fault, or noise
    a library prints on every healthy start. Said, so that nobody blames the installation."""
    return Finding(
        id=f"signature:{sig.id}",
        category=Category.HEALTHY.value,
        status="ok",
        title=sig.title,
        detail=f"the text shows a known message ({sig.id}); it does not point at the environment",
        fix=sig.fix_text,
        quotes=quote_lines(paste, lines),
        source=sig.source,
    )


__all__ = ["HUB_URL", "contradicted", "not_the_environment"]
