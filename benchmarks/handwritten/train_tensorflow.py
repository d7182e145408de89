"""Hand-written: import TensorFlow, train a small MLP and CNN for 40 steps each (low-level TF)."""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
t0 = time.perf_counter()
import tensorflow as tf  # noqa: E402
from data import make  # noqa: E402

print(f"import {time.perf_counter() - t0:.2f}s")
rng = tf.random.Generator.from_seed(1234)
for model in ("mlp", "cnn"):
    shapes = (
        [(16, 32), (32,), (32, 4), (4,)] if model == "mlp" else [(3, 3, 1, 8), (8,), (288, 4), (4,)]
    )
    params = [
        tf.Variable(rng.normal(s) * 0.3) if len(s) > 1 else tf.Variable(tf.zeros(s)) for s in shapes
    ]
    vel = [tf.Variable(tf.zeros_like(p)) for p in params]

    def forward(x, model=model, params=params):
        w1, b1, w2, b2 = params
        if model == "mlp":
            h = tf.nn.relu(x @ w1 + b1)
        else:
            h = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(x, w1, 1, "SAME") + b1), 2, 2, "VALID")
            h = tf.reshape(h, [tf.shape(h)[0], -1])
        return h @ w2 + b2

    @tf.function
    def step(x, y, forward=forward, params=params, vel=vel):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, forward(x)))
        for p, v, g in zip(params, vel, tape.gradient(loss, params)):
            v.assign(0.9 * v + g)
            p.assign_sub(0.05 * v)
        return loss

    x, y = make(model, 512, 1234)
    for i in range(40):
        j = (i % 8) * 64
        loss = float(step(x[j : j + 64], y[j : j + 64]))
    xe, ye = make(model, 512, 1235)
    acc = (tf.argmax(forward(xe), 1).numpy() == ye).mean()
    print(model, f"loss {loss:.3f} acc {acc:.2f}")
