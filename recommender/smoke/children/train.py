"""The smoke child: import one framework, train a tiny MLP and a tiny CNN, report as JSON lines.

Runs only as ``python -m recommender.smoke.children.train`` in its own process group; the dlrec
process never imports a framework. Each framework's trainer is its own module,
``trainer_<framework id>.py``, with ``load(device)`` (the timed import) and
``trainer(model, device, threads) -> (step, predict, peak_device)``. Protocol on stdout, one JSON
object per line:

    {"phase": "imported", "import_s": 2.1, "version": "2.21.0", "backend": null}
    {"phase": "training", "model": "mlp"}
    {"result": {...one model's measurements...}}
    {"error": {"kind": "device_unusable" | "import_error" | "exception", "phase": ..., "message": ...}}

Everything else (framework logs, tracebacks) goes to stderr, which the parent sends to a log
file. Exit status: 0 trained (converged or not), 1 an exception, 3 device unusable.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
import traceback
from types import ModuleType

from recommender.core.catalog import FRAMEWORK_IDS
from recommender.smoke.children.common import (
    ACCURACY_MARGIN,
    BATCH,
    CLASSES,
    LOSS_RATIO,
    MODELS,
    SEED,
    DeviceUnusable,
    batches,
    emit,
    make_data,
    peak_rss_bytes,
)


def trainer_module(framework: str) -> ModuleType:
    return importlib.import_module(f"recommender.smoke.children.trainer_{framework}")


def train_one(framework: str, model: str, device: str, steps: int, threads: int) -> dict:
    step, predict, peak_device = trainer_module(framework).trainer(model, device, threads)
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
        "losses": [round(float(v), 4) for v in losses],  # the curve, one per step
        "converged": bool(
            loss_last <= LOSS_RATIO * loss_first and accuracy >= 1 / CLASSES + ACCURACY_MARGIN
        ),
    }


def main(argv=None) -> int:
    from recommender.supervise.parent_watch import watch_parent

    watch_parent()  # die within 0.2 s of losing dlrec, or once the whole budget is spent
    p = argparse.ArgumentParser(prog="smoke_child")
    p.add_argument("--framework", required=True, choices=FRAMEWORK_IDS)
    p.add_argument("--device", default="cpu")
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--models", default=",".join(MODELS))
    args = p.parse_args(argv)
    phase = "import"
    try:
        t0 = time.perf_counter()
        version, backend = trainer_module(args.framework).load(args.device)
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
