"""The smoke child: import one framework, train a tiny MLP and a tiny CNN, report as JSON lines.

Runs only as ``python -m recommender.smoke.children.train`` in its own process group; the dlrec process
never imports this module's frameworks. Protocol on stdout, one JSON object per line:

    {"phase": "imported", "import_s": 2.1, "version": "2.21.0", "backend": null}
    {"phase": "training", "model": "mlp"}
    {"result": {...one model's measurements...}}
    {"error": {"kind": "device_unusable" | "import_error" | "exception", "phase": ..., "message": ...}}

Everything else (framework logs, tracebacks) goes to stderr, which the parent sends to a log
file. Exit status: 0 trained (converged or not), 1 an exception, 3 device unusable.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
import traceback

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


# --- synthetic, learnable data (numpy only; every framework depends on it) ---------------------


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


# --- per-framework trainers: each returns (step_fn(x, y) -> loss, predict_fn(x) -> labels) -----


def _torch_device(torch, device: str):
    if device in ("cuda", "rocm"):
        if not torch.cuda.is_available():
            build = torch.version.cuda or torch.version.hip
            raise DeviceUnusable(
                "torch.cuda.is_available() is False ("
                + (f"build {build})" if build else "a CPU-only build)")
            )
        return torch.device("cuda")
    if device == "mps":
        if not torch.backends.mps.is_available():
            raise DeviceUnusable("torch.backends.mps.is_available() is False")
        return torch.device("mps")
    if device != "cpu":
        raise DeviceUnusable(f"PyTorch cannot train on {device} in this smoke test")
    return torch.device("cpu")


def torch_trainer(model: str, device: str, threads: int):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(SEED)
    dev = _torch_device(torch, device)
    nn = torch.nn
    if model == "mlp":
        net = nn.Sequential(nn.Linear(FEATURES, 32), nn.ReLU(), nn.Linear(32, CLASSES))
    else:
        net = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(8 * (SIDE // 2) ** 2, CLASSES),
        )
    net = net.to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = nn.CrossEntropyLoss()

    def prep(x):
        t = torch.from_numpy(x)
        return (t.permute(0, 3, 1, 2) if model == "cnn" else t).contiguous().to(dev)

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(prep(x)), torch.from_numpy(y).to(dev))
        loss.backward()
        opt.step()
        return float(loss.item())  # .item() synchronises an async device

    def predict(x):
        with torch.no_grad():
            return net(prep(x)).argmax(1).cpu().numpy()

    def peak_device():
        return int(torch.cuda.max_memory_allocated()) if dev.type == "cuda" else None

    return step, predict, peak_device


def _tf_device(tf, device: str) -> str:
    kind = {"cpu": "CPU", "cuda": "GPU", "rocm": "GPU", "tpu": "TPU"}.get(device)
    if kind is None or not tf.config.list_logical_devices(kind):
        raise DeviceUnusable(f"TensorFlow sees no {device} device")
    return f"/{kind}:0"


def tf_trainer(model: str, device: str, threads: int):
    import tensorflow as tf

    tf.random.set_seed(SEED)
    name = _tf_device(tf, device)
    rng = tf.random.Generator.from_seed(SEED)

    def var(shape, fan_in):
        return tf.Variable(rng.normal(shape) * (2.0 / fan_in) ** 0.5)

    with tf.device(name):
        if model == "mlp":
            params = [
                var([FEATURES, 32], FEATURES),
                tf.Variable(tf.zeros([32])),
                var([32, CLASSES], 32),
                tf.Variable(tf.zeros([CLASSES])),
            ]
        else:
            flat = 8 * (SIDE // 2) ** 2
            params = [
                var([3, 3, 1, 8], 9),
                tf.Variable(tf.zeros([8])),
                var([flat, CLASSES], flat),
                tf.Variable(tf.zeros([CLASSES])),
            ]
        velocity = [tf.Variable(tf.zeros_like(p)) for p in params]

    def forward(x):
        w1, b1, w2, b2 = params
        if model == "mlp":
            h = tf.nn.relu(x @ w1 + b1)
        else:
            h = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(x, w1, 1, "SAME") + b1), 2, 2, "VALID")
            h = tf.reshape(h, [tf.shape(h)[0], -1])
        return h @ w2 + b2

    @tf.function
    def train(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, forward(x)))
        for p, v, g in zip(params, velocity, tape.gradient(loss, params)):
            v.assign(MOMENTUM * v + g)
            p.assign_sub(LR * v)
        return loss

    def step(x, y):
        with tf.device(name):
            return float(train(x, y).numpy())

    def predict(x):
        with tf.device(name):
            return tf.argmax(forward(x), axis=1).numpy()

    def peak_device():
        if name == "/CPU:0":
            return None
        try:
            return int(tf.config.experimental.get_memory_info(name.strip("/"))["peak"])
        except (ValueError, KeyError):
            return None

    return step, predict, peak_device


def keras_trainer(model: str, device: str, threads: int):
    import keras

    keras.utils.set_random_seed(SEED)
    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        torch.set_num_threads(threads)
        _torch_device(torch, device)
    elif backend == "tensorflow":
        import tensorflow as tf

        _tf_device(tf, device)
    elif device != "cpu":
        raise DeviceUnusable(f"this smoke test runs Keras on {backend} only on the cpu")
    dev = {"cpu": "cpu:0", "cuda": "gpu:0", "rocm": "gpu:0", "mps": "mps:0", "tpu": "tpu:0"}[device]
    # The torch backend places by KERAS_TORCH_DEVICE (set before import); its device scope
    # would create variables without gradients.
    scope = contextlib.nullcontext if backend == "torch" else (lambda: keras.device(dev))
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


class DeviceUnusable(RuntimeError):
    """The framework imported but cannot use the requested device."""


def _import(framework: str, device: str):
    """Import the framework (the timed import phase) and return (version, keras backend)."""
    if framework == "pytorch":
        import torch

        return torch.__version__, None
    if framework == "tensorflow":
        import tensorflow as tf

        for gpu in tf.config.list_physical_devices("GPU"):  # never grab all VRAM
            tf.config.experimental.set_memory_growth(gpu, True)
        return tf.__version__, None
    torch_device = {"rocm": "cuda"}.get(device, device)
    os.environ["KERAS_TORCH_DEVICE"] = torch_device  # used only by the torch backend
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)
    return keras.__version__, keras.backend.backend()


def _set_tf_threads(threads: int) -> None:
    if "tensorflow" in sys.modules:
        tf = sys.modules["tensorflow"]
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(max(1, min(2, threads)))
        except RuntimeError:  # already initialised (a second model in this process)
            pass


TRAINERS = {"pytorch": torch_trainer, "tensorflow": tf_trainer, "keras": keras_trainer}


def peak_rss_bytes() -> int:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def train_one(framework: str, model: str, device: str, steps: int, threads: int) -> dict:
    step, predict, peak_device = TRAINERS[framework](model, device, threads)
    losses, times = [], []
    for x, y in batches(model, steps):
        t0 = time.perf_counter()
        losses.append(step(x, y))
        times.append(time.perf_counter() - t0)
    x_test, y_test = make_data(model, 512, SEED + 1)
    accuracy = float((predict(x_test) == y_test).mean())
    tail = max(1, steps // 5)
    loss_first, loss_last = losses[0], statistics.fmean(losses[-tail:])
    step_s = statistics.median(times[1:]) if len(times) > 1 else times[0]
    return {
        "model": model,
        "first_step_s": round(times[0], 4),
        "step_s": round(step_s, 6),
        "samples_per_s": round(BATCH / step_s, 1) if step_s > 0 else None,
        "peak_rss_bytes": peak_rss_bytes(),
        "peak_device_bytes": peak_device(),
        "loss_first": round(loss_first, 4),
        "loss_last": round(loss_last, 4),
        "accuracy": round(accuracy, 4),
        "converged": bool(
            loss_last <= LOSS_RATIO * loss_first and accuracy >= 1 / CLASSES + ACCURACY_MARGIN
        ),
    }


def main(argv=None) -> int:
    from recommender.parent_watch import watch_parent

    watch_parent()  # die within 0.2 s of losing dlrec, or once the whole budget is spent
    p = argparse.ArgumentParser(prog="smoke_child")
    p.add_argument("--framework", required=True, choices=sorted(TRAINERS))
    p.add_argument("--device", default="cpu")
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--models", default=",".join(MODELS))
    args = p.parse_args(argv)
    phase = "import"
    try:
        t0 = time.perf_counter()
        version, backend = _import(args.framework, args.device)
        _set_tf_threads(args.threads)
        emit(
            {
                "phase": "imported",
                "import_s": round(time.perf_counter() - t0, 4),
                "version": version,
                "backend": backend,
            }
        )
        phase = "train"
        for model in args.models.split(","):
            emit({"phase": "training", "model": model})
            emit(
                {"result": train_one(args.framework, model, args.device, args.steps, args.threads)}
            )
    except DeviceUnusable as exc:
        emit({"error": {"kind": "device_unusable", "phase": phase, "message": str(exc)}})
        return 3
    except BaseException as exc:  # noqa: BLE001 - report any failure to the parent, then exit
        traceback.print_exc()
        kind = "import_error" if phase == "import" else "exception"
        emit(
            {
                "error": {
                    "kind": kind,
                    "phase": phase,
                    "message": f"{type(exc).__name__}: {exc}"[:800],
                }
            }
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
