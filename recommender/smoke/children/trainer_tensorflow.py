"""The TensorFlow smoke trainer: raw variables, GradientTape and a tf.function step."""

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


def load(device: str) -> tuple[str, str | None]:
    """The timed import phase: (version, None). Never grabs all of a GPU's memory."""
    import tensorflow as tf

    grow_memory(tf)
    return tf.__version__, None


def grow_memory(tf) -> None:
    for gpu in tf.config.list_physical_devices("GPU"):
        tf.config.experimental.set_memory_growth(gpu, True)


def set_threads(threads: int) -> None:
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(max(1, min(2, threads)))
    except RuntimeError:  # already initialised (a second model in this process)
        pass


def tf_device(tf, device: str) -> str:
    kind = {"cpu": "CPU", "cuda": "GPU", "rocm": "GPU", "tpu": "TPU"}.get(device)
    if kind is None or not tf.config.list_logical_devices(kind):
        raise DeviceUnusable(f"TensorFlow sees no {device} device")
    return f"/{kind}:0"


def trainer(model: str, device: str, threads: int):
    import tensorflow as tf

    tf.random.set_seed(SEED)
    set_threads(threads)
    name = tf_device(tf, device)
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
            loss = train(x, y)
        placed = params[0].device.upper()
        if name.strip("/") not in placed:  # a silent fallback must not be measured as a pass
            raise DeviceUnusable(
                f"the variables live on {placed or 'an unknown device'}, not {name}"
            )
        return float(loss.numpy())

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
