"""What a diagnosis consults besides the paste, as values: the known messages
(``rules/signatures.yaml``, their patterns checked for linear time), the generated package tables
(which releases of a library ship a wheel for each platform, ``rules/platform_wheels.yaml``; the
framework release each companion release pins, ``rules/companions.yaml``), the hardware tables
(``rules/gpus.yaml``, ``rules/rocm.yaml``) and the rule base. Loaded once by the run that owns
them (``dlrec diagnose``, a scoring of the corpus, a test session) and passed down; no module
keeps them (STYLE: no hidden state)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from recommender.facts.reports.anchor_index import AnchorIndex
from recommender.facts.reports.signatures import Signature, load_signatures, signatures_index
from recommender.facts.reports.tables import HardwareTables, load_hardware_tables
from recommender.rulebase import companions, platform_wheels
from recommender.rulebase.companions import Pins
from recommender.rulebase.load import load_rulebase
from recommender.rulebase.model import RuleBase
from recommender.rulebase.platform_wheels import Library


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageTables:
    """Both generated package tables, read and validated."""

    #: library name -> its releases and wheels per platform
    wheels: Mapping[str, Library]
    #: package -> release -> {required package: specifier}
    pins: Pins
    #: package -> the URL its pins were read from
    pin_sources: Mapping[str, str]


def load_package_tables() -> PackageTables:
    """Read and validate both bundled tables (each call reads the files)."""
    pins, sources = companions.load()
    return PackageTables(wheels=platform_wheels.load(), pins=pins, pin_sources=sources)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reference:
    """Everything a diagnosis reads besides the paste."""

    #: The bundled signatures, read and validated once for the run (each pattern's linear-time
    #: check and compilation is the largest part of a load).
    signatures: tuple[Signature, ...]
    #: Their anchors' index, made with them; its one-pass scan (a compile of every anchor at
    #: once) is built by the first paste that needs it and kept by the index (anchor_index.py).
    signature_index: AnchorIndex
    rulebase: RuleBase
    hardware: HardwareTables
    packages: PackageTables


def load_reference(rules_files: Sequence[str | os.PathLike[str]] = ()) -> Reference:
    """The bundled signatures, rule base (with ``rules_files``' overlays) and tables."""
    signatures = load_signatures()
    return Reference(
        signatures=signatures,
        signature_index=signatures_index(signatures),
        rulebase=load_rulebase(rules_files),
        hardware=load_hardware_tables(),
        packages=load_package_tables(),
    )


__all__ = ["PackageTables", "Reference", "load_package_tables", "load_reference"]
