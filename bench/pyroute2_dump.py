#!/usr/bin/env python3
"""pyroute2 peer of bench/workload.ts `list`: dump the IPv4 routes of every table into a list
of messages (each parsed by pyroute2), print how many. Run by bench/bench.ts inside a benchmark
namespace with the distribution's python3 (python3-pyroute2)."""
import socket
import sys

from pyroute2 import IPRoute

with IPRoute() as ipr:
    routes = list(ipr.route("dump", family=socket.AF_INET))
n = sum(1 for r in routes if r.get("event") == "RTM_NEWROUTE")
print(f"pyroute2 msgs={n}")
sys.stdout.flush()
