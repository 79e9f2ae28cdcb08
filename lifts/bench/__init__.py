"""Benchmark runners for the routing library (`lifts bench darp|rural`)."""
