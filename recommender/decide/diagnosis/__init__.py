"""A paste's findings: what the text proves is wrong, each with its proving lines and one fix.

Three sources, in this order: the checklist items of each framework the paste shows (their fixes
come from the install planner), the known error messages found in the text
(rules/signatures.yaml), and what only a paste can show (WSL 1, a library whose prebuilt kernels
skip the GPU, two blocks that disagree). One finding per diagnosis category; a later source adds
its lines to an earlier finding of the same category instead of repeating it. Pure: values in,
values out.
"""

from recommender.decide.diagnosis._paste import shows_gpu as shows_gpu
from recommender.decide.diagnosis.combine import diagnose as diagnose
from recommender.decide.diagnosis.findings import Diagnosis as Diagnosis
from recommender.decide.diagnosis.findings import Finding as Finding
from recommender.decide.diagnosis.findings import Quote as Quote
