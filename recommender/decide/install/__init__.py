"""The install planner: a machine and the wheel matrix -> one install command per framework (plan, search, fit, reinstall), and the plans two machines differ by."""
