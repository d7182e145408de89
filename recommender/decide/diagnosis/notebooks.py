"""Hosted notebooks whose image ships one CUDA release: Google Colab and Kaggle.

A Colab runtime is an image with one CUDA toolkit in ``/usr/local/cuda`` (and its cuDNN) on the
loader's path, moved forward by Google from time to time (CUDA 11.x until December 2023, 12.2
after: SYSTRAN/faster-whisper#623, bitsandbytes-foundation/bitsandbytes#934). A versioned CUDA
library that a package asks for and the loader does not find there (``libcudart.so.10.1``,
``libnvrtc.so.11.2``, ``libcudart.so.12`` on a CUDA 11 runtime) belongs to another CUDA release
than the runtime's: the package was built for another CUDA (NVIDIA's maintainer on Colab: "Google
Colab uses CUDA 11, but your installation command above uses CUDA 12. That is what is causing the
failure to find the linked libcudart.so", NVIDIA/cuml#5300; ai-forever/ghost#50: mxnet-cu101mkl
after "the standard cuda version of google colab has changed", fixed by mxnet-cu112). Installing
the named file hides that; the package's build for the runtime's CUDA is the fix. Kaggle's
notebooks run one image the same way (Kaggle/docker-python; CUDA 11.0 in 2022, 12.1 from January
2024, Kaggle/docker-python#1352): nnabla-ext-cuda for CUDA 10.2 on it asked for libcudart.so.10.2
(sony/ai-research-code#49), a TensorFlow 1.x notebook for libcudart.so.10.0
(Kaggle/docker-python#1044).
"""

from __future__ import annotations

import re

from recommender.facts.reports import Paste

SOURCE = "https://github.com/NVIDIA/cuml/issues/5300"
#: The paste says it runs on Colab (the product's name or its address) or in a Kaggle notebook
#: (its working directories, or Kaggle named as where it runs: "kaggle" alone is also a dataset
#: site, downloaded to any machine).
_HOSTED = re.compile(
    r"\bcolab\b|colaboratory|colab\.research\.google\.com"
    r"|\b(?:on|in|using) kaggle\b|\bkaggle (?:notebook|kernel)s?\b|/kaggle/(?:working|input)\b",
    re.IGNORECASE,
)


def hosted_notebook_line(paste: Paste) -> int | None:
    """The first line that says the paste comes from a Colab or Kaggle notebook, or None."""
    for number, line in enumerate(paste.lines[:2000], start=1):
        if _HOSTED.search(line[:2000]):
            return number
    return None
