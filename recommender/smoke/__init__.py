"""smoke stage."""
