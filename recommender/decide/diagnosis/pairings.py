"""Packages that only work in pairs, judged from the versions a paste states side by side (a pip or
conda list, pip's conflict line, an env dump): TensorFlow and Keras / tf-keras, jax and jaxlib
(companions built for one framework release, xformers, vLLM, tensorflow-text, PyG's wheels, ...,
are companions.py's). Each table row is what the package index's metadata pins (Requires-Dist, read
with ``pip install --dry-run --no-deps --report``), verified 2026-12-05, or what the library's own
import-time check refuses; the torch/torchvision/torchaudio pairing is the checklist's
(``torch_companions``)."""

from __future__ import annotations

from collections.abc import Sequence

from packaging.version import Version

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import fact_version, quote_lines
from recommender.decide.diagnosis.companions import companion_findings
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Fact, Paste
from recommender.rulebase.reference import PackageTables

#: TensorFlow 2.6-2.15 pin Keras to their own line (tensorflow 2.6.5 ``keras<2.7,>=2.6.0`` ...
#: 2.15.1 ``keras<2.16,>=2.15.0``); 2.16 and later require ``keras>=3.0.0``. Keras 3 also runs
#: under TensorFlow 2.15 ("If you install TensorFlow 2.15, you should reinstall Keras 3
#: afterwards"), so that one pair is fine although pip calls it a conflict. tf-keras X.Y requires
#: tensorflow X.Y (tf_keras 2.15.1 ``tensorflow<2.16,>=2.15``, 2.19.0 ``<2.20,>=2.19``).
KERAS_URL = "https://keras.io/getting_started/"
TF_KERAS_PIN_FROM = (2, 6)
TF_KERAS3_FROM = (2, 16)
TF_KERAS3_ALSO = (2, 15)

#: jax refuses a jaxlib newer than itself, or older than its minimum (jax/_src/lib/__init__.py
#: ``check_jaxlib_version``). The minimum is jax's Requires-Dist ``jaxlib<=V,>=MIN`` (before 0.4.31
#: the ``minimum-jaxlib`` extra): every release 0.4.33-0.10.2 was read (pip --dry-run --report,
#: 2026-12-05); it is the release itself except the rows below. Before 0.4.33 only the rows below
#: are known, and past 0.10.2 none: there only "newer than jax" is judged.
JAX_URL = "https://github.com/jax-ml/jax/blob/main/jax/_src/lib/__init__.py"
JAX_EXACT_FROM = Version("0.4.33")
JAX_EXACT_THROUGH = Version("0.10.2")
JAXLIB_MINIMUM: tuple[tuple[str, str], ...] = (
    ("0.10.2", "0.10.1"),
    ("0.8.3", "0.8.2"),
    ("0.5.2", "0.5.1"),
    ("0.4.37", "0.4.36"),
    ("0.4.35", "0.4.34"),
    ("0.4.31", "0.4.30"),
    ("0.4.30", "0.4.27"),
    ("0.4.28", "0.4.27"),
    ("0.4.26", "0.4.20"),
    ("0.4.23", "0.4.19"),
    ("0.4.20", "0.4.14"),
)


def _line(v: Version) -> tuple[int, int]:
    return v.major, v.minor


def _finding(
    paste: Paste, key: str, title: str, detail: str, fix: str, facts: Sequence[Fact], source: str
) -> Finding:
    return Finding(
        id=f"pairing:{key}",
        category=Category.VERSION_MISMATCH.value,
        status="fail",
        title=title,
        detail=detail,
        fix=fix,
        quotes=quote_lines(paste, [f.line for f in facts]),
        source=source,
    )


def keras_pairing(paste: Paste) -> list[Finding]:
    """TensorFlow next to a Keras (or tf-keras) of a line it does not run with."""
    tf_fact = paste.facts.get("frameworks.tensorflow.version")
    tf = fact_version(tf_fact)
    if tf_fact is None or tf is None or _line(tf) < TF_KERAS_PIN_FROM:
        return []
    out: list[Finding] = []
    keras_fact = paste.facts.get("frameworks.keras.version")
    keras = fact_version(keras_fact)
    if keras_fact is not None and keras is not None and not _keras_fits(_line(tf), keras):
        want = "3.x" if _line(tf) >= TF_KERAS3_FROM else f"2.{tf.minor}"
        if _line(tf) == TF_KERAS3_ALSO:
            want += " or 3.x"
        out.append(
            _finding(
                paste,
                "tensorflow-keras",
                "Keras is not a line this TensorFlow runs with",
                f"keras {keras_fact.value} next to TensorFlow {tf_fact.value}, which needs Keras {want}",
                f"Install the Keras of TensorFlow's line ({_keras_install(_line(tf))}), or the "
                "TensorFlow release made for this Keras (Keras 3: TensorFlow 2.16 or newer)",
                [tf_fact, keras_fact],
                KERAS_URL,
            )
        )
    legacy_fact = paste.facts.get("package.tf-keras")
    legacy = fact_version(legacy_fact)
    if legacy_fact is not None and legacy is not None and _line(legacy) != _line(tf):
        out.append(
            _finding(
                paste,
                "tensorflow-tf-keras",
                "tf-keras is not TensorFlow's release",
                f"tf-keras {legacy_fact.value} requires TensorFlow {legacy.major}.{legacy.minor}, "
                f"not {tf_fact.value}",
                f'pip install "tf-keras~={tf.major}.{tf.minor}.0"',
                [tf_fact, legacy_fact],
                "https://pypi.org/project/tf-keras/#history",
            )
        )
    return out


def _keras_install(tf: tuple[int, int]) -> str:
    if tf >= TF_KERAS3_FROM:
        return 'pip install "keras>=3"'
    return f'pip install "keras~={tf[0]}.{tf[1]}.0"'


def _keras_fits(tf: tuple[int, int], keras: Version) -> bool:
    if tf >= TF_KERAS3_FROM:
        return keras.major >= 3
    if tf == TF_KERAS3_ALSO and keras.major >= 3:
        return True
    return _line(keras) == tf


#: Lines only jax.print_environment_info() prints (after importing jax): its device list and
#: process count, not versions a user could type by hand.
_JAX_ENV_RAN = ("jax.devices (", "device info:", "process_count:")


def jaxlib_pairing(paste: Paste) -> list[Finding]:
    """A jaxlib newer than jax, or older than the oldest jaxlib this jax accepts."""
    jax_fact = paste.facts.get("frameworks.jax.version")
    lib_fact = paste.facts.get("package.jaxlib")
    jax, lib = fact_version(jax_fact), fact_version(lib_fact)
    if jax_fact is None or lib_fact is None or jax is None or lib is None:
        return []
    if "jax.devices" in paste.facts or any(line.startswith(_JAX_ENV_RAN) for line in paste.lines):
        # jax.print_environment_info() listed its devices: jax imported with this jaxlib, and
        # jax checks the pair on import and refuses to load otherwise (jax/_src/lib/__init__.py,
        # "performs version checking on import"): direct evidence that they work together (a
        # source build such as 0.6.1.dev next to jaxlib 0.6.0 is not bound by the release's pin).
        return []
    jax_base, lib_base = Version(jax.base_version), Version(lib.base_version)
    minimum = _jaxlib_minimum(jax_base)
    if lib_base > jax_base:
        why = f"jaxlib {lib_fact.value} is newer than jax {jax_fact.value}, which jax refuses"
    elif minimum is not None and lib_base < minimum:
        why = f"jax {jax_fact.value} needs jaxlib {minimum} or newer; jaxlib {lib_fact.value} is installed"
    else:
        return []
    return [
        _finding(
            paste,
            "jax-jaxlib",
            "jax and jaxlib are releases that do not work together",
            why,
            f'Install jax and jaxlib of one release: pip install --upgrade "jax=={jax_base}" "jaxlib=={jax_base}"',
            [jax_fact, lib_fact],
            JAX_URL,
        )
    ]


def _jaxlib_minimum(jax: Version) -> Version | None:
    for release, minimum in JAXLIB_MINIMUM:
        if jax == Version(release):
            return Version(minimum)
    return jax if JAX_EXACT_FROM <= jax <= JAX_EXACT_THROUGH else None


def pairing_findings(paste: Paste, packages: PackageTables) -> list[Finding]:
    """Releases that do not work together; a companion's pins are ``packages``' (the run's)."""
    return [*keras_pairing(paste), *jaxlib_pairing(paste), *companion_findings(paste, packages)]
