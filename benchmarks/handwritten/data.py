"""The same synthetic tasks as dlrec's smoke child: Gaussian clusters (MLP), bright quadrant (CNN)."""

import numpy as np


def make(model, n, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, size=n)
    if model == "mlp":
        x = np.random.default_rng(1234).normal(0, 1.5, (4, 16))[y] + rng.normal(0, 1, (n, 16))
    else:
        x = rng.normal(0, 0.5, (n, 12, 12, 1))
        for k in range(4):
            r, c = divmod(k, 2)
            x[y == k, r * 6 : (r + 1) * 6, c * 6 : (c + 1) * 6, 0] += 1.0
    return x.astype("float32"), y.astype("int64")
