"""Maintainer tools, imported only by the command that runs them (`dlrec rules refresh-wheels`)."""
