"""Hand-written: import Keras (its configured backend), train a small MLP and CNN for 40 steps each."""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
t0 = time.perf_counter()
import keras  # noqa: E402
from data import make  # noqa: E402

print(f"import {time.perf_counter() - t0:.2f}s ({keras.backend.backend()})")
keras.utils.set_random_seed(1234)
L = keras.layers
for model in ("mlp", "cnn"):
    if model == "mlp":
        layers = [keras.Input((16,)), L.Dense(32, activation="relu"), L.Dense(4)]
    else:
        layers = [
            keras.Input((12, 12, 1)),
            L.Conv2D(8, 3, padding="same", activation="relu"),
            L.MaxPooling2D(2),
            L.Flatten(),
            L.Dense(4),
        ]
    net = keras.Sequential(layers)
    net.compile(
        optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    x, y = make(model, 512, 1234)
    for i in range(40):
        j = (i % 8) * 64
        loss = float(net.train_on_batch(x[j : j + 64], y[j : j + 64]))
    xe, ye = make(model, 512, 1235)
    acc = (net.predict_on_batch(xe).argmax(1) == ye).mean()
    print(model, f"loss {loss:.3f} acc {acc:.2f}")
