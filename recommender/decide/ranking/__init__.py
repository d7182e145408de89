"""The ranking: scores, smoke evidence, Keras backends and ties -> ranked rows."""
