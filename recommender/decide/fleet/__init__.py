"""Fleet recommendations: many machines' facts documents ranked as one fleet.

``dlrec recommend --facts a.json --facts b.json`` (or ``--facts DIR/``: every facts file inside,
sorted by name) ranks each distinct machine, then combines them (``combine``): feasible only
where feasible on every node, the lowest node score, each blocker with its nodes. ``spread``
says how the machines differ, ``report`` holds the values the report prints, and ``document``
is a machine's summary as the JSON a node writes (``dlrec fleet node-recommend``) and the head
folds without evaluating that node again. Pure: ``pipeline/fleet.py`` reads, ``report/`` prints.
"""

from recommender.decide.fleet.combine import Fleet as Fleet
from recommender.decide.fleet.combine import MachineSummary as MachineSummary
from recommender.decide.fleet.combine import summarize as summarize
from recommender.decide.fleet.report import NAMED as NAMED
from recommender.decide.fleet.report import FleetBlocker as FleetBlocker
from recommender.decide.fleet.report import FleetNode as FleetNode
from recommender.decide.fleet.report import FleetReport as FleetReport
from recommender.decide.fleet.report import Lowest as Lowest
from recommender.decide.fleet.report import Spread as Spread
from recommender.decide.fleet.report import named as named
from recommender.decide.fleet.report import spread_lines as spread_lines
