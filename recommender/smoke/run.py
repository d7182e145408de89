"""The smoke engine: prove each installed framework trains on each usable device.

Each run (framework x Keras backend x device) is its own child process,
``python -m recommender.smoke.children.train``, in a new session. The child trains a tiny MLP and a tiny
CNN and reports JSON lines on stdout (a file, never a pipe, so a grandchild that keeps it open
cannot stall us); its stderr goes to a log file. Import and training have separate budgets; on
either timeout, on Ctrl-C, and after every run, the child's whole process group (and any
descendant that left it) is killed and reaped. This process never imports a framework.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from recommender.core.catalog import (
    ACCELERATORS,
    BACKEND_FRAMEWORK,
    FRAMEWORK_IDS,
    KERAS_BACKENDS,
    SMOKE_DEVICES,
    Accelerator,
    Framework,
)
from recommender.core.errors import BadInputError, NotInstalledError
from recommender.facts.document import Facts
from recommender.smoke import cache as smoke_cache
from recommender.smoke.failures import ChildExit, FailureKind, classify, failure
from recommender.smoke.process import MODELS, Settings, kill_tree, supervise
from recommender.smoke.results import SmokeEvent, SmokeResult, SmokeRun, losses_of
from recommender.supervise.supervisor import stopping

DEFAULT_STEPS = 40
DEFAULT_IMPORT_TIMEOUT = 120.0
DEFAULT_TRAIN_TIMEOUT = 120.0
DEVICES = SMOKE_DEVICES
#: Runs of different frameworks at once. Two keeps a 2-core machine busy through imports
#: without oversubscribing (see benchmarks/RESULTS.md).
MAX_WORKERS = 2


# --- planning ------------------------------------------------------------------------------


def _build_devices(facts: Facts, framework: str) -> list[str]:
    """cpu, plus each device the framework's build supports AND the machine has."""
    present = {a.get("kind") for a in facts.accelerators if a.get("visible") is not False}
    build = facts.framework(framework).get("build") or {}
    native = Framework(framework).info.native_devices
    devices = ["cpu"]
    for accel in ACCELERATORS.values():
        kind = accel.kind.value
        if accel.kind is Accelerator.CPU or kind not in present:
            continue
        if build.get(kind) or build.get("flavour") == kind or accel.smoke_device in native:
            devices.append(accel.smoke_device)
    return devices


def _keras_backends(facts: Facts, all_backends: bool, env: Mapping[str, str]) -> tuple[list, list]:
    """([(backend, env override, note)], [skip messages])."""
    keras = facts.framework("keras")
    configured = keras.get("backend") or "tensorflow"
    if not all_backends:
        return [(configured, (), None)], []
    runs, skipped = [], []
    for backend in KERAS_BACKENDS:
        if not facts.framework(BACKEND_FRAMEWORK[backend]).get("installed"):
            skipped.append(f"keras on {backend}: skipped, {backend} is not installed")
            continue
        note = None
        if backend != configured:
            source = keras.get("backend_source") or "default"
            note = f"KERAS_BACKEND={backend} set for this run (configured: {configured}, from {source})"
        runs.append((backend, (("KERAS_BACKEND", backend),), note))
    return runs, skipped


def plan_smoke(
    facts: Facts,
    *,
    frameworks: Sequence[str] | None = None,
    device: str = "auto",
    all_backends: bool = False,
    env: Mapping[str, str] | None = None,
) -> tuple[tuple[SmokeRun, ...], tuple[str, ...]]:
    """The runs to do and the messages for what is skipped. Raises BadInputError for a request
    that cannot be met (an unknown device or framework), NotInstalledError for a framework this
    Python lacks."""
    env = os.environ if env is None else env
    if device not in DEVICES:
        raise BadInputError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
    installed = [fw for fw in FRAMEWORK_IDS if facts.framework(fw).get("installed")]
    wanted = list(dict.fromkeys(frameworks or installed))
    for fw in wanted:
        if fw not in FRAMEWORK_IDS:
            raise BadInputError(
                f"unknown framework {fw!r}; choose one of {', '.join(FRAMEWORK_IDS)}"
            )
    missing = tuple(fw for fw in wanted if fw not in installed)
    if missing:  # the command layer adds the install planner's command
        raise NotInstalledError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed in this "
            f"Python ({sys.executable}), so nothing can be smoke-trained",
            frameworks=missing,
        )
    runs: list[SmokeRun] = []
    skipped: list[str] = []
    for fw in wanted:
        backends = [(None, (), None)]
        if fw == Framework.KERAS:
            backends, skips = _keras_backends(facts, all_backends, env)
            skipped.extend(skips)
        for backend, override, note in backends:
            base = BACKEND_FRAMEWORK.get(backend, fw) if backend else fw
            devices = _build_devices(facts, base) if device == "auto" else [device]
            runs.extend(
                SmokeRun(framework=fw, backend=backend, device=d, env=override, note=note)
                for d in devices
            )
    return tuple(runs), tuple(skipped)


# --- running one child ---------------------------------------------------------------------


def _results(
    run: SmokeRun, exit_: ChildExit, trained: list[dict], imported: dict, log: str
) -> tuple[SmokeResult, ...]:
    backend = imported.get("backend") or run.backend if run.framework == Framework.KERAS else None
    base: dict[str, Any] = dict(
        framework=run.framework,
        backend=backend,
        device=run.device,
        import_s=imported.get("import_s"),
        log=log,
    )
    out, done = [], set()
    for doc in trained:
        values: dict[str, Any] = {k: doc.get(k) for k in SmokeResult._FIELDS if k in doc}
        values["losses"] = losses_of(doc.get("losses"))
        converged = bool(doc.get("converged"))
        error = (
            None
            if converged
            else failure(
                FailureKind.NOT_CONVERGED,
                framework=run.framework,
                device=run.device,
                log=log,
                detail=f"loss {doc.get('loss_first')} -> {doc.get('loss_last')}, accuracy {doc.get('accuracy')}",
            )
        )
        out.append(SmokeResult(**base, **values, ok=converged, error=error))
        done.add(doc.get("model"))
    missing = [m for m in MODELS if m not in done]
    if missing:
        err = classify(exit_, framework=run.framework, device=run.device, log=log)
        out.extend(SmokeResult(**base, model=m, ok=False, error=err) for m in missing)
    return tuple(out)


def _execute(run: SmokeRun, s: Settings, cancel, live, emit) -> tuple[SmokeResult, ...]:
    def on_phase(phase: str, elapsed: float) -> None:
        emit(SmokeEvent(kind="phase", run=run, phase=phase, elapsed=elapsed))

    exit_, trained, imported, log = supervise(run, s, cancel, live, on_phase)
    if cancel.is_set() or stopping():  # interrupted: a killed child is no result
        return ()
    return _results(run, exit_, trained, imported, log)


# --- the public entry point ----------------------------------------------------------------


def _cache_key(facts: Facts, run: SmokeRun, steps: int) -> dict:
    from importlib import metadata

    base = BACKEND_FRAMEWORK.get(run.backend or "", run.framework)
    try:
        numpy = metadata.version("numpy")
    except metadata.PackageNotFoundError:
        numpy = None
    extra = {
        "numpy": numpy,
        "backend_version": facts.framework(base).get("version") if run.backend else None,
    }
    return smoke_cache.fingerprint(
        framework=run.framework,
        backend=run.backend,
        device=run.device,
        framework_facts=facts.framework(run.framework),
        steps=steps,
        models=MODELS,
        extra=extra,
    )


#: What a cached result must hold; anything else ("loss_first": "1.3") is a miss.
_CACHED_TYPES = {
    **dict.fromkeys(("framework", "device", "model"), (str,)),
    "backend": smoke_cache.OPTIONAL_STR,
    **dict.fromkeys(("ok", "converged"), (bool,)),
    "cached": (bool, type(None)),
    "error": (type(None),),  # only passing runs are cached
    **dict.fromkeys(
        ("import_s", "first_step_s", "step_s", "samples_per_s", "loss_first", "loss_last"),
        smoke_cache.NUMBER,
    ),
    "accuracy": smoke_cache.NUMBER,
    **dict.fromkeys(("peak_rss_bytes", "peak_device_bytes"), (int, type(None))),
    "cached_at": smoke_cache.OPTIONAL_STR,
}


def _from_cache(env, key) -> tuple[SmokeResult, ...] | None:
    entry = smoke_cache.load(env, key)
    if entry is None:
        return None
    cached_at, docs = entry
    if not all(smoke_cache.well_typed(d, _CACHED_TYPES) for d in docs):
        return None
    try:
        results = tuple(
            replace(SmokeResult.from_dict(d), cached=True, cached_at=cached_at) for d in docs
        )
    except (KeyError, TypeError, ValueError):
        return None
    return results if results and all(r.ok for r in results) else None


def _threads(facts: Facts | None, workers: int) -> int:
    cores = (facts.get("cpu.usable_cores") if facts is not None else None) or os.cpu_count() or 1
    return max(1, int(cores) // max(1, workers))


def run_smoke(
    facts: Facts,
    *,
    frameworks: Sequence[str] | None = None,
    device: str = "auto",
    steps: int = DEFAULT_STEPS,
    import_timeout: float = DEFAULT_IMPORT_TIMEOUT,
    train_timeout: float = DEFAULT_TRAIN_TIMEOUT,
    fresh: bool = False,
    all_backends: bool = False,
    on_event: Callable[[SmokeEvent], None] | None = None,
    env: Mapping[str, str] | None = None,
    workers: int = MAX_WORKERS,
) -> tuple[SmokeResult, ...]:
    """Smoke-train each planned run (cache first unless ``fresh``) and return every result, in
    plan order. Raises BadInputError for an impossible request; failed runs are results."""
    env = dict(os.environ if env is None else env)
    emit = on_event or (lambda event: None)
    runs, skipped = plan_smoke(
        facts, frameworks=frameworks, device=device, all_backends=all_backends, env=env
    )
    for message in skipped:
        emit(SmokeEvent(kind="skipped", message=message))
    for run in runs:
        emit(SmokeEvent(kind="planned", run=run, message=run.note or ""))
    done: dict[SmokeRun, tuple[SmokeResult, ...]] = {}
    todo = []
    for run in runs:
        key = _cache_key(facts, run, steps)
        hit = None if fresh else _from_cache(env, key)
        if hit is not None:
            done[run] = hit
            emit(SmokeEvent(kind="done", run=run, results=hit))
        else:
            todo.append((run, key))
    if todo:
        done.update(
            _run_children(facts, todo, steps, import_timeout, train_timeout, env, workers, emit)
        )
    return tuple(r for run in runs for r in done.get(run, ()))


def run_elsewhere(
    runs: Sequence[SmokeRun],
    *,
    python: str,
    path: str,
    log_dir: str,
    steps: int = DEFAULT_STEPS,
    import_timeout: float = DEFAULT_IMPORT_TIMEOUT,
    train_timeout: float = DEFAULT_TRAIN_TIMEOUT,
    on_event: Callable[[SmokeEvent], None] | None = None,
    env: Mapping[str, str] | None = None,
    workers: int = MAX_WORKERS,
) -> tuple[SmokeResult, ...]:
    """Smoke-train ``runs`` with another environment's interpreter (a try's): ``path`` is the
    children's whole PYTHONPATH, logs go to ``log_dir``, and nothing is cached (the results
    are about that environment, not this one)."""
    emit = on_event or (lambda event: None)
    env = dict(os.environ if env is None else env)
    for run in runs:
        emit(SmokeEvent(kind="planned", run=run, message=run.note or ""))
    todo = [(run, None) for run in runs]
    where = {"python": python, "path": path, "log_dir": log_dir}
    done = _run_children(
        None, todo, steps, import_timeout, train_timeout, env, workers, emit, where
    )
    return tuple(r for run in runs for r in done.get(run, ()))


def _run_children(
    facts, todo, steps, import_timeout, train_timeout, env, workers, emit, where=None
):
    workers = max(1, min(workers, len(todo)))
    if where is None:
        logs = smoke_cache.RunLogs.create(env)  # this run's own: no other dlrec writes there
        where = {"log_dir": logs.path}
    else:
        logs = smoke_cache.RunLogs(where["log_dir"], False)
    settings = Settings(
        steps=steps,
        import_timeout=import_timeout,
        train_timeout=train_timeout,
        threads=_threads(facts, workers),
        env=env,
        **where,
    )
    cancel, live, out = threading.Event(), set(), {}

    def one(item):
        run, key = item
        emit(SmokeEvent(kind="phase", run=run, phase="importing"))
        started = time.monotonic()
        results = _execute(run, settings, cancel, live, emit)
        if key is not None and results and all(r.ok for r in results):  # unwritable: slower
            smoke_cache.store(env, key, [r.to_dict() for r in results])
        out[run] = results
        if not cancel.is_set():
            emit(
                SmokeEvent(
                    kind="done", run=run, results=results, elapsed=time.monotonic() - started
                )
            )

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smoke")
    try:
        for future in [pool.submit(one, item) for item in todo]:
            future.result()
    except BaseException:  # Ctrl-C or a bug: no child may outlive us
        cancel.set()
        for child in list(live):
            kill_tree(child)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        kept = logs.finish(r.log for rs in out.values() for r in rs if not r.ok)
    if kept is None:
        return out
    # The temp folder kept only the failed runs' logs: name no log that is gone.
    return {
        run: tuple(r if r.log in kept else replace(r, log=None) for r in rs)
        for run, rs in out.items()
    }
