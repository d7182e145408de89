"""frameworks probe against fake installed distributions (a temp site dir as the only sys.path)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from recommender.probes.frameworks import frameworks_probe, keras_config


class FakeSite:
    def __init__(self, root):
        self.root = root

    def dist(self, name: str, version: str, files: dict[str, str] | None = None) -> None:
        info = self.root / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        for rel, text in (files or {}).items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)


@pytest.fixture
def site(tmp_path, monkeypatch):
    """Only the fake site is searched for distributions; the real venv is out of sight."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.setattr(sys, "path", [str(root)])
    return FakeSite(root)


def _probe(fake_host, **env):
    return frameworks_probe.collect(fake_host.host(**env))


TF_BUILD_CUDA = """\
# Auto-generated
import collections

build_info = collections.OrderedDict([('cpu_compiler', '/usr/bin/clang-18'), ('cuda_compute_capabilities', ['sm_60', 'sm_70', 'sm_80', 'compute_90']), ('cuda_version', '12.5.1'), ('cudnn_version', '9'), ('is_cuda_build', True), ('is_rocm_build', False), ('is_tensorrt_build', False)])
"""
TF_BUILD_CPU = "import collections\n\nbuild_info = collections.OrderedDict([('is_cuda_build', False), ('is_rocm_build', False)])\n"


def test_nothing_installed(site, fake_host):
    result = _probe(fake_host)
    assert result.status.value == "ok"
    for fw in ("tensorflow", "pytorch", "keras", "jax"):
        assert result.data[fw]["installed"] is False
    assert result.warnings == ()


def test_tensorflow_cpu_distribution_name(site, fake_host):
    site.dist(
        "tensorflow-cpu", "2.21.0", {"tensorflow/python/platform/build_info.py": TF_BUILD_CPU}
    )
    tf = _probe(fake_host).data["tensorflow"]
    assert tf["installed"] and tf["version"] == "2.21.0"
    assert tf["distribution"] == "tensorflow-cpu"
    assert tf["build"] == {"cuda": None, "cudnn": None, "rocm": False, "known": True}


def test_tensorflow_build_info_ordered_dict_with_cuda_version(site, fake_host):
    site.dist("tensorflow", "2.20.0", {"tensorflow/python/platform/build_info.py": TF_BUILD_CUDA})
    tf = _probe(fake_host).data["tensorflow"]
    assert tf["build"] == {"cuda": "12.5.1", "cudnn": "9", "rocm": False, "known": True}


def test_tensorflow_without_build_info(site, fake_host):
    site.dist("tensorflow-macos", "2.16.2")
    tf = _probe(fake_host).data["tensorflow"]
    assert tf["distribution"] == "tensorflow-macos" and tf["build"]["known"] is False


def test_several_tensorflow_distributions_warn(site, fake_host):
    site.dist("tensorflow", "2.20.0")
    site.dist("tensorflow-cpu", "2.21.0")
    site.dist("tf-nightly", "2.22.0.dev20260101")
    result = _probe(fake_host)
    tf = result.data["tensorflow"]
    assert tf["distributions"] == ["tensorflow", "tensorflow-cpu", "tf-nightly"]
    [warning] = result.warnings
    assert "several TensorFlow distributions" in warning and "tensorflow-cpu 2.21.0" in warning


def test_malicious_build_info_is_never_executed(site, fake_host, tmp_path):
    marker = tmp_path / "pwned"
    site.dist(
        "tensorflow",
        "2.20.0",
        {
            "tensorflow/python/platform/build_info.py": f"open({str(marker)!r}, 'w').write('x')\nbuild_info = {{'cuda_version': __import__('os').getcwd()}}\n"
        },
    )
    tf = _probe(fake_host).data["tensorflow"]
    assert not marker.exists()
    assert tf["build"]["known"] is False


@pytest.mark.parametrize(
    ("version_py", "flavour", "cuda", "rocm"),
    [
        (
            "__version__ = '2.9.0+cu126'\ncuda: Optional[str] = '12.6'\nhip: Optional[str] = None\n",
            "cuda 12.6",
            "12.6",
            None,
        ),
        (
            "__version__ = '2.9.0+rocm6.4'\ncuda = None\nhip = '6.4.43482'\n",
            "rocm 6.4.43482",
            None,
            "6.4.43482",
        ),
        ("__version__ = '2.13.0+cpu'\ncuda = None\nhip = None\nxpu = None\n", "cpu", None, None),
        ("this is ( not python", "unknown", None, None),
    ],
)
def test_torch_flavour_from_version_py(site, fake_host, version_py, flavour, cuda, rocm):
    site.dist("torch", "2.9.0", {"torch/version.py": "from typing import Optional\n" + version_py})
    pt = _probe(fake_host).data["pytorch"]
    assert pt["installed"] and pt["version"] == "2.9.0" and pt["distribution"] == "torch"
    assert pt["build"]["flavour"] == flavour
    assert pt["build"]["cuda"] == cuda and pt["build"]["rocm"] == rocm


def test_torch_without_version_py(site, fake_host):
    site.dist("torch", "2.9.0")
    assert _probe(fake_host).data["pytorch"]["build"]["flavour"] == "unknown"


def test_keras_backend_env_beats_keras_json_beats_default(site, fake_host, isolated_home):
    site.dist("keras", "3.15.1")
    ks = _probe(fake_host).data["keras"]
    assert (ks["backend"], ks["backend_source"], ks["major"]) == ("tensorflow", "default", 3)
    config = isolated_home / ".keras" / "keras.json"
    config.parent.mkdir()
    config.write_text(json.dumps({"backend": "jax", "floatx": "float32"}))
    ks = _probe(fake_host).data["keras"]
    assert (ks["backend"], ks["backend_source"]) == ("jax", str(config))
    ks = _probe(fake_host, KERAS_BACKEND="torch").data["keras"]
    assert (ks["backend"], ks["backend_source"]) == ("torch", "KERAS_BACKEND")


def test_keras_home_and_broken_keras_json(fake_host, tmp_path, isolated_home):
    (isolated_home / ".keras").mkdir()
    (isolated_home / ".keras" / "keras.json").write_text("{not json")
    assert keras_config(fake_host.host()) == ("tensorflow", "default")
    other = tmp_path / "kh"
    other.mkdir()
    (other / "keras.json").write_text('{"backend": "numpy"}')
    assert keras_config(fake_host.host(KERAS_HOME=str(other))) == (
        "numpy",
        str(other / "keras.json"),
    )


def test_unknown_keras_backend_warns(site, fake_host):
    site.dist("keras", "3.15.1")
    result = _probe(fake_host, KERAS_BACKEND="theano")
    assert any("'theano'" in w for w in result.warnings)


def test_tf_keras_present(site, fake_host):
    site.dist("keras", "2.15.0")
    site.dist("tf-keras", "2.15.1")
    ks = _probe(fake_host, TF_USE_LEGACY_KERAS="1").data["keras"]
    assert ks["major"] == 2 and ks["tf_keras"] == "2.15.1" and ks["legacy_keras_env"] == "1"


def test_tf_keras_without_keras(site, fake_host):
    site.dist("tf-keras", "2.18.0")
    ks = _probe(fake_host).data["keras"]
    assert ks == {"installed": False, "tf_keras": "2.18.0", "legacy_keras_env": None}
    ks = _probe(fake_host, TF_USE_LEGACY_KERAS="1").data["keras"]
    assert ks["legacy_keras_env"] == "1"  # tf.keras reads it even without Keras 3 installed


def test_jax_build_comes_from_its_plugin(site, fake_host):
    site.dist("jax", "0.7.0")
    site.dist("jaxlib", "0.7.0")
    site.dist("jax-cuda12-plugin", "0.7.0")
    jx = _probe(fake_host).data["jax"]
    assert jx == {
        "installed": True,
        "version": "0.7.0",
        "jaxlib": "0.7.0",
        "plugins": ["jax-cuda12-plugin"],
        "build": {"flavour": "cuda", "cuda": "12", "known": True},
    }


# --------------------------------------------------------------------------- distributions


def _both(name: str):
    """(what importlib.metadata finds, what the probe's own search finds): the version, and the
    path of a file in it as the probe reads it (``_read``: ``Path(str(locate_file(...)))``)."""
    from importlib import metadata

    from recommender.probes._dists import distribution

    try:
        found = metadata.distribution(name)
        expected = (found.version, str(Path(str(found.locate_file("torch/version.py")))))
    except metadata.PackageNotFoundError:
        expected = None
    dist = distribution(name)
    return expected, (
        (dist.version, str(Path(str(dist.locate_file("torch/version.py"))))) if dist else None
    )


def test_the_probe_finds_distributions_as_importlib_metadata_does(tmp_path, monkeypatch):
    """Names compared after PEP 503 normalisation, the first folder on sys.path wins, listing
    order inside a folder, PKG-INFO when METADATA is missing, folded and repeated headers."""
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
    (second / "tf_nightly-2.22.0.dev1.dist-info").mkdir()
    (second / "tf_nightly-2.22.0.dev1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: tf-nightly\nVersion: 2.22.0.dev1\n"
    )
    (first / "Tf.Nightly-2.21.dist-info").mkdir()  # another case and separator: the same name
    (first / "Tf.Nightly-2.21.dist-info" / "METADATA").write_text(
        "Name: tf.nightly\nVersion:\t2.21.0 \n\nVersion: 9\n"
    )
    (first / "jaxlib-0.4.egg-info").mkdir()
    (first / "jaxlib-0.4.egg-info" / "PKG-INFO").write_text("Name: jaxlib\nVersion: 0.4\n")
    (first / "keras-3.0.dist-info").mkdir()
    (first / "keras-3.0.dist-info" / "METADATA").write_text(
        "Name: keras\nSummary: folded\n  over two lines\nVersion: 3.0\n  .1\nVersion: 4\n"
    )
    (first / "torch-2.0.dist-info").mkdir()  # no metadata at all
    (first / "flax-0.1.dist-info").mkdir()
    (first / "flax-0.1.dist-info" / "METADATA").write_text("Name flax\nVersion: 0.1\n")
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "missing"), str(second)])
    for name in ("tf-nightly", "TF_NIGHTLY", "jaxlib", "keras", "torch", "flax", "absent"):
        expected, found = _both(name)
        assert found == expected, name
    assert _both("tf-nightly")[1] == ("2.21.0 ", str(first / "torch" / "version.py"))


def test_a_zip_on_sys_path_is_searched_by_importlib_metadata(tmp_path, monkeypatch):
    """Where the probe's own search would not be exact (a zip on sys.path), it hands over."""
    import zipfile

    archive = tmp_path / "site.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("torch-2.5.1.dist-info/METADATA", "Name: torch\nVersion: 2.5.1\n")
    monkeypatch.setattr(sys, "path", [str(archive)])
    expected, found = _both("torch")
    assert found == expected and expected is not None and expected[0] == "2.5.1"
