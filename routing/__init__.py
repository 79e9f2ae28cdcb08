"""Dial-a-ride planning: a pure library (Problem -> solve -> Plan, and an independent check).

Only `routing.engine` imports OR-Tools; nothing here imports the rest of Lifts.
"""

from routing.check import Violation, check
from routing.plan import (
    Objective,
    Plan,
    Reason,
    Route,
    SolverStats,
    StopKind,
    Unserved,
    Visit,
)
from routing.problem import Lock, Need, Problem, Request, Stop, Vehicle, Weights
from routing.solve import solve

__all__ = [
    "Lock", "Need", "Objective", "Plan", "Problem", "Reason", "Request", "Route",
    "SolverStats", "Stop", "StopKind", "Unserved", "Vehicle", "Violation", "Visit", "Weights",
    "check", "solve",
]
