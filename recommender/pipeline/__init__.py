"""Request -> Outcome: the one orchestration, for one machine (``machine.py``: ``recommend``,
``checklist``, ``diagnose``) or a fleet (``fleet.py``: several facts files, and a node's own
stamped recommendation document). ``request.py`` holds the values in and out. Nothing here
prints; ``decide/`` stays pure.
"""

from recommender.pipeline.fleet import node_recommendation as node_recommendation
from recommender.pipeline.machine import Made as Made
from recommender.pipeline.machine import checklist as checklist
from recommender.pipeline.machine import diagnose as diagnose
from recommender.pipeline.machine import recommend as recommend
from recommender.pipeline.request import Outcome as Outcome
from recommender.pipeline.request import Request as Request
from recommender.pipeline.request import TryHooks as TryHooks
