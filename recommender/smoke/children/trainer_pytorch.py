"""The PyTorch smoke trainer: an MLP and a CNN with torch.nn and SGD with momentum."""

from __future__ import annotations

from recommender.core.catalog import Accelerator
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
    """The timed import phase: (version, Keras backend or None)."""
    import torch

    return torch.__version__, None


def torch_device(torch, device: str):
    if device in (Accelerator.CUDA, Accelerator.ROCM):
        if not torch.cuda.is_available():
            build = torch.version.cuda or torch.version.hip
            raise DeviceUnusable(
                "torch.cuda.is_available() is False ("
                + (f"build {build})" if build else "a CPU-only build)")
            )
        return torch.device("cuda")
    if device == Accelerator.MPS:
        if not torch.backends.mps.is_available():
            raise DeviceUnusable("torch.backends.mps.is_available() is False")
        return torch.device("mps")
    if device == Accelerator.XPU:
        if not (hasattr(torch, "xpu") and torch.xpu.is_available()):
            raise DeviceUnusable(
                "torch.xpu.is_available() is False (not an XPU build, or no driver)"
            )
        return torch.device("xpu")
    if device != "cpu":
        raise DeviceUnusable(f"PyTorch cannot train on {device} in this smoke test")
    return torch.device("cpu")


def trainer(model: str, device: str, threads: int):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(SEED)
    dev = torch_device(torch, device)
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
        out = net(prep(x))
        if out.device.type != dev.type:  # a silent fallback must not be measured as a pass
            raise DeviceUnusable(f"the step ran on {out.device.type}, not on {device}")
        loss = loss_fn(out, torch.from_numpy(y).to(dev))
        loss.backward()
        opt.step()
        return float(loss.item())  # .item() synchronises an async device

    def predict(x):
        with torch.no_grad():
            return net(prep(x)).argmax(1).cpu().numpy()

    def peak_device():
        return int(torch.cuda.max_memory_allocated()) if dev.type == Accelerator.CUDA else None

    return step, predict, peak_device
