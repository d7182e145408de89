"""dlrec: which deep learning framework to build on, for this project and this machine."""

from recommender.core.early import install as _quiet_start

# dlrec's first code to run (pip's launcher imports this module first): from here on, Ctrl-C
# during start-up is one line, not Python's traceback (recommender/core/early.py).
_quiet_start()

__version__ = "0.1.0"

__all__ = ["__version__"]
