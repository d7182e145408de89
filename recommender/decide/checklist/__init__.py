"""The checklist: items (data) evaluated against the facts, answers and smoke results, with the registered checks in checks/."""
