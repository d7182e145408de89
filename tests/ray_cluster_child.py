"""A real two-node Ray cluster for the tests (tests/engines.py starts this as its own process).

Head on 127.0.0.2, worker on 127.0.0.3 (Ray replaces 127.0.0.1 with the machine's address,
ray-project/ray#26293), one CPU each, no dashboard. Writes the head's address to argv[1] once
both nodes are up; kills the worker node on a "remove-worker" line and starts a
new one on "add-worker" (after the Nth line it writes argv[1].N); shuts the cluster down when its stdin closes.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


def main() -> int:
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True,
        connect=False,
        head_node_args={
            "num_cpus": 1,
            "node_ip_address": "127.0.0.2",
            "include_dashboard": False,
        },
    )
    try:
        worker = cluster.add_node(num_cpus=1, node_ip_address="127.0.0.3")
        cluster.wait_for_nodes()
        tmp = sys.argv[1] + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(cluster.address)
        os.replace(tmp, sys.argv[1])
        for n, line in enumerate(sys.stdin):  # until the fixture closes our stdin
            if line.strip() == "remove-worker" and worker is not None:
                cluster.remove_node(worker, allow_graceful=False)  # the node dies
                worker = None
            elif line.strip() == "add-worker" and worker is None:
                worker = cluster.add_node(num_cpus=1, node_ip_address="127.0.0.3")
                cluster.wait_for_nodes()
            open(f"{sys.argv[1]}.{n}", "w").close()  # the fixture waits for this
    finally:
        cluster.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
