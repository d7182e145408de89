"""The checklist items (rules/checklist.yaml): what each item applies to, when, and its outcomes as templates."""
