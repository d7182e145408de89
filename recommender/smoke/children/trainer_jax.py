"""The JAX smoke trainer: the same two models as pure functions, ``jax.grad`` and a plain SGD
loop with momentum (no Flax or Optax: JAX alone must train here).

Device checks: the requested platform must be the default backend, and every parameter must
live on it after the first step, so a silent CPU fallback is reported, never measured.
"""

from __future__ import annotations

from recommender.smoke.children.common import (
    CLASSES,
    FEATURES,
    LR,
    MOMENTUM,
    SEED,
    SIDE,
    DeviceUnusable,
)

#: The smoke device -> the JAX platform that must run it.
_PLATFORM = {"cpu": "cpu", "cuda": "gpu", "rocm": "gpu", "tpu": "tpu"}


def load(device: str) -> tuple[str, str | None]:
    """The timed import phase: (version, None). Stops JAX from taking 75% of a GPU up front."""
    import os

    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    import jax

    return jax.__version__, None


def jax_device(jax, device: str):
    """The first device of the requested platform, or DeviceUnusable with what JAX sees."""
    platform = _PLATFORM.get(device)
    if platform is None:
        raise DeviceUnusable(f"JAX cannot train on {device} in this smoke test")
    try:
        found = jax.devices(platform)
    except RuntimeError as exc:  # "Unknown backend gpu" / "Backend 'tpu' failed to initialize"
        seen = ", ".join(sorted({d.platform for d in jax.devices()}))
        raise DeviceUnusable(f"JAX sees no {device} device ({exc}; it sees: {seen})") from None
    if not found:
        raise DeviceUnusable(f"JAX sees no {device} device")
    return found[0]


def _init(jax, jnp, model: str):
    k1, k2 = jax.random.split(jax.random.PRNGKey(SEED))
    if model == "mlp":
        return [
            jax.random.normal(k1, (FEATURES, 32)) * (2.0 / FEATURES) ** 0.5,
            jnp.zeros(32),
            jax.random.normal(k2, (32, CLASSES)) * (2.0 / 32) ** 0.5,
            jnp.zeros(CLASSES),
        ]
    flat = 8 * (SIDE // 2) ** 2
    return [
        jax.random.normal(k1, (3, 3, 1, 8)) * (2.0 / 9) ** 0.5,
        jnp.zeros(8),
        jax.random.normal(k2, (flat, CLASSES)) * (2.0 / flat) ** 0.5,
        jnp.zeros(CLASSES),
    ]


def _forward(jax, jnp, model: str):
    def forward(params, x):
        w1, b1, w2, b2 = params
        if model == "mlp":
            h = jax.nn.relu(x @ w1 + b1)
        else:
            h = jax.lax.conv_general_dilated(
                x, w1, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
            )
            h = jax.nn.relu(h + b1)
            h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
            h = h.reshape(h.shape[0], -1)
        return h @ w2 + b2

    return forward


def trainer(model: str, device: str, threads: int):
    import jax
    import jax.numpy as jnp

    dev = jax_device(jax, device)
    forward = _forward(jax, jnp, model)

    def loss_fn(params, x, y):
        logits = forward(params, x)
        picked = jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1)
        return -jnp.mean(picked)

    @jax.jit
    def update(params, velocity, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        velocity = [MOMENTUM * v + g for v, g in zip(velocity, grads)]
        params = [p - LR * v for p, v in zip(params, velocity)]
        return params, velocity, loss

    state = {"params": jax.device_put(_init(jax, jnp, model), dev)}
    state["velocity"] = [jnp.zeros_like(p) for p in state["params"]]

    def step(x, y):
        x, y = jax.device_put(x, dev), jax.device_put(y.astype("int32"), dev)
        state["params"], state["velocity"], loss = update(state["params"], state["velocity"], x, y)
        placed = {d.platform for p in state["params"] for d in p.devices()}
        if placed != {dev.platform}:
            raise DeviceUnusable(f"JAX ran the step on {sorted(placed)}, not on {device}")
        return float(loss)  # float() waits for the async dispatch to finish

    def predict(x):
        return jnp.argmax(forward(state["params"], jax.device_put(x, dev)), axis=1).__array__()

    def peak_device():
        stats = dev.memory_stats() if dev.platform != "cpu" else None
        return int(stats["peak_bytes_in_use"]) if stats and "peak_bytes_in_use" in stats else None

    return step, predict, peak_device
