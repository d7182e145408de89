"""smoke/children stage."""
