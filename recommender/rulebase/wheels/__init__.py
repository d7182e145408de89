"""The wheel matrix: which build of each framework exists for which platform, Python and accelerator (rules/wheels.yaml)."""
