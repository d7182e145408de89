"""What every smoke child shares: the protocol, the synthetic data, the budgets' constants.

Imports numpy only (every framework depends on it); never a framework.
"""

from __future__ import annotations

import json
import sys

MODELS = ("mlp", "cnn")
CLASSES = 4
FEATURES = 16
SIDE = 12
BATCH = 64
SEED = 1234
LR = 0.05
MOMENTUM = 0.9
#: converged: the loss fell to at most this fraction of its first value ...
LOSS_RATIO = 0.6
#: ... and accuracy beat chance (1 / CLASSES) by at least this much.
ACCURACY_MARGIN = 0.25


def emit(doc: dict) -> None:
    sys.stdout.write(json.dumps(doc) + "\n")
    sys.stdout.flush()


def make_data(model: str, n: int, seed: int):
    """(x, y) float32/int64 arrays. MLP: Gaussian clusters. CNN: which quadrant is bright."""
    import numpy as np

    rng = np.random.default_rng(seed)
    y = rng.integers(0, CLASSES, size=n)
    if model == "mlp":
        centers = np.random.default_rng(SEED).normal(0.0, 1.5, size=(CLASSES, FEATURES))
        x = centers[y] + rng.normal(0.0, 1.0, size=(n, FEATURES))
    else:
        x = rng.normal(0.0, 0.5, size=(n, SIDE, SIDE, 1))
        half = SIDE // 2
        for k in range(CLASSES):
            r, c = divmod(k, 2)
            x[y == k, r * half : (r + 1) * half, c * half : (c + 1) * half, 0] += 1.0
    return x.astype("float32"), y.astype("int64")


def batches(model: str, steps: int):
    x, y = make_data(model, BATCH * min(steps, 8), SEED)
    for i in range(steps):
        j = (i % min(steps, 8)) * BATCH
        yield x[j : j + BATCH], y[j : j + BATCH]


class DeviceUnusable(RuntimeError):
    """The framework imported but cannot use the requested device."""


def peak_rss_bytes() -> int:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)
