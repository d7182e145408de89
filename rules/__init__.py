"""The bundled rule base: data files (YAML) read by recommender/rulebase.py, never imported code."""
