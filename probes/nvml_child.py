"""Child process for the NVIDIA probe: query NVML and print one JSON line.

Run by path (not ``-m``) so it needs nothing from dlrec. NVML is a C library that can hang or
crash on a broken driver; keeping it out of the dlrec process means it costs one bounded child.
"""

import json
import sys


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _safe(call, *args):
    try:
        return call(*args)
    except Exception:  # noqa: BLE001 - any NVML field may be unsupported on a given GPU
        return None


def _call(module, name, *args):
    """``module.name(*args)``, or None when this pynvml lacks the function or the GPU the field."""
    func = getattr(module, name, None)
    return _safe(func, *args) if func is not None else None


def main():
    try:
        import pynvml
    except ImportError as exc:
        print(json.dumps({"ok": False, "error": f"nvidia-ml-py not importable: {exc}"}))
        return
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # noqa: BLE001 - NVMLError subclasses vary by version
        print(json.dumps({"ok": False, "error": _text(exc) or type(exc).__name__}))
        return
    try:
        driver = _call(pynvml, "nvmlSystemGetDriverVersion")
        cuda = _call(pynvml, "nvmlSystemGetCudaDriverVersion_v2") or _call(
            pynvml, "nvmlSystemGetCudaDriverVersion"
        )
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            mem = _call(pynvml, "nvmlDeviceGetMemoryInfo", handle)
            cc = _call(pynvml, "nvmlDeviceGetCudaComputeCapability", handle)
            pci = _call(pynvml, "nvmlDeviceGetPciInfo", handle)
            gpus.append(
                {
                    "index": index,
                    "name": _text(_call(pynvml, "nvmlDeviceGetName", handle) or "") or None,
                    "uuid": _text(_call(pynvml, "nvmlDeviceGetUUID", handle) or "") or None,
                    "memory_bytes": int(mem.total) if mem is not None else None,
                    "compute_capability": f"{cc[0]}.{cc[1]}" if cc else None,
                    "pci_bus_id": _text(pci.busId) if pci is not None else None,
                }
            )
        print(
            json.dumps(
                {
                    "ok": True,
                    "driver_version": _text(driver) if driver else None,
                    "cuda_driver_version": int(cuda) if cuda else None,
                    "gpus": gpus,
                }
            )
        )
    except Exception as exc:  # noqa: BLE001
        print(json.dumps({"ok": False, "error": _text(exc) or type(exc).__name__}))
    finally:
        _call(pynvml, "nvmlShutdown")


if __name__ == "__main__":
    main()
    sys.stdout.flush()
