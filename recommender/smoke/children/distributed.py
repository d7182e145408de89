"""One rank of the distributed smoke: train the tiny MLP data-parallel with a framework's own engine.

Runs only as a child process (``python -m recommender.smoke.children.distributed``), never in dlrec:

* ``--engine ddp``: one torchrun worker. torchrun sets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR
  and MASTER_PORT; we join the process group (gloo on CPU, nccl on CUDA) and wrap the model in
  DistributedDataParallel, which all-reduces the gradients.
* ``--engine mwms``: one TensorFlow worker. The parent set TF_CONFIG; MultiWorkerMirroredStrategy
  reads it and its replica context all-reduces the gradients (ring collectives over gRPC).
* ``--engine keras-jax``: one Keras 3 process on the JAX backend; ``keras.distribution``
  initialises JAX's multi-process runtime and a DataParallel layout shards each batch.
* ``--engine single``: the same model and batch size in one plain process (the scaling baseline).

Each rank reads its own shard (the data seed is offset by its rank), so only gradient
synchronisation can keep the replicas equal. At the end each rank writes ``rank-<R>.json`` in
``--out``: its losses, per-step times and its flattened parameters; the parent compares them.
Progress goes to stdout as JSON lines (``{"phase": "imported", "rank": R}``); logs to stderr.

``DLREC_SMOKE_HANG_RANK=R`` makes rank R hang after its import: a fault-injection hook for the
tests that prove a hung rank is killed within the budget.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

from recommender.core.catalog import Accelerator
from recommender.smoke.children.common import (
    BATCH,
    CLASSES,
    FEATURES,
    LR,
    MOMENTUM,
    SEED,
    make_data,
)

HANG_ENV = "DLREC_SMOKE_HANG_RANK"


def emit(doc: dict) -> None:
    sys.stdout.write(json.dumps(doc) + "\n")
    sys.stdout.flush()


def shard(rank: int, steps: int):
    """This rank's batches: its own slice of the data (seed offset by the rank)."""
    x, y = make_data("mlp", BATCH * min(steps, 8), SEED + 1 + rank)
    for i in range(steps):
        j = (i % min(steps, 8)) * BATCH
        yield x[j : j + BATCH], y[j : j + BATCH]


def joining(rank: int) -> None:
    """The framework is imported; what follows waits for the other ranks (the rendezvous)."""
    emit({"phase": "joining", "rank": rank})


def imported(rank: int, started: float) -> None:
    emit({"phase": "imported", "rank": rank, "import_s": round(time.monotonic() - started, 3)})
    if os.environ.get(HANG_ENV) == str(rank):
        while True:  # the fault: a rank that never reaches the collective
            time.sleep(3600)


# --- PyTorch DDP (under torchrun) ----------------------------------------------------------------


def _torch_net(torch):
    torch.manual_seed(SEED)  # every rank starts equal (DDP also broadcasts rank 0's weights)
    nn = torch.nn
    return nn.Sequential(
        nn.Linear(FEATURES, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, CLASSES)
    )


def run_torch(args, started: float) -> dict:
    import torch
    import torch.distributed as dist

    torch.set_num_threads(args.threads)
    rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    dev = torch.device("cpu")
    if args.device == Accelerator.CUDA:
        local = int(os.environ.get("LOCAL_RANK", 0))
        torch.cuda.set_device(local)
        dev = torch.device("cuda", local)
    net = _torch_net(torch).to(dev)
    if args.engine == "ddp":
        joining(rank)
        dist.init_process_group(backend="nccl" if args.device == Accelerator.CUDA else "gloo")
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(
            net, device_ids=[dev.index] if dev.type == Accelerator.CUDA else None
        )
    imported(rank, started)
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = torch.nn.CrossEntropyLoss()
    losses, times = [], []
    for x, y in shard(rank, args.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(torch.from_numpy(x).to(dev)), torch.from_numpy(y).to(dev))
        loss.backward()  # DDP's hooks all-reduce the gradients here
        opt.step()
        losses.append(float(loss.item()))
        times.append(time.perf_counter() - t0)
    params = [float(v) for p in net.parameters() for v in p.detach().cpu().reshape(-1).tolist()]
    if args.engine == "ddp":
        dist.barrier()
        dist.destroy_process_group()
    return dict(
        rank=rank,
        world_size=world,
        losses=losses,
        step_times=times,
        params=params,
        version=torch.__version__,
    )


# --- TensorFlow MultiWorkerMirroredStrategy (TF_CONFIG) -------------------------------------------


def run_tf(args, started: float) -> dict:
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(max(1, args.threads))
    rank = json.loads(os.environ["TF_CONFIG"])["task"]["index"] if args.engine == "mwms" else 0
    if args.engine == "mwms":
        joining(rank)
        options = tf.distribute.experimental.CommunicationOptions(
            implementation=tf.distribute.experimental.CommunicationImplementation.RING
        )
        strategy = tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    else:
        strategy = tf.distribute.get_strategy()  # the default: one replica, no communication
    with strategy.scope():
        rng = tf.random.Generator.from_seed(SEED)
        sizes = [(FEATURES, 64), (64, 64), (64, CLASSES)]
        params = []
        for fan_in, fan_out in sizes:
            params += [
                tf.Variable(rng.normal([fan_in, fan_out]) * (2.0 / fan_in) ** 0.5),
                tf.Variable(tf.zeros([fan_out])),
            ]
        velocity = [tf.Variable(tf.zeros_like(p)) for p in params]
    world = strategy.num_replicas_in_sync
    imported(rank, started)

    def forward(x):
        h = x
        for i in range(0, len(params) - 2, 2):
            h = tf.nn.relu(h @ params[i] + params[i + 1])
        return h @ params[-2] + params[-1]

    def replica_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, forward(x)))
        grads = tape.gradient(loss, params)
        ctx = tf.distribute.get_replica_context()
        grads = ctx.all_reduce(tf.distribute.ReduceOp.MEAN, grads)  # the strategy's collective
        for p, v, g in zip(params, velocity, grads):
            v.assign(MOMENTUM * v + g)
            p.assign_sub(LR * v)
        return loss

    @tf.function
    def step(x, y):
        return strategy.run(replica_step, args=(x, y))

    losses, times = [], []
    for x, y in shard(rank, args.steps):
        t0 = time.perf_counter()
        loss = step(tf.constant(x), tf.constant(y))
        losses.append(float(strategy.experimental_local_results(loss)[0].numpy()))
        times.append(time.perf_counter() - t0)
    flat = [float(v) for p in params for v in p.numpy().reshape(-1).tolist()]
    return dict(
        rank=rank,
        world_size=world,
        losses=losses,
        step_times=times,
        params=flat,
        version=tf.__version__,
    )


# --- Keras 3 on JAX: keras.distribution ---------------------------------------------------------


def run_keras_jax(args, started: float) -> dict:
    os.environ["KERAS_BACKEND"] = "jax"
    import keras

    rank, world = args.process_id, args.num_processes
    if args.engine == "keras-jax" and world > 1:
        joining(rank)
        keras.distribution.initialize(
            job_addresses=args.coordinator, num_processes=world, process_id=rank
        )
        devices = keras.distribution.list_devices()
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential(
        [
            keras.Input((FEATURES,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(CLASSES),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(LR, momentum=MOMENTUM),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    imported(rank, started)
    losses, times = [], []
    for x, y in shard(rank, args.steps):
        t0 = time.perf_counter()
        losses.append(float(model.train_on_batch(x, y)))
        times.append(time.perf_counter() - t0)
    flat = [float(v) for w in model.get_weights() for v in w.reshape(-1).tolist()]
    return dict(
        rank=rank,
        world_size=world,
        losses=losses,
        step_times=times,
        params=flat,
        version=keras.__version__,
    )


ENGINES = {"ddp": run_torch, "mwms": run_tf, "keras-jax": run_keras_jax}
SINGLE = {"pytorch": run_torch, "tensorflow": run_tf, "keras": run_keras_jax}


def main(argv=None) -> int:
    from recommender.supervise.parent_watch import watch_parent

    watch_parent()  # die within 0.2 s of losing dlrec, or once the whole budget is spent
    p = argparse.ArgumentParser(prog="smoke_dist_child")
    p.add_argument("--engine", required=True, choices=[*ENGINES, "single"])
    p.add_argument("--framework", default="pytorch", choices=sorted(SINGLE))
    p.add_argument("--device", default="cpu")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", required=True)
    p.add_argument("--coordinator", default="")
    p.add_argument("--num-processes", type=int, default=1)
    p.add_argument("--process-id", type=int, default=0)
    args = p.parse_args(argv)
    if args.engine == "single":  # the one-process baseline has no collective for a rank to miss
        os.environ.pop(HANG_ENV, None)
    started = time.monotonic()
    emit({"phase": "started"})
    run = SINGLE[args.framework] if args.engine == "single" else ENGINES[args.engine]
    doc = run(args, started)
    times = doc["step_times"][1:] or doc["step_times"]  # the first step pays for warm-up
    doc["step_s"] = statistics.median(times) if times else None
    name = "single.json" if args.engine == "single" else f"rank-{doc['rank']}.json"
    tmp = os.path.join(args.out, f".{name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    os.replace(tmp, os.path.join(args.out, name))
    emit({"phase": "done", "rank": doc["rank"]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
