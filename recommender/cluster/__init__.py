"""Clusters through the engines they already run: Slurm (srun) and Ray, one task per node."""
