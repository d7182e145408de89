"""The rule base by digest: what a node's own recommendation is stamped with, so the head folds
it only where the node read the very rules the head reads (``facts/fleet.py: node_document``)."""

from __future__ import annotations

import hashlib
import os

from recommender.rulebase.load import BUNDLED_FILES, RuleBase, bundled_dir


def rules_digest(rulebase: RuleBase) -> str:
    """A digest of the rule base's files (the bundled folder's and the overlays') and dlrec's
    version; memoised on the rule base."""
    from recommender import __version__

    def make() -> str:
        digest = hashlib.sha256(f"dlrec {__version__} rules\0".encode())
        folder = bundled_dir()
        bundled = sorted(str(p) for p in folder.iterdir() if p.is_file())
        for path in (*bundled, *rulebase.files[len(BUNDLED_FILES) :]):
            digest.update(f"{os.path.basename(path)}\0".encode())
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                data = b"\0missing"
            digest.update(f"{len(data)}\0".encode())
            digest.update(data)
        return digest.hexdigest()

    return rulebase.memo("node-documents: rules digest", make)
