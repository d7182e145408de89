"""Issue 21, blind round 37 (two installed packages at releases that do not work together): the
causes its development misses showed, fixed in general and tested on text written here (not the
corpus cases). A library that asks a framework for a name its release lacks is one family however
the name is reached: an attribute of a submodule ("module 'jax.api_util' has no attribute ...",
TensorFlow's internal API under keras) or an import ("cannot import name 'X' from 'torch.fx...'").
The finding names the likely pair from the traceback frame that asked, and stays a warning; a
circular import, a package that merely starts with a framework's name and the user's own modules
stay quiet."""

from __future__ import annotations

import pytest

from tests.pastes import categories, fails, run, signature_ids, statuses


def _frame(path: str, line: int, code: str) -> str:
    return f'  File "{path}", line {line}, in <module>\n    {code}\n'


# --- a framework's submodule lacks the attribute a library asks for ----------------------------------

_SUBMODULE_ATTRIBUTE = [
    (
        "/opt/venv/lib/python3.11/site-packages/xformers/ops/fmha/flash.py",
        "torch.library",
        "custom_op",
        "xformers",
    ),
    (
        "/usr/local/lib/python3.10/dist-packages/tf_keras/src/saving/object_registration.py",
        "tensorflow.compat.v2.__internal__",
        "register_load_context_function",
        "tf_keras",
    ),
    (
        "C:\\Users\\me\\envs\\x\\Lib\\site-packages\\optax\\_src\\base.py",
        "jax.numpy",
        "DeviceArray",
        "optax",
    ),
    (
        "/home/me/.local/lib/python3.12/site-packages/flax/core/lift.py",
        "jax.api_util",
        "debug_info",
        "flax",
    ),
]


@pytest.mark.parametrize(("path", "module", "attr", "asker"), _SUBMODULE_ATTRIBUTE)
def test_a_submodule_missing_a_name_is_a_version_pair(
    path: str, module: str, attr: str, asker: str
) -> None:
    text = (
        "Traceback (most recent call last):\n"
        + _frame("/home/me/run.py", 4, f"import {asker}")
        + _frame(path, 40, f"x = {module}.{attr}")
        + f"AttributeError: module '{module}' has no attribute '{attr}'\n"
    )
    result = run(text)
    assert "version-mismatch" in categories(text)
    assert statuses(result, "version-mismatch") == {"warn"}
    assert "version-mismatch" not in fails(text)
    finding = next(f for f in result.findings if f.category == "version-mismatch")
    assert f"{asker}'s code" in finding.detail
    assert module.split(".")[0] in finding.detail


def test_the_pair_says_the_stated_release_of_the_framework() -> None:
    text = (
        "$ pip list\n"
        "Package    Version\n"
        "---------- -------\n"
        "numpy      1.26.4\n"
        "torch      2.3.1\n"
        "Traceback (most recent call last):\n"
        + _frame("/srv/app/.venv/lib/python3.11/site-packages/xformers/ops/unbind.py", 12, "x = 1")
        + "AttributeError: module 'torch.library' has no attribute 'custom_op'\n"
    )
    finding = next(f for f in run(text).findings if f.id == "signature:module-has-no-attribute")
    assert "xformers's code" in finding.detail
    assert "2.3.1 stated on line 5" in finding.detail


def test_no_frame_no_pair_named_but_still_the_family() -> None:
    text = "E   AttributeError: module 'jax.experimental.pallas' has no attribute 'BlockSpec'\n"
    finding = next(f for f in run(text).findings if f.category == "version-mismatch")
    assert finding.status == "warn"
    assert "code (line" not in finding.detail


# --- an import of a name the installed release lacks ---------------------------------------------------

_IMPORTS = [
    ("peft", "transformers.modeling_utils", "Conv1D"),
    ("accelerate", "torch.distributed.fsdp", "FullyShardedDataParallelPlugin"),
    ("diffusers", "huggingface_hub", "cached_download"),
    ("chex", "jax.experimental", "host_callback"),
    ("keras_nlp", "keras.src.engine", "base_layer"),
]


@pytest.mark.parametrize(("asker", "module", "name"), _IMPORTS)
def test_an_import_of_a_missing_name_is_a_version_pair(asker: str, module: str, name: str) -> None:
    site = f"/opt/conda/envs/a/lib/python3.10/site-packages/{asker}/utils/imports.py"
    text = (
        "Traceback (most recent call last):\n"
        + _frame(site, 7, f"from {module} import {name}")
        + f"ImportError: cannot import name '{name}' from '{module}' "
        + f"(/opt/conda/envs/a/lib/python3.10/site-packages/{module.replace('.', '/')}.py)\n"
    )
    result = run(text)
    assert "cannot-import-name-from-library" in signature_ids(text)
    assert statuses(result, "version-mismatch") == {"warn"}
    finding = next(f for f in result.findings if f.category == "version-mismatch")
    assert f"{asker}'s code (line 2)" in finding.detail


def test_an_import_from_the_framework_package_itself() -> None:
    text = "ImportError: cannot import name 'float8_e8m0fnu' from 'torch'\n"
    assert "version-mismatch" in categories(text)
    assert "version-mismatch" not in fails(text)


# --- healthy counterparts: nothing of the family --------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        # a circular import (the user's torch.py, or two modules importing each other)
        "ImportError: cannot import name 'nn' from partially initialized module 'torch' "
        "(most likely due to a circular import) (/home/me/torch.py)",
        # packages that only start with a framework's name
        "ImportError: cannot import name 'Accuracy' from 'torchmetrics.classification'",
        "AttributeError: module 'torchmetrics' has no attribute 'Metric'",
        "AttributeError: module 'jaxtyping' has no attribute 'Float'",
        # the user's own module
        "ImportError: cannot import name 'build_model' from 'models.backbone'",
    ],
)
def test_other_import_failures_are_not_a_version_pair(line: str) -> None:
    text = (
        "Traceback (most recent call last):\n" + _frame("/home/me/train.py", 3, "import x") + line
    )
    result = run(text) if signature_ids(text) else None
    assert "module-has-no-attribute" not in signature_ids(text)
    assert "cannot-import-name-from-library" not in signature_ids(text)
    assert result is None or "version-mismatch" not in categories(text)


def test_a_frame_of_the_framework_itself_is_not_the_asker() -> None:
    text = (
        "Traceback (most recent call last):\n"
        + _frame("/venv/lib/python3.12/site-packages/torch/_dynamo/utils.py", 88, "import numpy")
        + "AttributeError: module 'torch._dynamo' has no attribute 'config'\n"
    )
    finding = next(f for f in run(text).findings if f.category == "version-mismatch")
    assert "torch's code" not in finding.detail
