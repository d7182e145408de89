"""rules/wheels.yaml loader: the bundled matrix loads, and every kind of bad file is refused in
one line that names file:line and the key (unknown keys, versions, specifiers, sources, dates)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from recommender.core.catalog import Accelerator, Platform
from recommender.core.errors import BadInputError
from recommender.rulebase.wheels.load import BUNDLED_WHEELS, load_wheels

MINIMAL = Path(__file__).resolve().parent / "fixtures" / "wheels" / "minimal.yaml"
TEXT = MINIMAL.read_text(encoding="utf-8")


def _load_text(tmp_path: Path, text: str):
    path = tmp_path / "wheels.yaml"
    path.write_text(text, encoding="utf-8")
    return load_wheels(path), path


def _refused(tmp_path: Path, old: str, new: str) -> tuple[str, Path]:
    assert old in TEXT, old
    path = tmp_path / "wheels.yaml"
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(BadInputError) as info:
        load_wheels(path)
    message = info.value.format_message()
    assert "\n" not in message
    return message, path


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_bundled_matrix_loads_and_every_row_is_cited():
    matrix = load_wheels()
    assert matrix.file == str(BUNDLED_WHEELS)
    rows = [
        *matrix.releases,
        *matrix.cuda_drivers,
        *matrix.minor_compat,
        *matrix.builds,
        *matrix.no_build,
    ]
    assert len(rows) > 100
    for row in rows:
        assert row.source, row
        assert all(matrix.sources[s].url.startswith("https://") for s in row.source)
        assert row.verified.year >= 2026


def test_bundled_driver_table_goes_back_to_cuda_9():
    matrix = load_wheels()
    cudas = {str(d.cuda) for d in matrix.cuda_drivers}
    wanted = (
        {
            "9.0",
            "9.1",
            "9.2",
            "10.0",
            "10.1",
            "10.2",
            "11.0",
            "11.8",
            "12.0",
            "12.9",
            "13.0",
            "13.1",
            "13.2",
        }
        | {f"11.{m}" for m in range(9)}
        | {f"12.{m}" for m in (0, 1, 2, 3, 4, 5, 6, 8, 9)}
    )
    assert wanted <= cudas
    assert all(d.linux for d in matrix.cuda_drivers)


def test_bundled_torch_variants_include_the_historical_ones():
    rows = {b.row for b in load_wheels().builds}
    assert {
        "cu92",
        "cu101",
        "cu102",
        "cu110",
        "cu111",
        "cu113",
        "cu116",
        "cu117",
        "cu118",
        "cu121",
        "cu124",
        "cu126",
        "cu129",
        "cu130",
        "cu132",
    } <= rows


def test_bundled_stale_compat_values_are_fixed():
    matrix = load_wheels()
    torch = {str(r.line): r for r in matrix.lines("torch")}
    for line in ("2.13", "2.14"):
        assert not torch[line].python_for(Platform.LINUX_X86_64).contains("3.15")
    assert torch["2.15"].python_for(Platform.LINUX_X86_64).contains("3.15")
    keras = {str(r.line): r for r in matrix.lines("keras")}
    assert not keras["3.13"].python_for(Platform.ANY).contains("3.10")
    assert keras["3.12"].python_for(Platform.ANY).contains("3.10")
    mps = next(b for b in matrix.builds if b.row == "torch-mps")
    assert str(mps.macos_min) == "14.0" and mps.accelerator is Accelerator.MPS


def test_minimal_fixture_loads(tmp_path):
    matrix, _ = _load_text(tmp_path, TEXT)
    assert [b.row for b in matrix.builds] == ["cu126"]


def test_unknown_key_names_file_line_key_and_what_is_allowed(tmp_path):
    message, path = _refused(tmp_path, "python: {linux_x86_64", "pyhton: {linux_x86_64")
    line = _line(TEXT, "pyhton") if "pyhton" in TEXT else _line(TEXT, "package: torch, line:")
    assert message.startswith(f"{path}:{line}: releases[0].pyhton: unknown key (allowed: ")
    assert "python" in message


def test_unknown_top_level_key(tmp_path):
    message, path = _refused(tmp_path, "schema: 1", "schema: 1\nwheelz: []")
    assert message.startswith(f"{path}:3: wheelz: unknown key (allowed: schema, verified")


def test_unknown_platform_key(tmp_path):
    message, _ = _refused(tmp_path, '{linux_x86_64: ">=3.10', '{linux_x86: ">=3.10')
    assert "releases[0].python.linux_x86: unknown key (allowed: linux_x86_64" in message


def test_bad_version_spec(tmp_path):
    message, path = _refused(tmp_path, '">=3.10,<3.15"', '">=3.x"')
    line = _line(TEXT, "package: torch, line:")
    assert message.startswith(f"{path}:{line}: releases[0].python.linux_x86_64: ")
    assert "'>=3.x' is not a PEP 440 specifier" in message


def test_bad_version(tmp_path):
    message, _ = _refused(tmp_path, 'newest: "2.14.1"', 'newest: "two"')
    assert "releases[0].newest: 'two' is not a PEP 440 version" in message


def test_unquoted_version_is_refused(tmp_path):
    message, _ = _refused(tmp_path, 'line: "2.14"', "line: 2.14")
    assert "releases[0].line: expected a version string (quote it)" in message


def test_missing_source(tmp_path):
    message, path = _refused(
        tmp_path, 'arches: ["5.0", "9.0"], source: [pypi-torch], ', 'arches: ["5.0", "9.0"], '
    )
    assert message.startswith(f"{path}:{_line(TEXT, 'row: cu126')}: builds[0].source: missing")


def test_unknown_source_id(tmp_path):
    message, _ = _refused(tmp_path, "source: [notes]", "source: [nvidia-notes]")
    assert "cuda_drivers[0].source: 'nvidia-notes' is not defined under sources:" in message


def test_source_must_be_a_url(tmp_path):
    message, _ = _refused(tmp_path, '"https://pypi.org/project/torch/#files"', '"pypi.org/torch"')
    assert "sources.pypi-torch.url: 'pypi.org/torch' is not an https:// URL" in message


@pytest.mark.parametrize("date", ["2024-02-30", '"2024-02-30"', "2024-13-01", '"yesterday"'])
def test_bad_verified_date_is_one_line_not_a_crash(tmp_path, date):
    old = "source: [pypi-torch], verified: 2026-12-01}\ncuda_drivers"
    new = f"source: [pypi-torch], verified: {date}}}\ncuda_drivers"
    message, path = _refused(tmp_path, old, new)
    line = _line(TEXT, "package: torch, line:")
    assert re.match(
        rf"{re.escape(str(path))}:{line}: releases\[0\]\.verified: .* is not a "
        r"valid date \(YYYY-MM-DD\)$",
        message,
    ), message


def test_top_level_verified_date(tmp_path):
    message, path = _refused(
        tmp_path, "verified: 2026-12-01\nsources", "verified: 2026-02-30\nsources"
    )
    assert message.startswith(f"{path}:3: verified: '2026-02-30' is not a valid date")


def test_schema_version(tmp_path):
    message, _ = _refused(tmp_path, "schema: 1", "schema: 2")
    assert "schema: 2 is not supported (allowed: 1)" in message


def test_unknown_accelerator_and_platform_values(tmp_path):
    message, _ = _refused(tmp_path, "accelerator: nvidia", "accelerator: cuda")
    assert "builds[0].accelerator: 'cuda' is not allowed (allowed: nvidia, amd, apple" in message
    message, _ = _refused(
        tmp_path, "platforms: [linux_x86_64], index_url", "platforms: [linux], index_url"
    )
    assert "builds[0].platforms: 'linux' is not a platform" in message


def test_field_for_another_accelerator(tmp_path):
    message, _ = _refused(tmp_path, 'arches: ["5.0", "9.0"]', 'arches: ["5.0"], gfx: [gfx90a]')
    assert "builds[0].gfx: only builds for accelerator amd take this key" in message


def test_nvidia_build_needs_cuda(tmp_path):
    message, _ = _refused(tmp_path, 'cuda: "12.6", arches', "arches")
    assert "builds[0].cuda: NVIDIA builds need the CUDA version" in message


def test_index_url_must_be_https(tmp_path):
    message, _ = _refused(tmp_path, '"https://download.pytorch.org/whl/cu126"', '"http://x/cu126"')
    assert "builds[0].index_url: 'http://x/cu126' is not an https:// URL" in message


def test_build_for_a_package_without_releases(tmp_path):
    message, _ = _refused(tmp_path, "package: torch, releases:", "package: torchy, releases:")
    assert "builds[0].package: 'torchy' has no releases rows" in message


def test_duplicate_rows_and_keys(tmp_path):
    release = TEXT.split("releases:\n", 1)[1].split("\n", 1)[0]
    message, _ = _refused(tmp_path, release, f"{release}\n{release}")
    assert "releases[1]: duplicate row" in message
    message, _ = _refused(tmp_path, "row: cu126, framework:", "row: cu126, row: cu127, framework:")
    assert "duplicate key 'row'" in message


def test_missing_table(tmp_path):
    message, _ = _refused(tmp_path, "cuda_minor_compat:\n", "cuda_minor_compat_old:\n")
    assert "unknown key" in message or "missing table" in message


def test_not_a_file(tmp_path):
    with pytest.raises(BadInputError) as info:
        load_wheels(tmp_path / "absent.yaml")
    assert "no such file" in info.value.format_message()
