"""Tries: install plans proven in throwaway environments (``dlrec recommend --try``)."""

from recommender.smoke.trial.run import (
    DEFAULT_INSTALL_TIMEOUT as DEFAULT_INSTALL_TIMEOUT,
)
from recommender.smoke.trial.run import (
    DEFAULT_SIZE_BUDGET as DEFAULT_SIZE_BUDGET,
)
from recommender.smoke.trial.run import mb as mb
from recommender.smoke.trial.run import try_plans as try_plans
from recommender.smoke.trial.values import Package as Package
from recommender.smoke.trial.values import Preview as Preview
from recommender.smoke.trial.values import TrialPlan as TrialPlan
from recommender.smoke.trial.values import TrialResult as TrialResult

__all__ = [
    "DEFAULT_INSTALL_TIMEOUT",
    "DEFAULT_SIZE_BUDGET",
    "Package",
    "Preview",
    "TrialPlan",
    "TrialResult",
    "mb",
    "try_plans",
]
