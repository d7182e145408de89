"""``--try``: real installs into throwaway environments, and every way a try can end.

The JAX environment is made once per session, for real, from PyPI (pip's own configuration is
set aside so the planner's command meets the public index), and reused by the CLI tests, as a
second ``--try`` on the same machine would. The CLI runs as a subprocess through
``fixtures/try_driver.py``: the real program on this machine with every framework marked not
installed, so the ranking needs installs and no smoke run happens in the test environment.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from recommender.decide.ranking.rows import INSTALL_FAILED_HERE, MEASURED_FRESH, RULES_ONLY
from recommender.smoke.trial import TrialPlan, envs, try_plans
from recommender.smoke.trial.causes import classify

DRIVER = Path(__file__).resolve().parent / "fixtures" / "try_driver.py"
ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def pip_env(cache: Path, home: Path, **extra: str) -> dict[str, str]:
    """This process's environment with pip's configuration set aside (PyPI, no local mirrors)
    and dlrec's cache and the home (pip's cache) in ``tmp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_INDEX_URL="https://pypi.org/simple",
        DLREC_CACHE_DIR=str(cache),
        DLREC_TRY_INSTALLER="pip",
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
    )
    if "PIP_CERT" in os.environ:
        env["PIP_CERT"] = os.environ["PIP_CERT"]
    env.update(extra)
    return env


def user_packages() -> list[tuple[str, str]]:
    """The test environment's packages (the user's environment, as far as a try knows)."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return sorted((p["name"].lower(), p["version"]) for p in json.loads(out.stdout))


def planned(framework: str) -> TrialPlan:
    """The install planner's own plan for ``framework`` on this machine's CPU."""
    from recommender.decide.install.plans import plan_for
    from recommender.facts.collect import collect_facts
    from recommender.rulebase.load import load_rulebase

    plan = plan_for(framework, collect_facts(), "cpu", matrix=load_rulebase(()).wheels)
    steps = tuple(tuple(c[c.index("pip") + 1 :]) for c in plan.commands)
    return TrialPlan(framework=framework, steps=steps, command=plan.command_line)


def dlrec(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(DRIVER), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(Path(env["HOME"])),
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


def row(doc: dict, framework: str) -> dict:
    return next(e for e in doc["ranking"] if e["framework"] == framework)


@pytest.fixture(scope="session")
def jax_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("try-jax")
    (root / "home").mkdir()
    env = pip_env(root / "cache", root / "home")
    previews = []
    before = user_packages()
    began = time.monotonic()
    results = try_plans([planned("jax")], env=env, confirm=lambda p: previews.extend(p) or True)
    seconds = time.monotonic() - began
    return SimpleNamespace(
        env=env,
        result=results["jax"],
        previews=previews,
        seconds=seconds,
        before=before,
        after=user_packages(),
    )


def test_jax_installs_and_trains_in_a_fresh_environment(jax_env):
    result = jax_env.result
    assert result.status == "proven", result
    assert {r.model for r in result.smoke} == {"mlp", "cnn"} and all(r.ok for r in result.smoke)
    assert result.bytes and result.bytes > 50e6  # jaxlib alone is tens of MB
    (preview,) = jax_env.previews
    assert {"jax", "jaxlib"} <= {p.name for p in preview.packages}
    assert preview.size == result.bytes
    # The environment is private, finished (its marker), and its Python has JAX ...
    path = Path(result.env)
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert envs.read_marker(str(path))["command"] == result.plan.command
    probe = subprocess.run(
        [envs.env_python(str(path)), "-c", "import jax, sys; print(jax.__version__, sys.prefix)"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": os.environ["PATH"]},
    )
    assert probe.stdout.split()[0].startswith("0.10.") and probe.stdout.split()[1] == str(path)
    # ... while the user's environment did not change.
    assert jax_env.after == jax_env.before


def test_recommend_try_reuses_the_environment_and_measures_jax(jax_env):
    done = dlrec(jax_env.env, "recommend", "--try", "jax", "--accelerator", "cpu", "--json")
    assert done.returncode == 0, done.stderr
    jax = row(json.loads(done.stdout), "jax")
    assert jax["confidence"] == MEASURED_FRESH and jax["ready"] is False
    assert jax["verdict"] in ("recommended: needs install", "needs install")
    assert jax["tried"]["reused"] is True and jax["tried"]["status"] == "proven"
    assert jax["tried"]["command"] == jax["install"]
    assert jax["tried"]["bytes"] == jax_env.result.bytes and jax["tried"]["seconds"] > 0
    assert any(r["rule"] == "smoke:passed" for r in jax["reasons"])  # the smoke bonus
    assert row(json.loads(done.stdout), "tensorflow")["confidence"] == RULES_ONLY
    assert "reusing its environment" in done.stderr  # a line per step when piped
    assert user_packages() == jax_env.before


def test_the_text_output_names_the_proven_command_its_time_and_size(jax_env):
    done = dlrec(jax_env.env, "recommend", "--try", "jax", "--accelerator", "cpu")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "Proven in a fresh environment: JAX," in text
    assert "pip install 'jax==0.10.*'" in text and "MB of packages" in text


def test_unreachable_index_is_offline_and_the_row_stays_rules_only(tmp_path):
    (tmp_path / "home").mkdir()
    env = pip_env(
        tmp_path / "cache",
        tmp_path / "home",
        PIP_INDEX_URL="http://127.0.0.1:9/simple",
        PIP_RETRIES="1",  # pip says why only when it retries
    )
    done = dlrec(env, "recommend", "--try", "jax", "--accelerator", "cpu", "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    jax = row(doc, "jax")
    assert jax["tried"]["status"] == "offline" and jax["confidence"] == RULES_ONLY
    assert jax["feasible"] is True and jax["verdict"] != INSTALL_FAILED_HERE
    (notice,) = [w for w in doc["warnings"] if w["rule"] == "try:offline"]
    assert "offline: the package index could not be reached (http://127.0.0.1:9" in notice["why"]
    assert not [p for p in (tmp_path / "cache" / "envs").iterdir() if p.is_dir()]


def test_an_install_error_is_a_finding_about_the_plan(tmp_path):
    index = tmp_path / "simple"
    index.mkdir()
    (index / "index.html").write_text("<!DOCTYPE html><html><body></body></html>")
    (tmp_path / "home").mkdir()
    env = pip_env(tmp_path / "cache", tmp_path / "home", PIP_INDEX_URL=index.as_uri())
    done = dlrec(env, "recommend", "--try", "jax", "--accelerator", "cpu", "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    jax = row(doc, "jax")
    assert jax["verdict"] == INSTALL_FAILED_HERE and jax["feasible"] is False
    assert "Could not find a version that satisfies the requirement" in jax["tried"]["reason"]
    assert "\n" not in jax["tried"]["reason"] and Path(jax["tried"]["log"]).is_file()
    (notice,) = [w for w in doc["warnings"] if w["rule"] == "try:install-failed"]
    assert "suspect" in notice["why"] and jax["tried"]["log"] in notice["fix"]
    assert any("did not install here" in b["why"] for b in jax["blockers"])


def test_a_plan_over_the_budget_is_refused_before_any_download(tmp_path):
    (tmp_path / "home").mkdir()
    env = pip_env(tmp_path / "cache", tmp_path / "home")
    done = dlrec(env, "recommend", "--try", "jax", "--try-budget", "10MB", "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    jax = row(json.loads(done.stdout), "jax")
    assert jax["tried"]["status"] == "over_budget" and jax["confidence"] == RULES_ONLY
    assert "jax would download about" in jax["tried"]["reason"]
    assert "--try-budget of 10 MB" in jax["tried"]["reason"]
    assert not (tmp_path / "home" / ".cache" / "pip" / "http-v2").exists() or not any(
        p.stat().st_size > 5e6 for p in (tmp_path / "home" / ".cache").rglob("*") if p.is_file()
    )  # metadata only: no wheel of megabytes was fetched


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="no user namespaces here to mount a small tmpfs")
def test_a_full_disk_is_its_own_reason(tmp_path):
    """A real 40 MB filesystem (tmpfs, mounted in a user and mount namespace, so no root is
    needed) holds dlrec's cache: the environment fits, JAX's wheels do not."""
    cache, home = tmp_path / "cache", tmp_path / "home"
    cache.mkdir()
    home.mkdir()
    env = pip_env(cache, home)
    mount = 'mount -t tmpfs -o size=40m tmpfs "$DLREC_CACHE_DIR" && exec "$@"'
    argv = ["unshare", "-rm", "sh", "-c", mount, "sh", sys.executable, str(DRIVER)]
    done = subprocess.run(
        [*argv, "recommend", "--try", "jax", "--accelerator", "cpu", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(home),
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    jax = row(json.loads(done.stdout), "jax")
    assert jax["tried"]["status"] == "disk_full", jax["tried"]
    assert jax["tried"]["reason"].startswith("the disk is full") and jax["confidence"] == RULES_ONLY


class _Silent:
    """A package index that accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        for conn in self.held:
            conn.close()
        self.sock.close()


def test_ctrl_c_kills_the_installer_and_leaves_no_environment(tmp_path):
    import psutil

    server = _Silent()
    (tmp_path / "home").mkdir()
    env = pip_env(
        tmp_path / "cache",
        tmp_path / "home",
        PIP_INDEX_URL=f"http://127.0.0.1:{server.port}/simple",
        PIP_DEFAULT_TIMEOUT="120",
    )
    err = tmp_path / "stderr"
    with open(err, "w") as fh:
        proc = subprocess.Popen(
            [sys.executable, str(DRIVER), "recommend", "--try", "jax", "--yes"],
            stdout=subprocess.DEVNULL,
            stderr=fh,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=str(tmp_path / "home"),
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while "would download" not in err.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, err.read_text()
            time.sleep(0.2)
        time.sleep(1.0)  # pip is now waiting on the silent index
        envs_dir = tmp_path / "cache" / "envs"
        assert [p for p in envs_dir.iterdir() if p.is_dir()]  # the half-made environment
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
        server.close()
    assert "dlrec: interrupted" in err.read_text()
    assert not [p for p in envs_dir.iterdir() if p.is_dir()]  # never half-made
    time.sleep(0.5)
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]


def _local_torch_index(where: Path) -> Path | None:
    """A PEP 503 index on disk: the torch 2.13.0 wheel this machine holds, its dependencies
    and NumPy (what the smoke child needs)."""
    files = where / "files"
    got = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "torch==2.13.0", "numpy", "-d", str(files)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if got.returncode != 0 or not list(files.glob("torch-2.13.0*.whl")):
        return None
    from packaging.utils import canonicalize_name, parse_wheel_filename

    simple = where / "simple"
    for wheel in files.glob("*.whl"):
        name = canonicalize_name(parse_wheel_filename(wheel.name)[0])
        folder = simple / name
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "index.html", "a") as fh:
            fh.write(f'<a href="{wheel.as_uri()}">{wheel.name}</a>\n')
    return simple


def test_a_torch_plan_installs_from_a_local_index_and_trains(tmp_path):
    """PyTorch's own index is out of CI's reach: the planner's torch plan, with its index
    pointed at a file index made from the wheel on disk (and its pin at that wheel's release)."""
    simple = _local_torch_index(tmp_path / "index")
    if simple is None:
        pytest.skip("no torch 2.13.0 wheel reachable to build a local index")
    plan = planned("pytorch")
    (step,) = plan.steps
    at = step.index("--index-url")
    pins = [("torch==2.13.*" if a.startswith("torch==") else a) for a in step[:at]]
    local = (*pins, "--index-url", simple.as_uri(), *step[at + 2 :])
    plan = TrialPlan(framework="pytorch", steps=(local,), command=plan.command)
    (tmp_path / "home").mkdir()
    env = pip_env(tmp_path / "cache", tmp_path / "home", PIP_INDEX_URL=simple.as_uri())
    before = user_packages()
    result = try_plans([plan], env=env)["pytorch"]
    assert result.status == "proven", (result.reason, result.smoke)
    assert result.bytes and result.bytes > 100e6  # the CPU wheel itself is ~190 MB
    assert user_packages() == before


def _uv() -> str | None:
    beside = Path(sys.executable).parent / "uv"
    return shutil.which("uv") or (str(beside) if beside.exists() else None)


@pytest.mark.skipif(_uv() is None, reason="uv is not installed (requirements-test.txt has it)")
def test_uv_makes_and_fills_the_environment_when_present(tmp_path):
    (tmp_path / "home").mkdir()
    env = pip_env(tmp_path / "cache", tmp_path / "home", DLREC_TRY_INSTALLER="uv")
    env["UV_INDEX_URL"] = "https://pypi.org/simple"
    seen: list = []
    result = try_plans([planned("jax")], env=env, confirm=lambda p: seen.extend(p) or True)["jax"]
    assert result.status == "proven", result.reason
    assert envs.read_marker(result.env)["installer"] == "uv"
    assert all(p.size for p in seen[0].packages)  # uv's lock carries every file's size


# --- the cache command, and the causes read from real installer messages -------------------


def _fake_env(root: Path, name: str, *, marker: bool, age_days: float = 0) -> Path:
    path = root / name
    (path / "bin").mkdir(parents=True)
    os.symlink(sys.executable, path / "bin" / "python")
    if marker:
        envs.write_marker(str(path), {"plan": name, "command": f"pip install {name}"})
        stamp = time.time() - age_days * 86400
        os.utime(path / envs.MARKER, (stamp, stamp))
    return path


def test_cache_list_and_prune_older_than(runner, isolated_home):
    from recommender.cli.main import cli

    root = Path(envs.private_dir(envs.envs_dir(os.environ)))
    old = _fake_env(root, "old", marker=True, age_days=40)
    new = _fake_env(root, "new", marker=True)
    half = _fake_env(root, "half", marker=False)
    listed = runner.invoke(cli, ["cache", "list"])
    assert listed.exit_code == 0
    assert "new: pip install new" in listed.stdout and "unfinished" in listed.stdout
    pruned = runner.invoke(cli, ["cache", "prune", "--older-than", "30d"])
    assert pruned.exit_code == 0 and "Removed 2 environment(s)" in pruned.stdout
    assert new.exists() and not old.exists() and not half.exists()
    assert runner.invoke(cli, ["cache", "prune", "--older-than", "soon"]).exit_code == 2
    assert runner.invoke(cli, ["cache", "prune"]).exit_code == 0 and not new.exists()


def test_bad_try_options_exit_2(runner):
    from recommender.cli.main import cli

    assert runner.invoke(cli, ["recommend", "--try", "mxnet"]).exit_code == 2
    assert runner.invoke(cli, ["recommend", "--try", "jax", "--try-budget", "lots"]).exit_code == 2
    done = runner.invoke(cli, ["recommend", "--try", "jax", "--no-smoke"])
    assert done.exit_code == 2 and "--no-smoke" in done.stderr


@pytest.mark.parametrize(
    ("log", "status"),
    [
        (
            "ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device",
            "disk_full",
        ),
        (
            "WARNING: Retrying ... ProxyError('Cannot connect to proxy.', OSError('Tunnel connection failed: 403 Forbidden'))",
            "proxy",
        ),
        (
            "WARNING: Retrying (Retry(total=0)) after connection broken by 'NewConnectionError(\"Failed to establish a new connection: [Errno 111] Connection refused\")': /simple/jax/\nERROR: Could not find a version that satisfies the requirement jax==0.10.* (from versions: none)",
            "offline",
        ),
        (
            "ERROR: Could not find a version that satisfies the requirement jax==9.9 (from versions: 0.10.2)\nERROR: No matching distribution found for jax==9.9",
            "install_failed",
        ),
        (
            "  × No solution found when resolving dependencies:\n  ╰─▶ Because jax==9.9 was not found in the package registry",
            "install_failed",
        ),
    ],
)
def test_causes_from_installer_messages(log, status):
    got, reason = classify(log)
    assert got == status and "\n" not in reason


def test_the_documented_budget_is_the_engine_default():
    from recommender.cli.options import DEFAULT_TRY_BUDGET, DEFAULT_TRY_TIMEOUT, Size
    from recommender.smoke.trial import DEFAULT_INSTALL_TIMEOUT, DEFAULT_SIZE_BUDGET

    assert Size().convert(DEFAULT_TRY_BUDGET, None, None) == DEFAULT_SIZE_BUDGET
    assert DEFAULT_TRY_TIMEOUT == DEFAULT_INSTALL_TIMEOUT
    assert Size().convert("500MB", None, None) == 500_000_000


def test_on_a_terminal_it_asks_once_and_a_no_downloads_nothing(tmp_path):
    """A real pseudo-terminal: the preview, one question; "n" declines every download, the
    rows stay rules-only, and the environment made for the preview is gone."""
    pexpect = pytest.importorskip("pexpect")
    (tmp_path / "home").mkdir()
    env = pip_env(tmp_path / "cache", tmp_path / "home", TERM="xterm", COLUMNS="120")
    child = pexpect.spawn(
        sys.executable,
        [str(DRIVER), "recommend", "--try", "jax", "--accelerator", "cpu"],
        cwd=str(tmp_path / "home"),
        env=env,
        encoding="utf-8",
        timeout=300,
        dimensions=(40, 160),
    )
    child.expect_exact("downloads about")
    child.expect_exact("Download about")
    child.expect_exact("[Y/n]")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    text = " ".join(child.before.split())
    assert "jax not proven: not tried: the download was declined" in text
    assert "Download about" not in text  # asked once
    assert not [p for p in (tmp_path / "cache" / "envs").iterdir() if p.is_dir()]


def test_smoke_try_prints_the_tries_alone(jax_env):
    done = dlrec(jax_env.env, "smoke", "--try", "jax", "--json")
    assert done.returncode == 0, done.stderr
    (tried,) = json.loads(done.stdout)["tried"]
    assert tried["row"] == "jax" and tried["status"] == "proven" and tried["reused"] is True


def test_an_unwritable_cache_is_one_line_not_a_traceback(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    (tmp_path / "home").mkdir()
    env = pip_env(blocker / "cache", tmp_path / "home")
    done = dlrec(env, "recommend", "--try", "jax", "--accelerator", "cpu", "--json")
    assert done.returncode == 1, done.stderr
    assert "--try cannot make its environments folder" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_an_install_over_its_time_budget_is_stopped_and_removed(tmp_path):
    server = _Silent()
    (tmp_path / "home").mkdir()
    env = pip_env(
        tmp_path / "cache",
        tmp_path / "home",
        PIP_INDEX_URL=f"http://127.0.0.1:{server.port}/simple",
        PIP_DEFAULT_TIMEOUT="300",
    )
    began = time.monotonic()
    try:
        result = try_plans([planned("jax")], env=env, install_timeout=25)["jax"]
    finally:
        server.close()
    assert result.status == "timeout" and "longer than" in result.reason
    assert time.monotonic() - began < 25 + 30
    assert not [p for p in (tmp_path / "cache" / "envs").iterdir() if p.is_dir()]


def test_a_second_builder_of_the_same_environment_says_it_waits(tmp_path):
    import fcntl

    held = os.open(tmp_path / "k.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)  # another dlrec building environment "k"
    threading.Timer(0.5, os.close, (held,)).start()
    said: list[str] = []
    began = time.monotonic()
    with envs.locked(str(tmp_path), "k", lambda: said.append("waiting")):
        waited = time.monotonic() - began
    assert said == ["waiting"] and waited >= 0.4
