"""Hand-written: import torch, train a small MLP and CNN for 40 steps each on the CPU."""

import time

t0 = time.perf_counter()
import torch  # noqa: E402
from data import make  # noqa: E402
from torch import nn  # noqa: E402

print(f"import {time.perf_counter() - t0:.2f}s")
torch.manual_seed(1234)
for model in ("mlp", "cnn"):
    if model == "mlp":
        net = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
    else:
        net = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(288, 4),
        )
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    x, y = make(model, 512, 1234)
    xt = torch.from_numpy(x if model == "mlp" else x.transpose(0, 3, 1, 2).copy())
    yt = torch.from_numpy(y)
    for i in range(40):
        j = (i % 8) * 64
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(xt[j : j + 64]), yt[j : j + 64])
        loss.backward()
        opt.step()
    xe, ye = make(model, 512, 1235)
    xe = torch.from_numpy(xe if model == "mlp" else xe.transpose(0, 3, 1, 2).copy())
    with torch.no_grad():
        acc = (net(xe).argmax(1).numpy() == ye).mean()
    print(model, f"loss {loss.item():.3f} acc {acc:.2f}")
