"""dlrec: which deep learning framework to build on, for this project and this machine."""

__version__ = "0.1.0"

__all__ = ["__version__"]
