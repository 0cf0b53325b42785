"""Helpers of deploy/bench.py: processes, wire clients, load generators, peers and the report."""
