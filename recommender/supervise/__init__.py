"""The one supervisor of every child process dlrec starts (probes' tools, smoke children, ranks), and the parent watch its own children run."""
