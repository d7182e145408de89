"""Prove install plans: each in a throwaway environment, installed, then smoke-trained there.

``try_plans`` does, for every plan, under one lock per environment:

1. reuse the environment when a finished one exists for the same plan, Python and platform;
2. else create it (``uv venv`` or ``python -m venv``) and ask the installer what the plan would
   download, without downloading it (``--dry-run --report``, or uv's lock);
3. once for all plans: refuse those over ``size_budget`` bytes, naming them, then ``confirm``
   (the CLI asks on a terminal); nothing is downloaded before this;
4. install (the plan's own arguments, in order; a ``pip uninstall`` step has nothing to remove in
   a fresh environment and is skipped), write the marker, and smoke-train with the
   environment's interpreter, whose only addition to ``sys.path`` is a private folder holding a
   link to dlrec's package (the smoke children import nothing else of dlrec's, and nothing of
   the user's working directory or PYTHONPATH).

Every command runs under the one supervisor (its own session, killed with dlrec, a time budget).
On Ctrl-C or any error, an environment this run started and did not finish is removed. The
user's environment is never written: the installers only ever get the new environment's Python.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import BinaryIO

import recommender.smoke.trial.causes as causes
import recommender.smoke.trial.envs as envs
from recommender.core.errors import SmokeError
from recommender.smoke.process import CAP
from recommender.smoke.results import SmokeEvent, SmokeRun
from recommender.smoke.trial.installer import Installer, choose
from recommender.smoke.trial.values import (
    DECLINED,
    DISK_FULL,
    INSTALL_FAILED,
    OVER_BUDGET,
    PROVEN,
    SMOKE_FAILED,
    TIMEOUT,
    Package,
    Preview,
    TrialPlan,
    TrialResult,
)
from recommender.supervise.supervisor import Stopped, start, stopping

#: Seconds one plan's environment, preview and install may take together (a CUDA build of
#: PyTorch is several GB: on a slow line that is minutes, not hours).
DEFAULT_INSTALL_TIMEOUT = 1800.0
#: Bytes a plan may download unless ``--try-budget`` says otherwise.
DEFAULT_SIZE_BUDGET = 4 << 30
_POLL_S = 0.1
#: Variables that would point an installer or the children at another environment.
_DROPPED = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PIP_USER", "PIP_TARGET")
_DROPPED_TOO = ("PIP_PREFIX", "PIP_ROOT", "UV_SYSTEM_PYTHON", "UV_PYTHON", "CONDA_PREFIX")

OnStep = Callable[[str], None]
Confirm = Callable[[Sequence[Preview]], bool]


@dataclass(slots=True, kw_only=True)
class _Try:
    """One plan on its way through a try (mutable while it runs, frozen into a TrialResult)."""

    plan: TrialPlan
    path: str
    log: str
    made: bool = False
    preview: Preview | None = None
    result: TrialResult | None = None
    seconds: float = 0.0
    harness: tuple[tuple[str, ...], ...] = ()
    marker: Mapping[str, object] = field(default_factory=dict)
    #: Seconds the environment, the preview and the install may take together.
    budget: float = DEFAULT_INSTALL_TIMEOUT


def installer_env(base: Mapping[str, str]) -> dict[str, str]:
    """The installers' environment: the user's (proxies, pip's configuration, certificates),
    minus what would send an install anywhere but the new environment."""
    env = {k: v for k, v in base.items() if k not in (*_DROPPED, *_DROPPED_TOO)}
    env.update(PYTHONNOUSERSITE="1", PYTHONSAFEPATH="1", PIP_NO_INPUT="1")
    return env


def try_plans(
    plans: Sequence[TrialPlan],
    *,
    env: Mapping[str, str] | None = None,
    confirm: Confirm = lambda previews: True,
    size_budget: int = DEFAULT_SIZE_BUDGET,
    install_timeout: float = DEFAULT_INSTALL_TIMEOUT,
    import_timeout: float | None = None,
    train_timeout: float | None = None,
    on_step: OnStep | None = None,
    on_event: Callable[[SmokeEvent], None] | None = None,
) -> dict[str, TrialResult]:
    """Try each plan (see the module docstring); returns each plan's result by its label."""
    from recommender.smoke import cache as smoke_cache

    env = dict(os.environ if env is None else env)
    say = on_step or (lambda line: None)
    installer = choose(env)
    envs_root = envs.envs_dir(env)
    try:
        root = envs.private_dir(envs_root)
    except OSError as exc:
        raise SmokeError(
            f"--try cannot make its environments folder {envs_root}: {exc.strerror or exc}; "
            "point DLREC_CACHE_DIR at a writable folder with room for them"
        ) from exc
    logs = smoke_cache.RunLogs.create(env).path
    tries = [_new(plan, root, logs) for plan in dict((p.label, p) for p in plans).values()]
    for t in tries:
        t.budget = install_timeout
    with contextlib.ExitStack() as locks:
        for t in sorted(tries, key=lambda t: t.path):  # one order: two dlrecs never deadlock
            wait = f"{t.plan.label}: waiting for another dlrec building the same environment"
            locks.enter_context(
                envs.locked(envs_root, os.path.basename(t.path), lambda w=wait: say(w))
            )
        try:
            for t in tries:
                _prepare(t, installer, env, install_timeout, say)
            _agree(tries, confirm, size_budget, say)
            for t in tries:
                if t.result is None:
                    _install(t, installer, env, install_timeout, say)
                if t.result is not None and t.result.status == PROVEN:  # so far: smoke decides
                    t.result = _smoke(t, logs, env, import_timeout, train_timeout, say, on_event)
        finally:
            for t in tries:
                if t.made and envs.read_marker(t.path) is None:
                    envs.remove(t.path)  # never half-made: no marker, no environment
    return {t.plan.label: t.result for t in tries if t.result is not None}


def _new(plan: TrialPlan, root: str, logs: str) -> _Try:
    key = envs.key_of(plan.steps)
    log = os.path.join(logs, f"install-{plan.label.replace(':', '-')}.log")
    return _Try(plan=plan, path=os.path.join(root, key), log=log)


# --- 1-2: reuse, or create and preview ------------------------------------------------------


def _prepare(t: _Try, installer: Installer, env, timeout: float, say: OnStep) -> None:
    marker = envs.read_marker(t.path)
    if marker is not None and os.path.exists(envs.env_python(t.path)):
        envs.touch(t.path)
        t.marker = marker
        t.preview = Preview(plan=t.plan, reused=True)
        say(f"{t.plan.label}: reusing its environment {t.path}")
        t.result = TrialResult(
            plan=t.plan,
            status=PROVEN,  # provisional: the smoke run decides
            seconds=float(str(marker.get("seconds", 0.0))),
            bytes=size if isinstance(size := marker.get("bytes"), int) else None,
            reused=True,
            env=t.path,
        )
        return
    envs.remove(t.path)  # a folder without a marker: a try that never finished
    began = time.monotonic()
    say(f"{t.plan.label}: creating an environment ({installer.kind})")
    t.made = True
    if not _step(t, installer.create(t.path), env, timeout):
        return
    os.chmod(t.path, 0o700)
    say(f"{t.plan.label}: asking {installer.kind} what `{t.plan.command}` would download")
    packages: list[Package] = []
    for step in _installs(t.plan):
        work = os.path.join(os.path.dirname(t.log), f"preview-{t.plan.label.replace(':', '-')}")
        os.makedirs(work, mode=0o700, exist_ok=True)
        argv, written = installer.preview(envs.env_python(t.path), step, work)
        if not _step(t, argv, env, timeout - (time.monotonic() - began)):
            return
        try:
            packages += installer.packages(written)
        except (OSError, ValueError) as exc:
            t.result = _failed(t, INSTALL_FAILED, f"the installer's preview is unreadable: {exc}")
            return
    names = {p.name.lower().replace("_", "-") for p in packages}
    if "numpy" not in names:  # every smoke child needs NumPy; torch does not bring it
        t.harness = (("install", "numpy"),)
        packages.append(Package(name="numpy", version="(for the smoke training)"))
    t.seconds = time.monotonic() - began
    unique = {p.name.lower(): p for p in reversed(packages)}
    t.preview = Preview(plan=t.plan, packages=tuple(reversed(unique.values())))


def _installs(plan: TrialPlan) -> list[tuple[str, ...]]:
    """The plan's install steps (a fresh environment has nothing to uninstall)."""
    return [step for step in plan.steps if step[:1] == ("install",)]


# --- 3: the size budget and the one confirmation -------------------------------------------


def _agree(tries: list[_Try], confirm: Confirm, budget: int, say: OnStep) -> None:
    for t in tries:
        if t.result is None and t.preview is not None and t.preview.size > budget:
            t.result = _failed(
                t,
                OVER_BUDGET,
                f"{t.plan.label} would download about {mb(t.preview.size)}, over the "
                f"--try-budget of {mb(budget)}: not tried",
            )
            say(f"{t.plan.label}: {t.result.reason}")
    asked = [t.preview for t in tries if t.result is None and t.preview is not None]
    if asked and not confirm(asked):
        for t in tries:
            if t.result is None:
                t.result = _failed(t, DECLINED, "not tried: the download was declined")


def mb(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{max(n, 1) / 1e6:.0f} MB"


# --- 4: install, mark, smoke ---------------------------------------------------------------


def _install(t: _Try, installer: Installer, env, timeout: float, say: OnStep) -> None:
    began = time.monotonic()
    size = t.preview.size if t.preview else 0
    say(f"{t.plan.label}: installing `{t.plan.command}` ({mb(size)} to download)")
    for step in (*_installs(t.plan), *t.harness):
        budget = timeout - t.seconds - (time.monotonic() - began)
        if not _step(t, installer.install(envs.env_python(t.path), step), env, budget):
            return
    seconds = t.seconds + time.monotonic() - began
    fetched = size if t.preview and t.preview.packages else None
    envs.write_marker(
        t.path,
        {
            "plan": t.plan.label,
            "command": t.plan.command,
            "steps": [list(s) for s in t.plan.steps],
            "harness": [list(s) for s in t.harness],
            "installer": installer.kind,
            "python": envs.python_id(),
            "seconds": round(seconds, 1),
            "bytes": fetched,
            "packages": [
                [p.name, p.version, p.size] for p in (t.preview.packages if t.preview else ())
            ],
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    )
    say(f"{t.plan.label}: installed in {seconds:.0f} s")
    t.result = TrialResult(
        plan=t.plan, status=PROVEN, seconds=seconds, bytes=fetched, env=t.path, log=t.log
    )


def _smoke(t: _Try, logs, env, import_timeout, train_timeout, say, on_event) -> TrialResult:
    from recommender.smoke.run import DEFAULT_IMPORT_TIMEOUT, DEFAULT_TRAIN_TIMEOUT, run_elsewhere

    result = t.result
    assert result is not None
    say(f"{t.plan.label}: smoke-training on {t.plan.device} with {envs.env_python(t.path)}")
    backend = t.plan.backend
    run = SmokeRun(
        framework=t.plan.framework,
        backend=backend,
        device=t.plan.device,
        env=(("KERAS_BACKEND", backend),) if backend else (),
    )
    with _dlrec_path(logs) as path:
        results = run_elsewhere(
            [run],
            python=envs.env_python(t.path),
            path=path,
            log_dir=logs,
            import_timeout=import_timeout or DEFAULT_IMPORT_TIMEOUT,
            train_timeout=train_timeout or DEFAULT_TRAIN_TIMEOUT,
            on_event=on_event,
            env=installer_env(env),
        )
    if stopping():
        raise KeyboardInterrupt
    ok = bool(results) and all(r.ok for r in results)
    return replace(result, status=PROVEN if ok else SMOKE_FAILED, smoke=results)


@contextlib.contextmanager
def _dlrec_path(logs: str) -> Iterator[str]:
    """A private folder whose only entry is ``recommender``, a link to dlrec's package: the
    children's whole PYTHONPATH (the user's own PYTHONPATH, site-packages and working directory
    stay out, so the framework they import is the new environment's)."""
    import recommender

    folder = os.path.join(logs, "path")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    link = os.path.join(folder, "recommender")
    package = os.path.dirname(os.path.abspath(recommender.__file__))
    if not os.path.lexists(link):
        try:
            os.symlink(package, link, target_is_directory=True)
        except OSError:  # no symlinks (Windows without the privilege): a copy
            import shutil

            shutil.copytree(package, link, ignore=shutil.ignore_patterns("__pycache__"))
    yield folder


# --- one supervised command ----------------------------------------------------------------


def _step(t: _Try, argv: list[str], env: Mapping[str, str], budget: float) -> bool:
    """Run one installer command into the plan's log; on failure set ``t.result`` and say False.
    Ctrl-C (or dlrec stopping) kills it and raises KeyboardInterrupt."""
    import shlex

    with open_log(t.log) as out:
        out.write(f"$ {shlex.join(argv)}\n".encode())
        out.flush()
        try:
            child = start(
                argv, stdout=out, stderr=out, env=installer_env(env), cwd=os.path.dirname(t.log)
            )
        except Stopped as exc:
            raise KeyboardInterrupt from exc
        except OSError as exc:
            t.result = _failed(t, INSTALL_FAILED, f"{argv[0]} could not start: {exc}")
            return False
        try:
            ended = child.wait(max(budget, 1.0), CAP * 4)
            while ended is None and child.poll() is None:  # pragma: no cover - wait() returned
                ended = child.wait(_POLL_S, CAP * 4)
        finally:
            child.kill()
    if stopping():
        raise KeyboardInterrupt
    if ended == "timeout":
        t.result = _failed(
            t, TIMEOUT, f"the install took longer than its {t.budget:.0f} s budget and was stopped"
        )
        return False
    if ended is not None:
        t.result = _failed(t, INSTALL_FAILED, f"the installer wrote more than {CAP * 4 >> 20} MiB")
        return False
    if child.returncode == 0:
        return True
    status, reason = causes.classify(causes.read_tail(t.log))
    t.result = _failed(t, status, reason)
    return False


def open_log(path: str) -> BinaryIO:
    """The plan's log, appended to by each step: private, never opened through a symlink."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    return os.fdopen(os.open(path, flags | getattr(os, "O_CLOEXEC", 0), 0o600), "ab")


def _failed(t: _Try, status: str, reason: str) -> TrialResult:
    if status == DISK_FULL:
        envs.remove(t.path)  # give the space back at once
    return TrialResult(
        plan=t.plan,
        status=status,
        seconds=t.seconds,
        reason=reason,
        log=t.log if os.path.exists(t.log) else None,
    )
