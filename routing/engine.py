"""The OR-Tools routing model (the only module of `routing` using its routing library;
CP-SAT serves `routing/pool.py`).

A sub-problem (some requests, some vehicles) becomes a RoutingModel with every cost and
transit registered as a matrix (no Python callback during search), a drop penalty on every
node, tightened windows, and ride times enforced twice: by the native pickup-to-delivery
limit, which the local-search filters understand, and by solver constraints, because the
native limit alone lets LNS moves and returned cumuls break it (ecosystem.md §9).

Internally a stop is a *code*: 2 * request index + 0 (pickup) or 1 (drop-off). Codes and
node numbers never leave the package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from routing.problem import Problem, Stop, Weights
from routing.windows import tightened_windows

_FIRST = routing_enums_pb2.FirstSolutionStrategy
_META = routing_enums_pb2.LocalSearchMetaheuristic
_TRUE = optional_boolean_pb2.BOOL_TRUE
_FALSE = optional_boolean_pb2.BOOL_FALSE


@dataclass(frozen=True)
class Limits:
    """When a sub-solve stops: wall-clock seconds, and optionally a solution count."""

    seconds: float
    solutions: int | None = None
    lambda_coefficient: float = 0.3
    greedy: bool = False  # plain descent to a local optimum instead of guided local search
    off: tuple[str, ...] = ()  # local-search operators to switch off


@dataclass(frozen=True)
class Solution:
    """Routes as codes per vehicle index, with service start times and leave/return times."""

    routes: dict[int, list[int]]
    times: dict[int, list[int]]
    spans: dict[int, tuple[int, int]]
    objective: int


def node_penalty(problem: Problem, weights: Weights) -> int:
    """Drop penalty per node: above any insertion detour unless the caller set one."""
    if weights.unserved is not None:
        return max(1, weights.unserved // 2)
    factor = max((v.cost_per_distance for v in problem.vehicles), default=1.0)
    return int(20 * factor * int(problem.distances.max()) + 1000)


class _Model:
    """One RoutingModel over `requests` x `vehicles` of `problem`."""

    def __init__(self, problem: Problem, weights: Weights, requests: Sequence[int],
                 vehicles: Sequence[int]) -> None:
        self.problem, self.requests, self.vehicles = problem, list(requests), list(vehicles)
        n_stops, n_veh = 2 * len(self.requests), len(self.vehicles)
        self.codes = [2 * r + k for r in self.requests for k in (0, 1)]
        self.node_of = {code: i for i, code in enumerate(self.codes)}
        locs = [self._stop(c).location for c in self.codes]
        locs += [problem.vehicles[v].start for v in self.vehicles]
        locs += [problem.vehicles[v].end for v in self.vehicles]
        self.locs = np.asarray(locs, dtype=np.int64)
        starts = list(range(n_stops, n_stops + n_veh))
        ends = list(range(n_stops + n_veh, n_stops + 2 * n_veh))
        self.manager = pywrapcp.RoutingIndexManager(len(locs), n_veh, starts, ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._keep: list[object] = []  # Python callables the C++ side must not outlive
        self._costs(weights)
        self._time()
        self._seats()
        self._pairs(node_penalty(problem, weights))
        self._vehicle_rules()

    def _stop(self, code: int) -> Stop:
        request = self.problem.requests[code // 2]
        return request.dropoff if code % 2 else request.pickup

    def _index(self, node: int) -> int:
        return int(self.manager.NodeToIndex(node))

    def _sub(self, matrix: np.ndarray) -> list[list[int]]:
        return matrix[np.ix_(self.locs, self.locs)].tolist()  # type: ignore[no-any-return]

    def _costs(self, weights: Weights) -> None:
        distance = self.problem.distances
        by_factor: dict[float, int] = {}
        for j, v in enumerate(self.vehicles):
            factor = self.problem.vehicles[v].cost_per_distance
            if factor not in by_factor:
                scaled = np.rint(distance * factor).astype(np.int64)
                by_factor[factor] = self.routing.RegisterTransitMatrix(self._sub(scaled))
            self.routing.SetArcCostEvaluatorOfVehicle(by_factor[factor], j)
        if weights.fairness > 0:
            plain = self.routing.RegisterTransitMatrix(self._sub(distance))
            self.routing.AddDimension(plain, 0, int(distance.max()) * len(self.locs), True,
                                      "Distance")
            dim = self.routing.GetDimensionOrDie("Distance")
            dim.SetGlobalSpanCostCoefficient(weights.fairness)

    def _time(self) -> None:
        p = self.problem
        service = [self._stop(c).service for c in self.codes] + [0] * (2 * len(self.vehicles))
        transit = p.durations[np.ix_(self.locs, self.locs)] + np.asarray(service)[:, None]
        windows = tightened_windows(p)
        horizon = max([v.shift_end for v in p.vehicles] + [w[1] for w in windows.values()]) + 1
        callback = self.routing.RegisterTransitMatrix(transit.tolist())
        self.routing.AddDimension(callback, horizon, horizon, False, "Time")
        self.time = self.routing.GetDimensionOrDie("Time")
        for node, code in enumerate(self.codes):
            lo, hi = windows[code]
            self.time.CumulVar(self._index(node)).SetRange(lo, hi)
        for j, v in enumerate(self.vehicles):
            vehicle = p.vehicles[v]
            for index in (self.routing.Start(j), self.routing.End(j)):
                self.time.CumulVar(index).SetRange(vehicle.shift_start, vehicle.shift_end)
            if vehicle.max_duration is not None:
                self.time.SetSpanUpperBoundForVehicle(vehicle.max_duration, j)
            # Tight reported times: leave home as late and come back as early as possible.
            self.routing.AddVariableMaximizedByFinalizer(self.time.CumulVar(self.routing.Start(j)))
            self.routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(self.routing.End(j)))

    def _seats(self) -> None:
        demand = [0] * len(self.locs)
        for node, code in enumerate(self.codes):
            seats = self.problem.requests[code // 2].seats
            demand[node] = -seats if code % 2 else seats
        callback = self.routing.RegisterUnaryTransitVector(demand)
        capacities = [self.problem.vehicles[v].seats for v in self.vehicles]
        self.routing.AddDimensionWithVehicleCapacity(callback, 0, capacities, True, "Seats")

    def _pairs(self, penalty: int) -> None:
        solver = self.routing.solver()
        for pair, r in enumerate(self.requests):
            request = self.problem.requests[r]
            p, d = self._index(self.node_of[2 * r]), self._index(self.node_of[2 * r + 1])
            self.routing.AddPickupAndDelivery(p, d)
            solver.Add(self.routing.VehicleVar(p) == self.routing.VehicleVar(d))
            solver.Add(self.time.CumulVar(p) <= self.time.CumulVar(d))
            locked = self.problem.lock_of(request.id) is not None
            for index in (p, d):
                self.routing.AddDisjunction([index], penalty * (10 if locked else 1))
            if request.max_ride is not None:
                limit = request.max_ride + request.pickup.service

                def fn(_p: int, _d: int, limit: int = limit) -> int:
                    return limit

                self._keep.append(fn)
                self.time.SetPickupToDeliveryLimitFunctionForPair(fn, pair)
                solver.Add(self.time.CumulVar(d) - self.time.CumulVar(p) <= limit)

    def _vehicle_rules(self) -> None:
        p, routing, solver = self.problem, self.routing, self.routing.solver()
        local_vehicle = {v: j for j, v in enumerate(self.vehicles)}
        ordered: dict[int, list[tuple[int, int]]] = {}
        for r in self.requests:
            request = p.requests[r]
            lock = p.lock_of(request.id)
            allowed = [j for j, v in enumerate(self.vehicles) if p.vehicles[v].can_carry(request)]
            if lock is not None:
                fixed = local_vehicle.get(p.vehicle_index(lock.vehicle))
                allowed = [j for j in allowed if j == fixed]
                if lock.position is not None and fixed is not None:
                    ordered.setdefault(fixed, []).append((lock.position, r))
            if len(allowed) < len(self.vehicles):
                for code in (2 * r, 2 * r + 1):
                    # SetAllowedVehiclesForIndex fails in the 9.15 wrapper; -1 keeps it droppable.
                    routing.VehicleVar(self._index(self.node_of[code])).SetValues([-1, *allowed])
            partner = request.linked
            if partner is not None and 2 * p.request_index(partner) in self.node_of:
                a = routing.VehicleVar(self._index(self.node_of[2 * r]))
                b = routing.VehicleVar(self._index(self.node_of[2 * p.request_index(partner)]))
                # Same driver when both are served; a lone half is removed after the solve.
                solver.Add((a - b) * (a + 1) * (b + 1) == 0)
        for locked in ordered.values():
            locked.sort()
            for (_, first), (_, second) in zip(locked, locked[1:], strict=False):
                solver.Add(self.time.CumulVar(self._index(self.node_of[2 * first]))
                           <= self.time.CumulVar(self._index(self.node_of[2 * second])))

    def parameters(self, limits: Limits) -> pywrapcp.DefaultRoutingSearchParameters:
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = _FIRST.PARALLEL_CHEAPEST_INSERTION
        params.local_search_metaheuristic = (
            _META.GREEDY_DESCENT if limits.greedy else _META.GUIDED_LOCAL_SEARCH)
        params.guided_local_search_lambda_coefficient = limits.lambda_coefficient
        ops = params.local_search_operators
        ops.use_relocate_path_global_cheapest_insertion_insert_unperformed = _TRUE
        for name in limits.off:
            setattr(ops, name, _FALSE)
        params.time_limit.FromMilliseconds(max(1, int(limits.seconds * 1000)))
        if limits.solutions is not None:
            params.solution_limit = limits.solutions
        return params

    def initial(self, routes: Mapping[int, Sequence[int]]) -> pywrapcp.Assignment | None:
        local = {v: j for j, v in enumerate(self.vehicles)}
        nodes: list[list[int]] = [[] for _ in self.vehicles]
        for v, codes in routes.items():
            nodes[local[v]] = [self._index(self.node_of[c]) for c in codes]
        return self.routing.ReadAssignmentFromRoutes(nodes, True)

    def extract(self, solution: pywrapcp.Assignment) -> Solution:
        routes: dict[int, list[int]] = {}
        times: dict[int, list[int]] = {}
        spans: dict[int, tuple[int, int]] = {}
        for j, v in enumerate(self.vehicles):
            index = self.routing.Start(j)
            start = solution.Min(self.time.CumulVar(index))
            codes, starts = [], []
            index = solution.Value(self.routing.NextVar(index))
            while not self.routing.IsEnd(index):
                codes.append(self.codes[self.manager.IndexToNode(index)])
                starts.append(solution.Min(self.time.CumulVar(index)))
                index = solution.Value(self.routing.NextVar(index))
            routes[v], times[v] = codes, starts
            spans[v] = (start, solution.Min(self.time.CumulVar(index)))
        return Solution(routes, times, spans, int(solution.ObjectiveValue()))


def optimise(problem: Problem, weights: Weights, requests: Sequence[int],
             vehicles: Sequence[int], initial: Mapping[int, Sequence[int]] | None,
             limits: Limits, on_solution: Callable[[], None] | None = None) -> Solution | None:
    """Solve the sub-problem (from `initial` routes when given); None if nothing found."""
    model = _Model(problem, weights, requests, vehicles)
    params = model.parameters(limits)
    if on_solution is not None:
        model.routing.AddAtSolutionCallback(on_solution)
    model.routing.CloseModelWithParameters(params)
    if initial is not None:
        start = model.initial(initial)
        if start is None:
            return None
        solution = model.routing.SolveFromAssignmentWithParameters(start, params)
    else:
        solution = model.routing.SolveWithParameters(params)
    return None if solution is None else model.extract(solution)
