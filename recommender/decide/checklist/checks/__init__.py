"""The registered checks the checklist items name (one module per subject)."""
