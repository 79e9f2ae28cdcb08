"""The plain OR-Tools model, written the way OR-Tools' own guide writes it.

Python transit callbacks, ride time as cumul constraints, drop penalties (as in the
guide's vrp_drop_nodes sample, else it often returns nothing), PARALLEL_CHEAPEST_INSERTION
and guided local search with default parameters. Only the benchmark uses it, to show that
routing.solve beats the obvious approach.
"""

from __future__ import annotations

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing.problem import Problem


def solve_plain(problem: Problem, time_limit: float) -> list[list[tuple[int, bool]]] | None:
    """Routes as (request index, is drop-off) per vehicle, or None if nothing found."""
    n, m = len(problem.requests), len(problem.vehicles)
    locs = [s.location for r in problem.requests for s in (r.pickup, r.dropoff)]
    locs += [v.start for v in problem.vehicles] + [v.end for v in problem.vehicles]
    service = [s.service for r in problem.requests for s in (r.pickup, r.dropoff)] + [0] * 2 * m
    manager = pywrapcp.RoutingIndexManager(len(locs), m, list(range(2 * n, 2 * n + m)),
                                           list(range(2 * n + m, 2 * n + 2 * m)))
    routing = pywrapcp.RoutingModel(manager)
    dist = problem.distances

    def distance_cb(i: int, j: int) -> int:
        return int(dist[locs[manager.IndexToNode(i)], locs[manager.IndexToNode(j)]])

    def time_cb(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return int(service[a] + dist[locs[a], locs[b]])  # the guide's rounding: to nearest

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(distance_cb))
    horizon = max(v.shift_end for v in problem.vehicles)
    routing.AddDimension(routing.RegisterTransitCallback(time_cb), horizon, horizon, False, "Time")
    time_dim = routing.GetDimensionOrDie("Time")
    demand = [r.seats * s for r in problem.requests for s in (1, -1)] + [0] * 2 * m

    def demand_cb(i: int) -> int:
        return int(demand[manager.IndexToNode(i)])

    routing.AddDimensionWithVehicleCapacity(routing.RegisterUnaryTransitCallback(demand_cb), 0,
                                            [v.seats for v in problem.vehicles], True, "Seats")
    solver = routing.solver()
    penalty = int(dist.max()) * 100
    for k, request in enumerate(problem.requests):
        p, d = manager.NodeToIndex(2 * k), manager.NodeToIndex(2 * k + 1)
        routing.AddPickupAndDelivery(p, d)
        solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
        solver.Add(time_dim.CumulVar(p) <= time_dim.CumulVar(d))
        if request.max_ride is not None:
            solver.Add(time_dim.CumulVar(d) - time_dim.CumulVar(p)
                       <= request.max_ride + request.pickup.service)
        time_dim.CumulVar(p).SetRange(request.pickup.earliest, request.pickup.latest)
        time_dim.CumulVar(d).SetRange(request.dropoff.earliest, request.dropoff.latest)
        routing.AddDisjunction([p], penalty)
        routing.AddDisjunction([d], penalty)
    for v, vehicle in enumerate(problem.vehicles):
        for index in (routing.Start(v), routing.End(v)):
            time_dim.CumulVar(index).SetRange(vehicle.shift_start, vehicle.shift_end)
        if vehicle.max_duration is not None:
            time_dim.SetSpanUpperBoundForVehicle(vehicle.max_duration, v)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION)
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    params.time_limit.FromMilliseconds(int(time_limit * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    routes = []
    for v in range(m):
        index, route = solution.Value(routing.NextVar(routing.Start(v))), []
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            route.append((node // 2, bool(node % 2)))
            index = solution.Value(routing.NextVar(index))
        routes.append(route)
    return routes
