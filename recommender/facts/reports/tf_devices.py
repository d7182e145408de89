"""TensorFlow's device lists, wherever they are pasted: ``tf.config.list_physical_devices()``
(``PhysicalDevice(name='/physical_device:XLA_GPU:0', device_type='XLA_GPU')``),
``device_lib.list_local_devices()`` (``device_type: "XLA_GPU"``) and the log of the devices it
made (``Created TensorFlow device (.../device:GPU:0 with 10175 MB memory)``), and 1.14-1.15's
``Requested GPU:0, but only XLA_GPU:0 exists``.

The fact read is the pair that matters: an XLA_GPU listed and no GPU. In TensorFlow 1.14-2.3 the
XLA_GPU device is made from the driver alone and the GPU device only once the CUDA and cuDNN
libraries of the build have loaded, so the pair says those libraries did not load.

A list of the CPU alone (``device_type: "CPU"`` rows of ``device_lib.list_local_devices()``, or
``physical_device:CPU:0`` of ``tf.config.list_physical_devices()``) with no GPU or XLA_GPU
anywhere is TensorFlow's answer that it sees no GPU (``tf.gpu_visible`` False: a user's check,
tensorflow/tensorflow#47359, #24480); what it means is diagnosis/symptoms.py's to weigh."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.facts.reports.model import Block, Fact

FORMAT = "python-session"
_DEVICE = re.compile(
    r"physical_device:(?P<a>XLA_GPU|GPU):|device_type: {0,2}[\"'](?P<b>XLA_GPU|GPU)[\"']|"
    r"/device:(?P<c>XLA_GPU|GPU):[0-9]{1,2}[\"']"
)
#: A GPU device TensorFlow did make, as its log says it.
_GPU_MADE = re.compile(
    r"device:GPU:[0-9]{1,2} with [0-9]{1,7} ?MB memory|Adding visible gpu devices: [0-9]"
)
#: A CPU device in one of TensorFlow's device lists (a row of list_local_devices, a physical one).
_CPU_DEVICE = re.compile(r"device_type: {0,2}[\"']CPU[\"']|physical_device:CPU:[0-9]")
_ONLY_XLA = re.compile(r"Requested GPU:[0-9]{1,2}, but only XLA_GPU:[0-9]{1,2} exists")


def read(lines: Sequence[str]) -> list[Block]:
    """One block with ``tf.xla_gpu_only`` where an XLA_GPU is listed and no GPU anywhere, or with
    ``tf.gpu_visible`` False where a device list shows the CPU alone."""
    xla: list[int] = []
    cpu: list[int] = []
    for number, raw in enumerate(lines, 1):
        line = raw[:400]
        if "GPU" not in line:
            if "CPU" in line and _CPU_DEVICE.search(line):
                cpu.append(number)
            continue
        if _GPU_MADE.search(line):
            return []
        if _ONLY_XLA.search(line):
            xla.append(number)
        for m in _DEVICE.finditer(line):
            if (m.group("a") or m.group("b") or m.group("c")) == "GPU":
                return []
            xla.append(number)
    if not xla:
        return _cpu_only(cpu)
    fact = Fact(path="tf.xla_gpu_only", value=True, line=xla[0])
    return [Block(format=FORMAT, start=xla[0], end=xla[-1], facts=(fact,))]


def _cpu_only(cpu: Sequence[int]) -> list[Block]:
    """A device list of the CPU alone: TensorFlow sees no GPU (at the first CPU row)."""
    if not cpu:
        return []
    fact = Fact(path="tf.gpu_visible", value=False, line=cpu[0])
    return [Block(format=FORMAT, start=cpu[0], end=cpu[-1], facts=(fact,))]
