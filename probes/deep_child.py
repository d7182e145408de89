"""Child process for ``dlrec probe --deep``: import one framework and list the devices it sees.

Run by path with the framework id as the argument; prints one JSON line. Only this child ever
imports a framework; the dlrec process never does.
"""

import json
import os
import sys
import time


def _tensorflow():
    import tensorflow as tf

    devices = [
        {"type": d.device_type.lower(), "name": d.name} for d in tf.config.list_physical_devices()
    ]
    return tf.__version__, devices


def _pytorch():
    import torch

    devices = [{"type": "cpu", "name": "cpu"}]
    if torch.cuda.is_available():
        kind = "rocm" if getattr(torch.version, "hip", None) else "cuda"
        for i in range(torch.cuda.device_count()):
            devices.append({"type": kind, "name": torch.cuda.get_device_name(i), "index": i})
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append({"type": "mps", "name": "mps"})
    xpu = getattr(torch, "xpu", None)
    if xpu is not None and xpu.is_available():
        devices.append({"type": "xpu", "name": "xpu", "count": xpu.device_count()})
    return torch.__version__, devices


def _keras():
    import keras

    return keras.__version__, [{"type": "backend", "name": keras.backend.backend()}]


def _jax():
    import jax

    return jax.__version__, [{"type": d.platform, "name": str(d)} for d in jax.devices()]


_IMPORTERS = {"tensorflow": _tensorflow, "pytorch": _pytorch, "keras": _keras, "jax": _jax}


def main(framework):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    start = time.monotonic()
    try:
        version, devices = _IMPORTERS[framework]()
        doc = {"ok": True, "version": version, "devices": devices}
    except Exception as exc:  # noqa: BLE001 - the parent classifies any failure
        doc = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
    doc["seconds"] = round(time.monotonic() - start, 3)
    sys.stdout.write(json.dumps(doc) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
