"""Shareable reports: ``--redact`` masks host name, user name, home paths and secret-looking
environment values in ``dlrec probe`` (JSON and text), ``dlrec recommend`` and ``dlrec checklist``.

Every CLI test runs under a fake identity (HOME under a folder named after a fake user, USER,
the host name, a token in the environment) and proves none of them appears in the output."""

from __future__ import annotations

import json
import os
import re
import socket
import sys
from pathlib import Path

import pytest

from recommender.cli.main import cli
from recommender.facts.redact import (
    SECRET,
    Identity,
    redact,
    redact_text,
    redact_value,
    secret_name,
)

ROOT = Path(__file__).resolve().parent.parent
MACHINE = ROOT / "tests" / "fixtures" / "personas5" / "machines" / "linux-cpu-all.json"
USER, HOST, TOKEN = "zelda", "gpubox-zelda-07", "ghp_T0ps3cretV4lue"
IDENTITY = Identity(homes=("/home/zelda",), users=(USER,), hosts=(HOST,), secrets=(TOKEN,))


# --------------------------------------------------------------------------- pure


def test_paths_names_and_secrets_are_masked_everywhere():
    doc = {
        "python": {"executable": "/home/zelda/.venv/bin/python"},
        "disk": {"path": "/home/zelda/proj", "cache_path": "/home/zelda/.cache/dlrec"},
        "warnings": [f"{USER}@{HOST}: proxy https://x:{TOKEN}@proxy", "/home/zelda"],
        "/home/zelda/key-as-path": 1,
        "GITHUB_TOKEN": "something-else-secret",
        "n": 3,
        "ok": True,
        "none": None,
    }
    out = redact(doc, IDENTITY)
    assert out == {
        "python": {"executable": "~/.venv/bin/python"},
        "disk": {"path": "~/proj", "cache_path": "~/.cache/dlrec"},
        "warnings": [f"<user>@<host>: proxy https://{SECRET}@proxy", "~"],
        "~/key-as-path": 1,
        "GITHUB_TOKEN": SECRET,
        "n": 3,
        "ok": True,
        "none": None,
    }
    assert doc["python"]["executable"] == "/home/zelda/.venv/bin/python"  # the input is untouched


def test_look_alikes_are_left_alone():
    text = "/data/zeldafan/x zeldas Zelda-like /srv/zelda2 bzelda"
    assert redact_text(text, IDENTITY) == text
    assert redact_text("zelda zelda.", IDENTITY) == "<user> <user>."
    # Another user's home is someone's home all the same: masked, without naming zelda.
    assert redact_text("/home/zeldafan/x /home/zelda2", IDENTITY) == "~/x ~"


@pytest.mark.parametrize(
    "name, secret",
    [
        ("HF_TOKEN", True),
        ("GITHUB_TOKEN", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("OPENAI_API_KEY", True),
        ("WANDB_API_KEY", True),
        ("DB_PASSWORD", True),
        ("MY_PASSWD", True),
        ("AUTH", True),
        ("SSH_KEY", True),
        ("HOME", False),
        ("KERAS_BACKEND", False),
        ("CUDA_VISIBLE_DEVICES", False),
        ("AUTHOR", False),
        ("PATH", False),
        ("TPU_NAME", False),
        ("KEYBOARD", False),
    ],
)
def test_secret_names(name, secret):
    assert secret_name(name) is secret


def test_identity_from_the_environment(monkeypatch):
    monkeypatch.setattr(socket, "gethostname", lambda: f"{HOST}.example.org")
    ident = Identity.current(
        {
            "HOME": "/home/zelda/",
            "USER": USER,
            "HF_TOKEN": "hf_abcdef",
            "X_KEY": "1",
            "PATH": "/usr/bin",
        }
    )
    assert "/home/zelda" in ident.homes and USER in ident.users
    assert HOST in ident.hosts and f"{HOST}.example.org" in ident.hosts
    assert ident.secrets == ("hf_abcdef",)  # "1" is too short to be a secret worth masking
    assert "/" not in Identity.current({"HOME": "/"}).homes


def test_redact_value_keeps_frozen_types():
    from recommender.decide.checklist.build import Checklist, Item

    cl = Checklist(
        framework="pytorch",
        backend=None,
        name="PyTorch",
        origin="/home/zelda/f.json",
        items=(Item(id="env", status="ok", title="t", detail=f"TOKEN={TOKEN} at /home/zelda"),),
    )
    out = redact_value(cl, IDENTITY)
    assert (
        isinstance(out, Checklist)
        and isinstance(out.items, tuple)
        and isinstance(out.items[0], Item)
    )
    assert out.items[0].detail == f"TOKEN={SECRET} at ~" and out.origin == "~/f.json"


# --------------------------------------------------------------------------- through the CLI


@pytest.fixture
def identity(tmp_path, monkeypatch):
    """A fake user zelda on host gpubox-zelda-07, HOME at .../zelda, working in ~/proj."""
    home = tmp_path / USER
    (home / "proj").mkdir(parents=True)
    for name in ("HOME", "DLREC_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USER", USER)
    monkeypatch.setenv("LOGNAME", USER)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setattr(socket, "gethostname", lambda: HOST)
    monkeypatch.chdir(home / "proj")
    monkeypatch.setattr(sys, "executable", str(home / ".venv" / "bin" / "python"))
    import pwd

    real = pwd.getpwuid(os.getuid())
    monkeypatch.setattr(
        pwd, "getpwuid", lambda uid: type("P", (), {"pw_name": real.pw_name, "pw_dir": real.pw_dir})
    )
    return home


def _leaks(text: str, home: Path) -> list[str]:
    return [s for s in (str(home), USER, HOST, TOKEN) if s in text]


def _invoke(runner, *args):
    result = runner.invoke(cli, list(args))
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr, result.exception)
    return result.stdout


def test_probe_json_without_redact_shows_the_identity(runner, identity):
    out = _invoke(runner, "probe", "--json")
    assert str(identity) in out  # the control: the fake identity does reach the report


@pytest.mark.parametrize("args", [("probe", "--json"), ("probe",)])
def test_probe_redacted(runner, identity, args):
    out = _invoke(runner, *args, "--redact")
    assert not _leaks(out, identity), out
    if "--json" in args:
        doc = json.loads(out)
        assert doc["python"]["executable"] == "~/.venv/bin/python"
        assert doc["disk"]["path"] == "~/proj" and doc["disk"]["cache_path"].startswith("~/")


def _foreign_facts(home: Path) -> Path:
    doc = json.loads(MACHINE.read_text())
    doc["python"] = {**doc.get("python", {}), "executable": f"{home}/.venv/bin/python"}
    doc["disk"] = {
        "path": f"{home}/proj",
        "free_bytes": 10**11,
        "cache_path": f"{home}/.cache/dlrec",
    }
    doc["warnings"] = [f"probed by {USER} on {HOST} with https://x:{TOKEN}@proxy"]
    path = home / "proj" / "facts.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("recommend", "--json"),
        ("recommend",),
        ("recommend", "--explain"),
        # a tie is never checked silently (issue 23): the checklist gets its framework
        ("checklist", "--framework", "pytorch", "--format", "json"),
        ("checklist", "--framework", "pytorch", "--format", "markdown"),
        ("checklist", "--framework", "pytorch"),
    ],
)
def test_recommend_and_checklist_redacted(runner, identity, args):
    facts = _foreign_facts(identity)
    plain = _invoke(runner, *args, "--facts", str(facts), "--no-smoke")
    out = _invoke(runner, *args, "--facts", str(facts), "--no-smoke", "--redact")
    assert _leaks(plain, identity)  # the control: unredacted, the facts path names the home
    assert not _leaks(out, identity), out
    if args == ("recommend", "--json"):
        doc = json.loads(out)
        assert doc["facts"]["python"]["executable"] == "~/.venv/bin/python"
        assert doc["facts"]["warnings"] == [
            f"probed by <user> on <host> with https://{SECRET}@proxy"
        ]


def test_checklist_here_redacts_the_environment(runner, identity, monkeypatch):
    monkeypatch.setenv(
        "CUDA_VISIBLE_DEVICES", TOKEN
    )  # a secret where the checklist shows env values
    out = _invoke(
        runner, "checklist", "--framework", "pytorch", "--no-smoke", "--format", "json", "--redact"
    )
    assert not _leaks(out, identity), out


# --- many hosts: only the names a string can contain are tried, with the same result ---------

_NAME_CHARS = "abcdxyz019.-_"


def _slow_reference(identity, text: str) -> str:
    """Every name tried on every string, in the Redactor's order (what it did before)."""
    from recommender.facts import redact as rd

    r = rd.Redactor(identity)
    for secret in r._secrets:
        text = text.replace(secret, rd.SECRET)
    for pattern, mask in rd._CREDENTIALS:
        text = pattern.sub(mask, text)
    for home in r._homes:
        text = home.sub(rd.HOME, text)
    text = rd._ANY_HOME.sub(rd.HOME, text)
    for name, mask in r._masks:
        word = re.compile(rf"(?<![A-Za-z0-9_.-]){re.escape(name)}(?![A-Za-z0-9_-])")
        text = word.sub(mask, text)
    return text


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(
    hosts=st.lists(st.text(alphabet=_NAME_CHARS + " <>", min_size=2, max_size=6), max_size=6),
    users=st.lists(st.text(alphabet=_NAME_CHARS, min_size=2, max_size=5), max_size=3),
    words=st.lists(st.text(alphabet=_NAME_CHARS + " /<>:", max_size=8), max_size=6),
)
def test_looking_names_up_masks_as_trying_every_name(hosts, users, words):
    from recommender.facts.redact import Identity, Redactor

    identity = Identity(users=tuple(users)).including(*({"hostname": h} for h in hosts))
    pieces = [*words, *hosts, *users]
    text = " ".join(pieces) + "|" + ".".join(pieces) + "|" + "".join(pieces)
    assert Redactor(identity).text(text) == _slow_reference(identity, text)


def test_ten_thousand_host_names_are_masked_without_trying_each_on_each_string():
    import time

    from recommender.facts.redact import Identity, Redactor

    hosts = [f"node{i:05d}" for i in range(10_000)]
    identity = Identity().including(*({"hostname": h} for h in hosts))
    r = Redactor(identity)
    start = time.process_time()
    out = [r.text(f"{h} at /srv/{h}/facts.json (on {h}.cluster.local)") for h in hosts]
    spent = time.process_time() - start
    assert out[42] == "<host-43> at /srv/<host-43>/facts.json (on <host-43>.cluster.local)"
    assert spent < 10  # trying all 10,000 names on each of the 10,000 strings took minutes
