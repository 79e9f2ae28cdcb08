"""Route-pool recombination (Parragh & Schmid 2013): the routes the search accepted lately are
kept; now and then CP-SAT picks the cheapest set of them that serves each request at most
once (exactly once if the best plan serves it), one route per car, seeded with the best plan.

The ruin-and-recreate moves change a few routes at a time and settle in one region of the
plan space; the pool holds good routes from many of the plans visited, so a set-partitioning
model can combine routes that no single plan had together.

Routes are shared between cars that are alike in everything a route depends on (home,
shift, seats, equipment, limits, cost per mile); with any declined offer or locked trip,
each car keeps its own routes (who declined, whose trip it is, matters). The model does not
see the fairness term (the longest route's miles): the search takes its plan only if the
whole objective, fairness included, is better.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ortools.sat.python import cp_model

from routing.problem import Problem

POOL_MAX = 1500  # routes kept; past this, the oldest are dropped


class Pool:
    """Routes by car class: (class, stops) -> scaled cost."""

    def __init__(self, problem: Problem, partner: dict[int, int]) -> None:
        personal = bool(problem.locks) or any(r.declined_by for r in problem.requests)
        keys: dict[tuple[object, ...], int] = {}
        self.kind: list[int] = []
        for v in problem.vehicles:
            key: tuple[object, ...] = (v.start, v.end, v.shift_start, v.shift_end, v.seats,
                                       v.capabilities, v.max_duration, v.cost_per_distance)
            if personal:
                key = (*key, v.id)
            self.kind.append(keys.setdefault(key, len(keys)))
        self.cars: list[list[int]] = [[] for _ in keys]
        for car, kind in enumerate(self.kind):
            self.cars[kind].append(car)
        self.partner = partner
        self.routes: dict[tuple[int, tuple[int, ...]], float] = {}

    def add(self, vehicle: int, codes: Sequence[int], cost: float) -> None:
        """Keep a route (its cost depends on its class only); not one holding half of a
        linked pair, which serves neither half."""
        key = (self.kind[vehicle], tuple(codes))
        if not codes or key in self.routes:
            return
        served = {c // 2 for c in codes}
        if all(self.partner.get(r, r) in served for r in served):
            self.routes[key] = cost

    def trim(self) -> None:
        """Keep the POOL_MAX routes added last: a recombination over a few hundred routes
        takes CP-SAT a tenth of a second, over thousands it often finds nothing in two
        seconds; the recent routes are those near the plans the search is in."""
        extra = len(self.routes) - POOL_MAX
        if extra > 0:
            for key in list(self.routes)[:extra]:
                del self.routes[key]

    def recombine(self, incumbent: dict[int, list[int]], penalty: float, seconds: float,
                  deterministic: bool, route_cost: Callable[[int, Sequence[int]], float],
                  ) -> dict[int, list[int]] | None:
        """The best plan made of pooled routes, or None if it is `incumbent`'s.

        Every request the incumbent serves is served exactly once (a plan serving fewer
        costs a drop penalty far above any saving in miles); others at most once, each
        worth `penalty`. Exact equalities make the model's linear relaxation tight, and
        CP-SAT's presolve is off: on pools of thousands of routes it used the whole time
        limit without a first solution, while the search alone proves small pools optimal
        in a tenth of a second.
        """
        current: set[tuple[int, tuple[int, ...]]] = set()
        for v, codes in incumbent.items():
            self.add(v, codes, route_cost(v, codes))
            if (self.kind[v], tuple(codes)) in self.routes:
                current.add((self.kind[v], tuple(codes)))
        served = {c // 2 for _, codes in current for c in codes}
        items = list(self.routes.items())
        model = cp_model.CpModel()
        chosen = [model.new_bool_var("") for _ in items]
        covering: dict[int, list[cp_model.IntVar]] = {}
        per_kind: list[list[cp_model.IntVar]] = [[] for _ in self.cars]
        weights = []
        for x, ((kind, route), cost) in zip(chosen, items, strict=True):
            requests = {c // 2 for c in route}
            for r in requests:
                covering.setdefault(r, []).append(x)
            per_kind[kind].append(x)
            weights.append(round(cost - penalty * len(requests - served)))
        for r, xs in covering.items():
            if r in served:
                model.add_exactly_one(xs)
            else:
                model.add_at_most_one(xs)
        for kind, xs in enumerate(per_kind):
            model.add(sum(xs) <= len(self.cars[kind]))
        model.minimize(cp_model.LinearExpr.weighted_sum(chosen, weights))
        for x, (key, _) in zip(chosen, items, strict=True):
            model.add_hint(x, key in current)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.cp_model_presolve = False
        if deterministic:
            solver.parameters.max_deterministic_time = seconds
        else:
            solver.parameters.max_time_in_seconds = seconds
        if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        picked = [key for x, (key, _) in zip(chosen, items, strict=True) if solver.value(x)]
        if set(picked) == current:
            return None
        routes: dict[int, list[int]] = {v: [] for v in incumbent}
        free = [list(cars) for cars in self.cars]
        # A route stays with its car when that car is still free: fewer times to recompute.
        for kind, stops in sorted(picked):
            owner = next((v for v in free[kind] if tuple(incumbent.get(v, [])) == stops),
                         free[kind][0])
            free[kind].remove(owner)
            routes[owner] = list(stops)
        return routes
