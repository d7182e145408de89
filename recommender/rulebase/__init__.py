"""rules/*.yaml -> typed, validated values: the rule language (conditions), rules, sources, questions, tables, the wheel matrix and the checklist items."""
