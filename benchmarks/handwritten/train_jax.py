"""Hand-written: import JAX, train a small MLP and CNN for 40 steps each with jax.grad and SGD."""

import time

t0 = time.perf_counter()
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from data import make  # noqa: E402

print(f"import {time.perf_counter() - t0:.2f}s")
key1, key2 = jax.random.split(jax.random.PRNGKey(1234))


def forward(params, x, model):
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


for model in ("mlp", "cnn"):
    if model == "mlp":
        params = [
            jax.random.normal(key1, (16, 32)) * 0.35,
            jnp.zeros(32),
            jax.random.normal(key2, (32, 4)) * 0.25,
            jnp.zeros(4),
        ]
    else:
        params = [
            jax.random.normal(key1, (3, 3, 1, 8)) * 0.47,
            jnp.zeros(8),
            jax.random.normal(key2, (288, 4)) * 0.08,
            jnp.zeros(4),
        ]
    velocity = [jnp.zeros_like(p) for p in params]

    def loss_fn(params, x, y, model=model):
        logp = jax.nn.log_softmax(forward(params, x, model))
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    @jax.jit
    def update(params, velocity, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        velocity = [0.9 * v + g for v, g in zip(velocity, grads)]
        return [p - 0.05 * v for p, v in zip(params, velocity)], velocity, loss

    x, y = make(model, 512, 1234)
    for i in range(40):
        j = (i % 8) * 64
        params, velocity, loss = update(
            params, velocity, x[j : j + 64], y[j : j + 64].astype("int32")
        )
        loss = float(loss)
    xe, ye = make(model, 512, 1235)
    acc = (jnp.argmax(forward(params, xe, model), axis=1) == ye).mean()
    print(model, f"loss {loss:.3f} acc {float(acc):.2f}")
