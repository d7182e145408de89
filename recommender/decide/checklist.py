"""(facts, answers, rule base, evaluation, smoke results, env) -> Checklist. Pure: no probing,
no printing, no framework import.

Each check is a small function over one ``Context`` that returns its items and the rule ids it
covers; ``CHECKS`` lists them in the order they are shown. Every item names the rule (or the
``compat.yaml`` table) it came from, and every fix is a rule's ``fix``, an install command from
``frameworks.yaml``, or a template from ``compat.yaml: tables.checklist_fixes``: no command is
written here. Fired compat rules that no check covers become items of their own at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recommender.catalog import ANSWER_DEVICE, BACKEND_FRAMEWORK, Framework
from recommender.engine.conditions import parse_version
from recommender.numfmt import throughput

OK, WARN, FAIL = "ok", "warn", "fail"
STATUSES = (OK, WARN, FAIL)
#: The framework id of each Keras backend (its facts key and frameworks.yaml entry).
ENV_VARS = (
    "CUDA_VISIBLE_DEVICES",
    "KERAS_BACKEND",
    "TF_USE_LEGACY_KERAS",
    "PYTORCH_ENABLE_MPS_FALLBACK",
)
_NAMES = {f.value: f.info.name for f in Framework}
_PYTHONS = tuple(f"3.{minor}" for minor in range(8, 20))


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    id: str
    status: str  # ok | warn | fail
    title: str
    detail: str
    fix: str | None = None
    rule: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Checklist:
    framework: str
    backend: str | None
    name: str
    items: tuple[Item, ...]
    #: "probed" (this machine) or the facts file the checklist was made for.
    origin: str = "probed"

    @property
    def summary(self) -> dict[str, int]:
        return {s: sum(1 for i in self.items if i.status == s) for s in STATUSES}

    @property
    def failed(self) -> bool:
        return any(i.status == FAIL for i in self.items)

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "backend": self.backend,
            "items": [i.to_dict() for i in self.items],
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """Everything the checks read; built once by ``build_checklist``."""

    framework: str
    backend: str | None
    facts: Any
    answers: Any
    rulebase: Any
    evaluation: Any
    smoke: tuple[Any, ...]
    env: Mapping[str, str] | None
    smoke_note: str | None
    fired: frozenset[str]
    condition: Callable[[Any], bool | None]
    gpu_condition: Callable[[Any], bool | None]
    cpu_condition: Callable[[Any], bool | None]

    @property
    def targets(self) -> tuple[str, ...]:
        """The frameworks this project runs on: Keras brings its backend's framework."""
        if self.framework == "keras" and self.backend in BACKEND_FRAMEWORK:
            return ("keras", BACKEND_FRAMEWORK[self.backend])
        return (self.framework,)

    @property
    def python(self) -> str:
        return self.facts.get("python.executable") or "python3"

    @property
    def accelerator(self) -> str | None:
        return (self.evaluation.derived or {}).get("derived.answer_accelerator")

    def fw(self, fw: str, key: str) -> Any:
        return self.facts.get(f"frameworks.{fw}.{key}")

    def installed(self, fw: str) -> bool:
        return self.fw(fw, "installed") is True

    def table(self, name: str) -> Any:
        return self.rulebase.tables.get(name) or {}

    def rule_fix(self, rule_id: str) -> str | None:
        try:
            rule = self.rulebase.rule(rule_id)
        except KeyError:
            return None
        return (
            fill(rule.fix, python=self.python, backend=self.backend or "tensorflow")
            if rule.fix
            else None
        )

    def rule_why(self, rule_id: str) -> str:
        try:
            return self.rulebase.rule(rule_id).why
        except KeyError:
            return rule_id

    def template(self, key: str, **values: Any) -> str | None:
        text = (self.table("checklist_fixes") or {}).get(key)
        return fill(text, python=self.python, **values) if text else None

    def install(self, fw: str, *, accelerator: str | None = None) -> str | None:
        """The install planner's command (the ranking's), for the answered or a given device."""
        from recommender.decide.plans import plan_for

        plan = plan_for(
            fw,
            self.facts,
            accelerator or self.accelerator,
            backend=(self.backend or "tensorflow") if fw == "keras" else None,
        )
        return getattr(plan, "command_line", None)

    def nvidia_gpus(self) -> list[Mapping[str, Any]]:
        return [
            a
            for a in self.facts.accelerators
            if a.get("kind") == "cuda" and a.get("visible") is not False
        ]


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, **values: Any) -> str:
    """A rule base template with its placeholders filled (unknown ones are left as they are)."""
    try:
        return template.format_map(_Defaulting({k: v for k, v in values.items() if v is not None}))
    except (ValueError, IndexError):
        return template


def _v(text: Any):
    return parse_version(text) if isinstance(text, str) else None


def _mm(text: Any) -> tuple[int, ...] | None:
    v = _v(text)
    return v.release[:2] if v is not None else None


def name_of(fw: str) -> str:
    return _NAMES.get(fw, fw)


def _gb(mb: float) -> str:
    return f"{mb / 1024:.1f} GiB"  # MiB / 1024: binary units, as `dlrec probe` prints them


# --------------------------------------------------------------------------- python, installed

Result = tuple[list[Item], set[str]]


def _python_row(ctx: Context, fw: str) -> tuple[str, str | None]:
    """(framework version checked, the supported Python specifier or None)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    have = _v(ctx.fw(fw, "version")) if ctx.installed(fw) else None
    version = have.base_version if have else ctx.rulebase.newest_known.get(fw)
    for row in (ctx.table("python_support") or {}).get(fw) or ():
        try:
            if version and SpecifierSet(row["versions"]).contains(version, prereleases=True):
                return version, row["python"]
        except (InvalidSpecifier, KeyError, TypeError):
            continue
    return version or "?", None


def check_python(ctx: Context) -> Result:
    from packaging.specifiers import SpecifierSet

    have = ctx.facts.get("python.version")
    checked, failing = [], None
    for fw in ctx.targets:
        version, spec = _python_row(ctx, fw)
        if spec is None:
            continue
        checked.append(f"{name_of(fw)} {version} supports {spec}")
        if have and not SpecifierSet(spec).contains(have, prereleases=True) and failing is None:
            failing = (fw, version, spec)
    rule = "compat.yaml tables.python_support"
    if have is None:
        return [
            Item(
                id="python",
                status=WARN,
                title="Python version",
                rule=rule,
                detail="not known for that machine; " + "; ".join(checked),
            )
        ], set()
    if failing is None:
        detail = f"Python {have}: " + (
            "; ".join(checked) if checked else "no range in the rule base"
        )
        return [
            Item(id="python", status=OK, title="Python version", detail=detail, rule=rule)
        ], set()
    fw, version, spec = failing
    inside = [p for p in _PYTHONS if SpecifierSet(spec).contains(p + ".0")]
    fix = ctx.template(
        "python_range",
        suggest=inside[-1] if inside else "?",
        name=name_of(fw),
        version=version,
        range=spec,
    )
    return [
        Item(
            id="python",
            status=FAIL,
            title="Python version",
            rule=rule,
            fix=fix,
            detail=f"Python {have} is outside {name_of(fw)} {version}'s range {spec}",
        )
    ], set()


def _installed_item(ctx: Context, fw: str, item_id: str) -> Item:
    title = f"{name_of(fw)} installed"
    if not ctx.installed(fw):
        unknown = (
            ctx.fw(fw, "installed") is None
        )  # unknown is not "not installed": warn, never fail
        return Item(
            id=item_id,
            status=WARN if unknown else FAIL,
            title=title,
            fix=ctx.install(fw),
            detail="not known for that machine" if unknown else "not installed",
            rule=f"wheels.yaml {fw} (install plan)",
        )
    version = ctx.fw(fw, "version") or "?"
    dist = ctx.fw(fw, "distribution") or fw
    known = ctx.rulebase.newest_known.get(fw)
    have, top = _v(version), _v(known)
    if have is not None and top is not None and have.release[: len(top.release)] > top.release:
        from recommender.engine.evaluate import STALE_RULE

        return Item(
            id=item_id,
            status=WARN,
            title=title,
            rule=STALE_RULE,
            detail=f"{dist} {version} is newer than the rule base knows (verified up to {known})",
            fix=ctx.template("back_to_known", distribution=dist, newest=known),
        )
    return Item(
        id=item_id,
        status=OK,
        title=title,
        rule="compat.yaml tables.newest_known",
        detail=f"{dist} {version}" + (f" (rule base verified up to {known})" if known else ""),
    )


def check_installed(ctx: Context) -> Result:
    items = [
        _installed_item(ctx, fw, "installed" if i == 0 else f"installed-{fw}")
        for i, fw in enumerate(ctx.targets)
    ]
    return items, {"rulebase-newest-known"}


# --------------------------------------------------------------------------- build vs hardware


def _wants_gpu(ctx: Context) -> bool:
    return bool(ctx.nvidia_gpus()) and ctx.accelerator != "cpu"


def _torch_build(ctx: Context, cuda: str) -> tuple[str, Mapping] | None:
    for label, row in (ctx.table("torch_cuda_builds") or {}).items():
        if _mm(row.get("cuda")) == _mm(cuda):
            return label, row
    return None


def _cuda_alternative(ctx: Context, max_cuda: str | None, min_cc: str | None) -> str | None:
    """The install command of the newest torch CUDA build this driver and GPU run, else the CPU build."""
    fits = []
    for label, row in (ctx.table("torch_cuda_builds") or {}).items():
        if (
            max_cuda
            and _mm(row.get("cuda"))
            and _mm(row["cuda"]) <= _mm(max_cuda)
            and (min_cc is None or _mm(row.get("min_cc")) <= _mm(min_cc) <= _mm(row.get("max_cc")))
        ):
            fits.append((_mm(row["cuda"]), label, row))
    if fits:
        _, label, row = max(fits)
        newest = ctx.rulebase.newest_known.get("pytorch")
        from packaging.specifiers import SpecifierSet

        spec = row.get("torch") or ""
        requirement = (
            "torch"
            if not spec or (newest and SpecifierSet(spec).contains(newest + ".0"))
            else f'"torch{spec}"'
        )
        index = fill(ctx.rulebase.frameworks["pytorch"].get("wheel_index") or "", build=label)
        return ctx.template("install_cuda_build", requirement=requirement, index=index)
    cpu = ctx.install("pytorch", accelerator="cpu")
    return ctx.template("replace_build", install=cpu) if cpu else None


def _driver_item(ctx: Context, fw: str, cuda: str) -> Item | None:
    gpus = ctx.nvidia_gpus()
    max_cuda = ctx.evaluation.derived.get("derived.nvidia_max_cuda")
    if not gpus or max_cuda is None or _mm(cuda) is None or _mm(cuda) <= _mm(max_cuda):
        return None
    driver = next((g.get("driver_version") for g in gpus if g.get("driver_version")), "?")
    key = ".".join(str(p) for p in _mm(cuda))
    min_driver = (ctx.table("cuda_min_driver") or {}).get(key)
    compat = (ctx.table("cuda_minor_compat_min_driver") or {}).get(str(_mm(cuda)[0]))
    same_major = (
        _mm(cuda)[0] == _mm(max_cuda)[0] and _v(driver) and compat and _v(driver) >= _v(compat)
    )
    alternative = (
        _cuda_alternative(ctx, max_cuda, ctx.evaluation.derived.get("derived.nvidia_min_cc"))
        if fw == "pytorch"
        else ctx.install(fw, accelerator="cpu")
    )
    fix = ctx.template(
        "driver_upgrade",
        min_driver=min_driver or f"a driver for CUDA {key}",
        cuda=key,
        alternative=alternative,
    )
    detail = (
        f"{name_of(fw)} is built for CUDA {cuda}; driver {driver} supports CUDA {max_cuda} at most"
        + (" (minor-version compatibility may run it, without PTX JIT)" if same_major else "")
    )
    return Item(
        id="driver",
        status=WARN if same_major else FAIL,
        title="NVIDIA driver supports the CUDA build",
        detail=detail,
        fix=fix,
        rule="compat.yaml tables.cuda_min_driver",
    )


def _torch_cc_item(ctx: Context, cuda: str) -> Item | None:
    build = _torch_build(ctx, cuda)
    gpus = ctx.nvidia_gpus()
    if build is None or not gpus:
        return None
    label, row = build
    lo, hi = _mm(row.get("min_cc")), _mm(row.get("max_cc"))
    outside = [
        g
        for g in gpus
        if _mm(g.get("compute_capability")) and not lo <= _mm(g["compute_capability"]) <= hi
    ]
    rule = "compat.yaml tables.torch_cuda_builds"
    span = f"{row.get('min_cc')}-{row.get('max_cc')}"
    if not outside:
        names = ", ".join(
            f"{g.get('name') or 'GPU'} (cc {g.get('compute_capability')})" for g in gpus
        )
        return Item(
            id="compute-capability",
            status=OK,
            title="GPU architecture in the wheel",
            rule=rule,
            detail=f"{names} within the {label} wheel's {span}",
        )
    g = outside[0]
    install = ctx.install("pytorch", accelerator="nvidia")
    return Item(
        id="compute-capability",
        status=FAIL,
        title="GPU architecture in the wheel",
        rule=rule,
        detail=f"{g.get('name') or 'GPU'} has compute capability {g.get('compute_capability')}, "
        f"outside the {label} wheel's {span}: CUDA kernels will not run",
        fix=ctx.template("replace_build", install=install) if install else None,
    )


def _torch_build_items(ctx: Context) -> Result:
    flavour, cuda = ctx.fw("pytorch", "build.flavour"), ctx.fw("pytorch", "build.cuda")
    covers = {
        "torch-cpu-build-with-nvidia-gpu",
        "nvidia-cc-pre-turing-torch",
        "torch-cu126-blackwell",
        "nvidia-driver-too-old-for-torch",
        "nvidia-driver-cuda12-torch-ceiling",
        "nvidia-cc-too-old-torch",
    }
    version = ctx.fw("pytorch", "version") or "?"
    title = "PyTorch build matches the hardware"
    if flavour == "cpu" and _wants_gpu(ctx):
        gpu = ctx.nvidia_gpus()[0].get("name") or "an NVIDIA GPU"
        install = ctx.install("pytorch", accelerator="nvidia")
        return [
            Item(
                id="build",
                status=FAIL,
                title=title,
                rule="torch-cpu-build-with-nvidia-gpu",
                detail=f"torch {version} is a CPU-only build, but {gpu} is here and usable",
                fix=ctx.template("replace_build", install=install) if install else None,
            )
        ], covers
    if cuda and ctx.nvidia_gpus():
        items = [
            Item(
                id="build",
                status=OK,
                title=title,
                rule="compat.yaml tables.torch_cuda_builds",
                detail=f"torch {version} is a CUDA {cuda} build, for the NVIDIA GPU here",
            )
        ]
        items += [i for i in (_driver_item(ctx, "pytorch", cuda), _torch_cc_item(ctx, cuda)) if i]
        return items, covers
    if cuda and not ctx.facts.accelerators and isinstance(ctx.facts.get("accelerators"), tuple):
        install = ctx.install("pytorch", accelerator="cpu")
        return [
            Item(
                id="build",
                status=WARN,
                title=title,
                rule="compat.yaml tables.torch_cuda_builds",
                detail=f"torch {version} is a CUDA {cuda} build, but there is no GPU here: it runs on CPU",
                fix=ctx.template("replace_build", install=install) if install else None,
            )
        ], covers
    where = "no NVIDIA GPU in use" if flavour == "cpu" else f"build {flavour or cuda or 'unknown'}"
    return [
        Item(
            id="build",
            status=OK,
            title=title,
            rule="torch-cpu-build-with-nvidia-gpu",
            detail=f"torch {version}: {where}",
        )
    ], covers


def _tf_is_cpu(ctx: Context) -> bool:
    dist = ctx.fw("tensorflow", "distribution")
    return dist == "tensorflow-cpu" or (
        ctx.fw("tensorflow", "build.known") is True and not ctx.fw("tensorflow", "build.cuda")
    )


def _tf_build_items(ctx: Context) -> Result:
    covers = {
        "tf-cpu-build-with-nvidia-gpu",
        "nvidia-cc-floor-tensorflow",
        "nvidia-driver-too-old-for-tensorflow",
    }
    title = "TensorFlow build matches the hardware"
    version, dist = (
        ctx.fw("tensorflow", "version") or "?",
        ctx.fw("tensorflow", "distribution") or "tensorflow",
    )
    linux = ctx.facts.get("os.system") == "Linux"
    if linux and _wants_gpu(ctx) and _tf_is_cpu(ctx):
        gpu = ctx.nvidia_gpus()[0].get("name") or "an NVIDIA GPU"
        install = ctx.install("tensorflow", accelerator="nvidia")
        return [
            Item(
                id="build",
                status=FAIL,
                title=title,
                rule="tf-cpu-build-with-nvidia-gpu",
                detail=f"{dist} {version} is a CPU-only build, but {gpu} is here and usable",
                fix=ctx.template("replace_distribution", distributions=dist, install=install),
            )
        ], covers
    items = []
    cuda = ctx.fw("tensorflow", "build.cuda")
    if cuda and ctx.nvidia_gpus():
        items.append(
            Item(
                id="build",
                status=OK,
                title=title,
                rule="tf-cpu-build-with-nvidia-gpu",
                detail=f"{dist} {version} is a CUDA {cuda} build, for the NVIDIA GPU here",
            )
        )
        items += [i for i in (_driver_item(ctx, "tensorflow", cuda),) if i]
    else:
        where = (
            f"CUDA {cuda} build"
            if cuda
            else "CPU build" + ("" if _wants_gpu(ctx) else ", no NVIDIA GPU in use")
        )
        items.append(
            Item(
                id="build",
                status=OK,
                title=title,
                rule="tf-cpu-build-with-nvidia-gpu",
                detail=f"{dist} {version}: {where}",
            )
        )
    if "nvidia-cc-floor-tensorflow" in ctx.fired:
        items.append(
            Item(
                id="compute-capability",
                status=FAIL,
                title="GPU architecture in the wheel",
                rule="nvidia-cc-floor-tensorflow",
                detail=ctx.rule_why("nvidia-cc-floor-tensorflow"),
                fix=ctx.rule_fix("nvidia-cc-floor-tensorflow"),
            )
        )
    return items, covers


def check_build(ctx: Context) -> Result:
    items, covers = [], set()
    if "pytorch" in ctx.targets and ctx.installed("pytorch"):
        i, c = _torch_build_items(ctx)
        items, covers = items + i, covers | c
    if "tensorflow" in ctx.targets and ctx.installed("tensorflow"):
        i, c = _tf_build_items(ctx)
        items, covers = items + i, covers | c
    return items, covers


# --------------------------------------------------------------------------- platform


def check_avx(ctx: Context) -> Result:
    if "tensorflow" not in ctx.targets:
        return [], set()
    arch, flags = ctx.facts.get("cpu.arch"), ctx.facts.get("cpu.flags")
    title, rule = "CPU has AVX (TensorFlow wheels need it)", "tf-needs-avx"
    if "tf-needs-avx" in ctx.fired:
        return [
            Item(
                id="avx",
                status=FAIL,
                title=title,
                rule=rule,
                fix=ctx.rule_fix(rule),
                detail=f"this {arch} CPU has no AVX: `import tensorflow` dies with an illegal instruction",
            )
        ], {rule}
    if arch not in ("x86_64", "AMD64", "amd64"):
        detail, known = (
            (f"not needed on {arch}" if arch else "CPU architecture not known"),
            bool(arch),
        )
    else:  # an x86 CPU whose flags are unknown may lack AVX: a warning, not a pass
        detail, known = ("avx found" if flags else "CPU flags not known"), bool(flags)
    return [Item(id="avx", status=OK if known else WARN, title=title, rule=rule, detail=detail)], {
        rule
    }


def check_windows_gpu(ctx: Context) -> Result:
    rule = "tf-windows-native-gpu"
    if "tensorflow" not in ctx.targets or ctx.facts.get("os.system") != "Windows":
        return [], set()
    title = "TensorFlow GPU on native Windows"
    if rule in ctx.fired:
        gpu = (ctx.nvidia_gpus() or [{}])[0].get("name") or "the NVIDIA GPU"
        return [
            Item(
                id="windows-gpu",
                status=FAIL,
                title=title,
                rule=rule,
                fix=ctx.rule_fix(rule),
                detail=f"TensorFlow after 2.10 cannot use {gpu} on native Windows",
            )
        ], {rule}
    return [
        Item(
            id="windows-gpu",
            status=OK,
            title=title,
            rule=rule,
            detail="no NVIDIA GPU in use: TensorFlow runs on the CPU here",
        )
    ], {rule}


def check_macos(ctx: Context) -> Result:
    if ctx.facts.get("os.system") != "Darwin":
        return [], set()
    items = []
    rosetta, machine = ctx.facts.get("cpu.rosetta"), ctx.facts.get("os.machine")
    rule = "macos-rosetta-python"
    if rosetta is True:
        items.append(
            Item(
                id="rosetta",
                status=FAIL,
                title="Python runs natively (not under Rosetta)",
                rule=rule,
                detail="this Python is x86_64 under Rosetta on Apple silicon",
                fix=ctx.rule_fix(rule),
            )
        )
    else:
        detail = (
            "native arm64 Python"
            if machine == "arm64"
            else f"{machine or 'unknown'} Mac, Python native"
        )
        items.append(
            Item(
                id="rosetta",
                status=OK if rosetta is False or machine else WARN,
                title="Python runs natively (not under Rosetta)",
                rule=rule,
                detail=detail,
            )
        )
    mps = [a for a in ctx.facts.accelerators if a.get("kind") == "mps"]
    floor = (ctx.table("macos_minimum") or {}).get("pytorch_mps", "12.3")
    macos = ctx.facts.get("os.version") or next(
        (a.get("macos_version") for a in mps if a.get("macos_version")), None
    )
    title, mrule = "Apple GPU (MPS) available", "mps-needs-macos-12-3"
    if "mps-needs-macos-12-3" in ctx.fired or (_v(macos) and _v(floor) and _v(macos) < _v(floor)):
        items.append(
            Item(
                id="mps",
                status=FAIL,
                title=title,
                rule=mrule,
                fix=ctx.rule_fix(mrule),
                detail=f"macOS {macos} is older than {floor}, which MPS needs",
            )
        )
    elif mps and rosetta is not True:
        names = ", ".join(a.get("name") or "Apple GPU" for a in mps)
        items.append(
            Item(
                id="mps",
                status=OK,
                title=title,
                rule=mrule,
                detail=f"{names} on macOS {macos or '?'} (MPS needs {floor}+)",
            )
        )
    else:
        items.append(
            Item(
                id="mps",
                status=WARN,
                title=title,
                rule=rule if rosetta is True else "mps-needs-apple-silicon",
                detail="no MPS device: training runs on the CPU",
                fix=ctx.rule_fix(rule) if rosetta is True else None,
            )
        )
    return items, {rule, mrule, "mps-needs-apple-silicon"}


# --------------------------------------------------------------------------- keras and TF packaging


_KERAS_RULES = ("keras3-needs-a-backend", "keras-backend-not-installed")
_LEGACY_RULES = ("tf-legacy-keras-missing", "tf-216-needs-keras3", "tf-216-keras3-default")


def _keras_backend_item(ctx: Context) -> Item:
    title = "Keras backend installed"
    fired = next((r for r in _KERAS_RULES if r in ctx.fired), None)
    configured = ctx.fw("keras", "backend")
    if fired:
        return Item(
            id="keras-backend",
            status=FAIL,
            title=title,
            rule=fired,
            detail=ctx.rule_why(fired),
            fix=ctx.rule_fix(fired),
        )
    if configured and ctx.backend and configured != ctx.backend:
        source = ctx.fw("keras", "backend_source") or "the Keras config"
        return Item(
            id="keras-backend",
            status=WARN,
            title=title,
            rule="keras-backend-not-installed",
            detail=f"Keras is configured for {configured} ({source}); this project uses {ctx.backend}",
            fix=ctx.template("keras_backend", backend=ctx.backend),
        )
    backend = configured or ctx.backend or "?"
    return Item(
        id="keras-backend",
        status=OK,
        title=title,
        rule="keras-backend-not-installed",
        detail=f"backend {backend}"
        + (
            f" (from {ctx.fw('keras', 'backend_source')})"
            if ctx.fw("keras", "backend_source")
            else ""
        ),
    )


def _legacy_item(ctx: Context) -> Item:
    title = "tf.keras matches TF_USE_LEGACY_KERAS"
    fired = next((r for r in _LEGACY_RULES if r in ctx.fired), None)
    tf = _v(ctx.fw("tensorflow", "version"))
    if (
        fired is None
        and ctx.fw("keras", "tf_keras")
        and ctx.fw("keras", "legacy_keras_env") != "1"
        and tf is not None
        and tf.release[:2] >= (2, 16)
    ):
        # The rule reads an unset TF_USE_LEGACY_KERAS (null in the facts) as unknown; the probe
        # reports null exactly when it is unset, so here it counts as not "1".
        fired = "tf-216-keras3-default"
    if fired:
        return Item(
            id="keras-legacy",
            status=WARN,
            title=title,
            rule=fired,
            detail=ctx.rule_why(fired),
            fix=ctx.rule_fix(fired),
        )
    tf_keras = ctx.fw("keras", "tf_keras")
    env = ctx.fw("keras", "legacy_keras_env")
    major = ctx.fw("keras", "major")
    keras = (
        f"Keras {ctx.fw('keras', 'version') or major}"
        if ctx.installed("keras")
        else "Keras not installed"
    )
    detail = (
        f"{keras}; "
        + (f"tf-keras {tf_keras}" if tf_keras else "tf-keras not installed")
        + f"; TF_USE_LEGACY_KERAS={env if env is not None else '(unset)'}"
    )
    return Item(
        id="keras-legacy", status=OK, title=title, rule="tf-216-keras3-default", detail=detail
    )


def check_keras(ctx: Context) -> Result:
    items = []
    if ctx.framework == "keras" and ctx.installed("keras"):
        items.append(_keras_backend_item(ctx))
    if (
        "tensorflow" in ctx.targets
        and ctx.installed("tensorflow")
        and ctx.fw("keras", "installed") is not None
    ):
        items.append(_legacy_item(ctx))
    return items, set(_KERAS_RULES + _LEGACY_RULES) if items else set()


def check_tf_distributions(ctx: Context) -> Result:
    if "tensorflow" not in ctx.targets or not ctx.installed("tensorflow"):
        return [], set()
    dists = list(
        ctx.fw("tensorflow", "distributions")
        or [ctx.fw("tensorflow", "distribution") or "tensorflow"]
    )
    title, rule = "One TensorFlow distribution", "frameworks.yaml tensorflow.pip"
    if len(dists) <= 1:
        return [
            Item(
                id="tf-distributions", status=OK, title=title, rule=rule, detail=f"{dists[0]} only"
            )
        ], set()
    return [
        Item(
            id="tf-distributions",
            status=FAIL,
            title=title,
            rule=rule,
            detail=f"{', '.join(dists)} are installed together and overwrite each other's files",
            fix=ctx.template(
                "replace_distribution",
                distributions=" ".join(dists),
                install=ctx.install("tensorflow"),
            ),
        )
    ], set()


# --------------------------------------------------------------------------- resources


def _sizes(ctx: Context, fw: str) -> Mapping[str, Any]:
    spec = (ctx.rulebase.frameworks or {}).get(fw) or {}
    return spec.get("sizes_mb") or {}


def check_resources(ctx: Context) -> Result:
    gpu = ctx.accelerator in ("nvidia", "amd")
    kind = "gpu" if gpu else "cpu"
    rule = "frameworks.yaml sizes_mb"
    missing = [fw for fw in ctx.targets if not ctx.installed(fw)]
    disk_mb = sum(float(_sizes(ctx, fw).get(f"install_{kind}", 0)) for fw in missing)
    smoke_mb = max(
        (float(_sizes(ctx, fw).get(f"smoke_{kind}", 0)) for fw in ctx.targets), default=0.0
    )
    items = []
    free = ctx.facts.get("disk.free_bytes")
    path = ctx.facts.get("disk.path") or "the project disk"
    need = (
        f"{_gb(disk_mb)} to install {', '.join(name_of(f) for f in missing)} ({kind} build)"
        if missing
        else "nothing to install"
    )
    if free is None:
        items.append(
            Item(
                id="disk",
                status=WARN,
                title="Free disk",
                rule=rule,
                detail=f"free space not known; {need}",
            )
        )
    else:
        enough = free / 2**20 >= disk_mb
        items.append(
            Item(
                id="disk",
                status=OK if enough else FAIL,
                title="Free disk",
                rule=rule,
                detail=f"{_gb(free / 2**20)} free on {path}; {need}",
                fix=None if enough else ctx.template("free_disk", need=_gb(disk_mb), path=path),
            )
        )
    avail = ctx.facts.get("memory.available_bytes")
    limit = ctx.facts.get("memory.limit_bytes")
    if isinstance(limit, int) and isinstance(avail, int):
        avail = min(avail, limit)
    need = f"the smoke training needs about {_gb(smoke_mb)} on {kind}"
    if avail is None:
        items.append(
            Item(
                id="memory",
                status=WARN,
                title="Free memory",
                rule=rule,
                detail=f"available memory not known; {need}",
            )
        )
    else:
        enough = avail / 2**20 >= smoke_mb
        items.append(
            Item(
                id="memory",
                status=OK if enough else FAIL,
                title="Free memory",
                rule=rule,
                detail=f"{_gb(avail / 2**20)} available; {need}",
                fix=None if enough else ctx.template("free_memory", need=_gb(smoke_mb)),
            )
        )
    return items, set()


# --------------------------------------------------------------------------- smoke and env


def _relevant_runs(ctx: Context) -> list[Any]:
    runs = [
        r
        for r in ctx.smoke
        if r.framework == ctx.framework and (ctx.framework != "keras" or r.backend == ctx.backend)
    ]

    device = ANSWER_DEVICE.get(ctx.accelerator or "cpu", "cpu")
    there = [r for r in runs if r.device == device]
    return there or [r for r in runs if r.device == "cpu"]


def _figure(run: Any) -> str:
    parts = [run.model]
    if run.loss_first is not None and run.loss_last is not None:
        parts.append(f"loss {run.loss_first:.2f} -> {run.loss_last:.2f}")
    if run.accuracy is not None:
        parts.append(f"acc {run.accuracy:.2f}")
    if run.samples_per_s:
        parts.append(f"{throughput(run.samples_per_s)} (smoke figure)")
    return " ".join(parts[:1]) + ": " + ", ".join(parts[1:]) if len(parts) > 1 else parts[0]


def check_smoke(ctx: Context) -> Result:
    title = "Smoke training passed"
    fix = ctx.template("run_smoke", framework=ctx.framework)
    runs = _relevant_runs(ctx)
    if not runs:
        if not all(ctx.installed(fw) for fw in ctx.targets):
            why = "not run: not installed"
        else:
            why = (
                "not run: the facts describe another machine"
                if not ctx.facts.is_local
                else "not run (--no-smoke)"
                if ctx.smoke_note
                else "not run"
            )
        return [
            Item(
                id="smoke",
                status=WARN,
                title=title,
                rule="smoke",
                detail=why,
                fix=fix if ctx.facts.is_local else None,
            )
        ], set()
    failed = [r for r in runs if not r.ok]
    if failed:
        r = failed[0]
        error = r.error
        kind = getattr(error, "kind", None) or "error"
        message = getattr(error, "message", None) or ""
        return [
            Item(
                id="smoke",
                status=FAIL,
                title=title,
                rule=f"smoke:{kind}",
                detail=f"{r.model} on {r.device} failed: {kind}"
                + (f": {message}" if message else ""),
                fix=getattr(error, "fix", None) or fix,
            )
        ], set()
    device = runs[0].device
    cached = " (cached)" if all(getattr(r, "cached", False) for r in runs) else ""
    detail = f"on {device}{cached}: " + "; ".join(_figure(r) for r in runs)
    converged = all(r.converged for r in runs)
    return [
        Item(
            id="smoke",
            status=OK if converged else WARN,
            title=title,
            rule="smoke",
            detail=detail if converged else detail + " (did not converge)",
            fix=None if converged else fix,
        )
    ], set()


def check_env(ctx: Context) -> Result:
    title, rule = "Environment variables", "env"
    if ctx.env is None:
        return [
            Item(
                id="env",
                status=OK,
                title=title,
                rule=rule,
                detail=f"{', '.join(ENV_VARS)}: not known for that machine",
            )
        ], set()
    shown = ", ".join(f"{k}={ctx.env[k]!r}" if k in ctx.env else f"{k} unset" for k in ENV_VARS)
    cvd = ctx.env.get("CUDA_VISIBLE_DEVICES")
    hidden = (
        cvd is not None
        and cvd.strip() in ("", "-1")
        and any(a.get("kind") == "cuda" for a in ctx.facts.accelerators)
    )
    if hidden and ctx.accelerator != "cpu":
        return [
            Item(
                id="env",
                status=WARN,
                title=title,
                rule=rule,
                fix=ctx.template("cuda_visible_devices"),
                detail=f"{shown}: CUDA_VISIBLE_DEVICES hides every NVIDIA GPU",
            )
        ], set()
    return [Item(id="env", status=OK, title=title, rule=rule, detail=shown)], set()


# --------------------------------------------------------------------------- assembly


def _leftover(ctx: Context, covered: set[str]) -> list[Item]:
    """Fired block and warn rules for these frameworks that no check above covered."""
    items = []
    for rule in ctx.rulebase.rules:
        if rule.id not in ctx.fired or rule.id in covered or rule.score:
            continue
        targets = rule.block or rule.warn
        if "all" not in targets and not set(targets) & set(ctx.targets):
            continue
        fail = bool(rule.block) and not rule.block_device
        items.append(
            Item(
                id=f"rule:{rule.id}",
                status=FAIL if fail else WARN,
                title=rule.effect_summary,
                detail=rule.why,
                fix=ctx.rule_fix(rule.id),
                rule=rule.id,
            )
        )
    return items


CHECKS: tuple[Callable[[Context], Result], ...] = (
    check_python,
    check_installed,
    check_build,
    check_avx,
    check_windows_gpu,
    check_macos,
    check_keras,
    check_tf_distributions,
    check_resources,
    check_smoke,
    check_env,
)


def build_checklist(
    *,
    framework: str,
    backend: str | None,
    facts: Any,
    answers: Any,
    rulebase: Any,
    evaluation: Any,
    smoke: Sequence[Any] = (),
    env: Mapping[str, str] | None = None,
    smoke_note: str | None = None,
) -> Checklist:
    """The checklist for ``framework`` (Keras on ``backend``). ``env`` is this machine's
    environment, or None when the facts describe another machine."""
    from recommender.decide.ranking import condition_evaluator

    ctx = Context(
        framework=framework,
        backend=backend if framework == "keras" else None,
        facts=facts,
        answers=answers,
        rulebase=rulebase,
        evaluation=evaluation,
        smoke=tuple(smoke),
        env=env,
        smoke_note=smoke_note,
        fired=frozenset(evaluation.fired),
        condition=condition_evaluator(facts, answers, rulebase),
        gpu_condition=condition_evaluator(
            facts, answers.with_value("accelerator", "nvidia"), rulebase
        ),
        cpu_condition=condition_evaluator(
            facts, answers.with_value("accelerator", "cpu"), rulebase
        ),
    )
    items, covered = [], set()
    for check in CHECKS:
        found, covers = check(ctx)
        items += found
        covered |= covers | {i.rule for i in found}
    items += _leftover(ctx, covered)
    return Checklist(
        framework=framework,
        backend=ctx.backend,
        name=name_of(framework),
        items=tuple(items),
        origin=facts.origin,
    )
