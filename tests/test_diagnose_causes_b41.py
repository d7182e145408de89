"""Session 41, engineer B: version pairs an installer states itself (issue 21, version-mismatch).

A resolver that refuses a set of versions names both sides (pip's ``The conflict is caused by:``,
uv's ``Because ... depends on ... we can conclude``); two requirements on one package that no
release meets at once are the cause, a fail. pip's after-install check naming a framework pinned
exactly, with another release installed, is a warning. Every text here is written for the test
(other versions, tools, prefixes and wordings than the corpus), each with a healthy counterpart.
"""

from __future__ import annotations

from recommender.facts.reports.resolver import Need, read, requirement
from tests.pastes import block_facts, fails, statuses
from tests.pastes import read as diagnose_text

PIP_TORCHAUDIO = """\
$ pip install torch==2.4.0 torchaudio==2.3.1 --index-url https://download.pytorch.org/whl/cu121
ERROR: Cannot install torch==2.4.0 and torchaudio==2.3.1 because these package versions have conflicting dependencies.

The conflict is caused by:
    The user requested torch==2.4.0
    torchaudio 2.3.1+cu121 depends on torch==2.3.1

To fix this you could try to:
1. loosen the range of package versions you've specified
2. remove package versions to allow pip attempt to solve the dependency conflict

ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts
"""

#: A docker build's prefixes, a constraint file, and a library pinning torch (not a companion).
PIP_DOCKER = """\
#9 41.02 ERROR: Cannot install -r requirements.txt (line 3) and xformers==0.0.23 because these package versions have conflicting dependencies.
#9 41.02 The conflict is caused by:
#9 41.02     xformers 0.0.23 depends on torch==2.1.1
#9 41.02     The user requested (constraint) torch==2.0.1
#9 41.03 ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts
"""

#: Ranges joined with " and " and a marker, against the user's exact pin.
PIP_RANGES = """\
ERROR: Cannot install tensorflow==2.12.0 and tensorflow-text==2.15.0 because these package versions have conflicting dependencies.
The conflict is caused by:
    The user requested tensorflow==2.12.0
    tensorflow-text 2.15.0 depends on tensorflow<2.16 and >=2.15.0; platform_machine != "arm64" or platform_system != "Darwin"
"""

UV_WRAPPED = """\
$ uv pip install vllm==0.4.2 torch==2.2.2
  × No solution found when resolving dependencies:
  ╰─▶ Because vllm==0.4.2 depends on torch{platform_machine != 'aarch64'}==2.3.0 and you
      require torch==2.2.2, we can conclude that vllm==0.4.2 cannot be used.
      And because you require vllm==0.4.2, we can conclude that your requirements are
      unsatisfiable.
"""

UV_TWO_PACKAGES = """\
  × No solution found when resolving dependencies:
  ╰─▶ Because torchvision==0.17.0 depends on torch==2.2.0 and myproj==0.1.0 depends on torch==2.1.2, we can conclude that torchvision==0.17.0 and myproj==0.1.0 are incompatible.
      And because only myproj==0.1.0 is available and you require myproj, we can conclude that your requirements are unsatisfiable.
"""


def test_pip_refusing_torch_with_another_torchaudio_names_the_pair_and_the_line():
    result = diagnose_text(PIP_TORCHAUDIO)
    assert "version-mismatch" in fails(PIP_TORCHAUDIO)
    found = next(f for f in result.findings if f.id == "resolver:refused-torch")
    assert [q.line for q in found.quotes] == [5, 6]
    assert "torchaudio 2.4" in (found.fix or "")


def test_pip_in_a_docker_build_with_a_constraint_is_read():
    result = diagnose_text(PIP_DOCKER)
    found = next(f for f in result.findings if f.id == "resolver:refused-torch")
    assert found.status == "fail"
    assert "xformers 0.0.23 needs torch==2.1.1" in found.detail
    assert "torch==2.0.1" in found.detail


def test_pip_ranges_joined_with_and_against_an_exact_request():
    assert "version-mismatch" in fails(PIP_RANGES)


def test_uv_wrapped_with_markers_and_you_require():
    result = diagnose_text(UV_WRAPPED)
    found = next(f for f in result.findings if f.id == "resolver:refused-torch")
    assert found.status == "fail" and "uv" in found.title
    assert {q.line for q in found.quotes} <= {3, 4}


def test_uv_two_packages_pinning_one_torch_each():
    assert "version-mismatch" in fails(UV_TWO_PACKAGES)


def test_the_reader_keeps_each_side():
    facts = block_facts(read(PIP_TORCHAUDIO.splitlines()))
    assert set(facts.values()) == {
        Need("pip", "torch", "==2.4.0"),
        Need("pip", "torch", "==2.3.1", by="torchaudio", by_version="2.3.1+cu121"),
    }
    assert requirement("huggingface_hub<1.0 and >=0.30.0; python_version >= '3.8'") == (
        "huggingface-hub",
        "<1.0,>=0.30.0",
    )


# Healthy counterparts: the same tools when nothing excludes anything.

PIP_SAME_PIN = """\
ERROR: Cannot install torch==2.1.1 and torchvision==0.16.1 because these package versions have conflicting dependencies.
The conflict is caused by:
    The user requested torch==2.1.1
    torchvision 0.16.1 depends on torch==2.1.1
"""

PIP_BACKTRACKING = """\
Collecting torch==2.2.1
  Downloading torch-2.2.1-cp310-cp310-manylinux1_x86_64.whl (755.5 MB)
INFO: pip is looking at multiple versions of torchvision to determine which version is compatible with other requirements. This could take a while.
Collecting torchvision==0.17.1
Successfully installed torch-2.2.1 torchvision-0.17.1
"""

UV_NO_WHEEL = """\
  × No solution found when resolving dependencies:
  ╰─▶ Because torch==2.5.1 has no wheels with a matching platform tag and you require torch==2.5.1, we can conclude that your requirements are unsatisfiable.
"""

PROSE = """\
Because torchvision 0.17 depends on torch 2.2 I installed both together and everything works:
torch 2.2.1, torchvision 0.17.1.
"""

#: pip's after-install check on a pin that is not a framework's (torch pins triton).
PIP_CHECK_TRITON = """\
ERROR: pip's dependency resolver does not currently take into account all the packages that are installed. This behaviour is the source of the following dependency conflicts.
torch 2.3.0 requires triton==2.3.0, but you have triton 3.0.0 which is incompatible.
"""


def test_overlapping_requirements_are_not_a_pair():
    """Both sides ask for torch 2.1.1: the resolver refused for another reason (no such build)."""
    result = diagnose_text(PIP_SAME_PIN)
    assert result is None or not any(f.id.startswith("resolver:") for f in result.findings)


def test_quiet_where_the_resolver_succeeds_or_names_no_pair():
    for text in (PIP_BACKTRACKING, UV_NO_WHEEL, PROSE, PIP_CHECK_TRITON):
        result = diagnose_text(text)
        assert result is None or not any(f.id.startswith("resolver:") for f in result.findings), (
            text
        )


# pip's after-install check: a framework pinned exactly, another release installed.

PIP_OLD_CHECK = """\
ERROR: torchvision 0.9.1 has requirement torch==1.8.1, but you'll have torch 1.8.0 which is incompatible.
"""
PIP_CHECK_SAME = """\
ERROR: pip's dependency resolver does not currently take into account all the packages that are installed. This behaviour is the source of the following dependency conflicts.
torchvision 0.18.0 requires torch==2.3.0, but you have torch 2.3.0+cu121 which is incompatible.
"""


def test_a_framework_pinned_exactly_with_another_installed_warns():
    result = diagnose_text(PIP_OLD_CHECK)
    assert "warn" in statuses(result, "version-mismatch")
    found = next(f for f in result.findings if f.id == "resolver:pin-torchvision-torch")
    assert "torch 1.8.0 is installed" in found.detail


def test_the_same_release_with_a_local_label_is_no_finding():
    result = diagnose_text(PIP_CHECK_SAME)
    assert not any(f.id.startswith("resolver:pin-") for f in result.findings)


# pip's cause lines as people paste them: without the header, or with a cause naming no specifier.

PIP_CAUSES_ALONE = """\
I get this when installing the requirements:
    The user requested torch==2.3.1
    torchaudio 2.4.0 depends on torch==2.4.0
"""
PIP_CAUSES_ALONE_AGREEING = """\
    The user requested torch==2.3.1
    torchaudio 2.3.1 depends on torch==2.3.1
"""
PIP_UNVERSIONED_CAUSE = """\
ERROR: Cannot install -r requirements.txt (line 9) and torch==2.5.1 because these package versions have conflicting dependencies.
The conflict is caused by:
    The user requested torch==2.5.1
    timm 1.0.12 depends on torch
    torchvision 0.19.1 depends on torch==2.4.1
"""


def test_cause_lines_pasted_without_the_header_are_read():
    assert "version-mismatch" in fails(PIP_CAUSES_ALONE)
    result = diagnose_text(PIP_CAUSES_ALONE_AGREEING)
    assert result is None or not any(f.id.startswith("resolver:") for f in result.findings)


def test_a_cause_naming_no_specifier_does_not_end_the_block():
    result = diagnose_text(PIP_UNVERSIONED_CAUSE)
    found = next(f for f in result.findings if f.id == "resolver:refused-torch")
    assert [q.line for q in found.quotes] == [3, 5]


# PyG's extensions: a release never built for a torch older than the lines its README names.

PYG_OLDER_TORCH = """\
$ pip freeze | grep torch
torch==1.10.2+cu113
torch-geometric==2.2.0
torch-scatter==2.1.0
torch-sparse==0.6.13
"""
PYG_NEWER_TORCH = """\
$ pip freeze | grep torch
torch==1.13.1+cu117
torch-scatter==2.0.9
torch-sparse==0.6.16
"""


def test_a_pyg_release_next_to_an_older_torch_warns_and_names_the_page():
    result = diagnose_text(PYG_OLDER_TORCH)
    found = next(f for f in result.findings if f.id == "pyg-wheels:torch-scatter")
    assert found.status == "warn" and found.category == "version-mismatch"
    assert "torch 1.12 and 1.13" in found.detail
    assert "torch-1.10.0+cu113.html" in (found.fix or "")
    assert not any(f.id == "pyg-wheels:torch-sparse" for f in result.findings)


def test_a_pyg_release_next_to_a_newer_torch_is_left_alone():
    """PyG adds builds of a release for newer torch later: 2.0.9 was built for 1.13 after its README."""
    result = diagnose_text(PYG_NEWER_TORCH)
    assert not any(f.id.startswith("pyg-wheels:") for f in result.findings)
