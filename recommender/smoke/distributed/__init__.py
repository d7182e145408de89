"""The distributed smoke: plan the ranks, launch them under the supervisor, compare what they wrote."""
