"""Readers of pasted reports, one module per format (collect_env today), each -> a facts document."""
