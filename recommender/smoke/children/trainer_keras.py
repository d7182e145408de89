"""The Keras smoke trainer: the same two models with keras.Sequential, on KERAS_BACKEND."""

from __future__ import annotations

import contextlib
import os

from recommender.core.catalog import KerasBackend
from recommender.smoke.children.common import (
    CLASSES,
    FEATURES,
    LR,
    MOMENTUM,
    SEED,
    SIDE,
    DeviceUnusable,
)


def load(device: str) -> tuple[str, str | None]:
    """The timed import phase: (version, the backend Keras loaded)."""
    torch_device = {"rocm": "cuda"}.get(device, device)
    os.environ["KERAS_TORCH_DEVICE"] = torch_device  # used only by the torch backend
    import keras

    if keras.backend.backend() == KerasBackend.TENSORFLOW:
        import tensorflow as tf

        from recommender.smoke.children.trainer_tensorflow import grow_memory

        grow_memory(tf)
    return keras.__version__, keras.backend.backend()


def trainer(model: str, device: str, threads: int):
    import keras

    keras.utils.set_random_seed(SEED)
    backend = keras.backend.backend()
    if backend == KerasBackend.TORCH:
        import torch

        torch.set_num_threads(threads)
        from recommender.smoke.children.trainer_pytorch import torch_device

        torch_device(torch, device)
    elif backend == KerasBackend.TENSORFLOW:
        import tensorflow as tf

        from recommender.smoke.children.trainer_tensorflow import set_threads, tf_device

        set_threads(threads)
        tf_device(tf, device)
    elif backend == KerasBackend.JAX:
        import jax

        from recommender.smoke.children.trainer_jax import jax_device

        jax_device(jax, device)
    elif device != "cpu":
        raise DeviceUnusable(f"this smoke test runs Keras on {backend} only on the cpu")
    dev = {"cpu": "cpu:0", "cuda": "gpu:0", "rocm": "gpu:0", "mps": "mps:0", "tpu": "tpu:0"}[device]
    # The torch backend places by KERAS_TORCH_DEVICE (set before import); its device scope
    # would create variables without gradients.
    scope = contextlib.nullcontext if backend == KerasBackend.TORCH else (lambda: keras.device(dev))
    L = keras.layers
    with scope():
        if model == "mlp":
            layers = [keras.Input((FEATURES,)), L.Dense(32, activation="relu"), L.Dense(CLASSES)]
        else:
            layers = [
                keras.Input((SIDE, SIDE, 1)),
                L.Conv2D(8, 3, padding="same", activation="relu"),
                L.MaxPooling2D(2),
                L.Flatten(),
                L.Dense(CLASSES),
            ]
        net = keras.Sequential(layers)
        net.compile(
            optimizer=keras.optimizers.SGD(LR, momentum=MOMENTUM),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )

    def step(x, y):
        with scope():
            return float(net.train_on_batch(x, y))

    def predict(x):
        with scope():
            return net.predict_on_batch(x).argmax(1)

    return step, predict, lambda: None
