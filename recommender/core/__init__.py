"""The base layer: every closed set (catalog), errors and exit codes, documents, atomic writes, frozen values and text helpers. Imports no stage."""
