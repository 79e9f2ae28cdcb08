"""An independent feasibility checker. It shares no code with the solver side.

`check(problem, plan)` verifies every constraint on the plan as written (the times a
driver would be given) and, for any route whose written times fail, whether its visiting
order admits a feasible schedule at all, using the eight-step forward-time-slack
procedure of Cordeau & Laporte (2003), which delays departures as far as the slack allows
so that waiting with passengers on board (and so ride time) is minimal.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.plan import Plan, Route, StopKind, Visit
from routing.problem import Problem, Request, Vehicle

INF = 10**15


@dataclass(frozen=True)
class Violation:
    """One broken constraint: its kind, where, and a message with the numbers."""

    kind: str  # e.g. "time_window", "ride_time", "capacity", "pairing", "schedule"
    vehicle: str | None
    request: str | None
    message: str


def check(problem: Problem, plan: Plan) -> list[Violation]:
    """Every violation of `problem`'s constraints by `plan` (empty list: feasible)."""
    out: list[Violation] = []
    requests = {r.id: r for r in problem.requests}
    vehicles = {v.id: v for v in problem.vehicles}
    where: dict[str, str] = {}
    for route in plan.routes:
        if route.vehicle not in vehicles:
            out.append(Violation("unknown_vehicle", route.vehicle, None, "not in the problem"))
            continue
        vehicle = vehicles[route.vehicle]
        out += _structure(route, vehicle, requests, where)
        if not any(v.kind == "unknown_request" for v in out):
            timing = _times(problem, route, vehicle, requests)
            out += timing
            if timing and _fts_schedule(problem, route, vehicle, requests) is None:
                out.append(Violation("schedule", route.vehicle, None,
                                     "no feasible schedule exists for this visiting order"))
    out += _coverage(plan, requests, where)
    out += _links_and_locks(problem, where)
    return out


def _structure(route: Route, vehicle: Vehicle, requests: dict[str, Request],
               where: dict[str, str]) -> list[Violation]:
    out: list[Violation] = []
    seen: dict[str, StopKind] = {}
    load = 0
    for visit in route.visits:
        request = requests.get(visit.request)
        if request is None:
            return [Violation("unknown_request", vehicle.id, visit.request, "not in the problem")]
        stop = request.pickup if visit.kind == StopKind.PICKUP else request.dropoff
        if visit.location != stop.location:
            out.append(Violation("location", vehicle.id, request.id,
                                 f"{visit.kind} at {visit.location}, expected {stop.location}"))
        if visit.kind == StopKind.PICKUP:
            if visit.request in seen or visit.request in where:
                out.append(Violation("duplicate", vehicle.id, request.id, "picked up twice"))
            load += request.seats
        else:
            if seen.get(visit.request) != StopKind.PICKUP:
                out.append(Violation("precedence", vehicle.id, request.id,
                                     "dropped off without an earlier pickup on this route"))
            load -= request.seats
        seen[visit.request] = visit.kind
        if load > vehicle.seats:
            out.append(Violation("capacity", vehicle.id, request.id,
                                 f"{load} seats used, car has {vehicle.seats}"))
        if visit.load != load:
            out.append(Violation("load", vehicle.id, request.id,
                                 f"reported load {visit.load}, actual {load}"))
        if not (request.needs <= vehicle.capabilities and request.seats <= vehicle.seats):
            out.append(Violation("capability", vehicle.id, request.id, "car lacks a need"))
        if vehicle.id in request.declined_by:
            out.append(Violation("declined", vehicle.id, request.id, "driver declined it"))
    for request_id, kind in seen.items():
        if kind != StopKind.DROPOFF:
            out.append(Violation("pairing", vehicle.id, request_id, "picked up, never dropped"))
        where.setdefault(request_id, vehicle.id)
    return out


def _times(problem: Problem, route: Route, vehicle: Vehicle,
           requests: dict[str, Request]) -> list[Violation]:
    """Check the written times: travel, windows, ride times, shift and duration."""
    out: list[Violation] = []
    dur = problem.durations
    here, clock = vehicle.start, route.start_time
    picked: dict[str, int] = {}
    if route.start_time < vehicle.shift_start:
        out.append(Violation("shift", vehicle.id, None, "leaves home before the shift starts"))
    for visit in route.visits:
        request = requests[visit.request]
        stop = request.pickup if visit.kind == StopKind.PICKUP else request.dropoff
        if visit.arrival < clock + int(dur[here, stop.location]) or visit.start < visit.arrival:
            out.append(Violation("travel_time", vehicle.id, request.id,
                                 f"{visit.kind} reached too early to be possible"))
        if visit.departure != visit.start + stop.service:
            out.append(Violation("service", vehicle.id, request.id, "departure != start+service"))
        if not stop.earliest <= visit.start <= stop.latest:
            out.append(Violation("time_window", vehicle.id, request.id,
                                 f"{visit.kind} at {visit.start}, window "
                                 f"[{stop.earliest}, {stop.latest}]"))
        if visit.kind == StopKind.PICKUP:
            picked[request.id] = visit.departure
        elif request.id in picked and request.max_ride is not None:
            ride = visit.start - picked[request.id]
            if ride > request.max_ride:
                out.append(Violation("ride_time", vehicle.id, request.id,
                                     f"ride {ride} > limit {request.max_ride}"))
        here, clock = stop.location, visit.departure
    if route.end_time < clock + int(dur[here, vehicle.end]):
        out.append(Violation("travel_time", vehicle.id, None, "home too early to be possible"))
    if route.end_time > vehicle.shift_end:
        out.append(Violation("shift", vehicle.id, None, f"home at {route.end_time}, after shift"))
    if vehicle.max_duration is not None and (
            route.end_time - route.start_time > vehicle.max_duration):
        out.append(Violation("duration", vehicle.id, None,
                             f"route lasts {route.end_time - route.start_time}"))
    return out


def _fts_schedule(problem: Problem, route: Route, vehicle: Vehicle,
                  requests: dict[str, Request]) -> list[int] | None:
    """Service start times by the eight-step procedure of Cordeau & Laporte (2003), or None.

    Node 0 is leaving home and node q coming home; their window is the shift.
    """
    dur = problem.durations
    stops = [(requests[v.request].pickup if v.kind == StopKind.PICKUP
              else requests[v.request].dropoff) for v in route.visits]
    loc = [vehicle.start] + [s.location for s in stops] + [vehicle.end]
    early = [vehicle.shift_start] + [s.earliest for s in stops] + [vehicle.shift_start]
    late = [vehicle.shift_end] + [s.latest for s in stops] + [vehicle.shift_end]
    service = [0] + [s.service for s in stops] + [0]
    q = len(loc) - 1
    origin: dict[int, int] = {}  # drop-off position -> its pickup's position
    limit: dict[int, int] = {}
    opened: dict[str, int] = {}
    for i, visit in enumerate(route.visits, start=1):
        if visit.kind == StopKind.PICKUP:
            opened[visit.request] = i
        elif visit.request in opened:
            origin[i] = opened[visit.request]
            ride = requests[visit.request].max_ride
            limit[i] = INF if ride is None else ride
    arrive, begin, wait, leave = [0] * (q + 1), [0] * (q + 1), [0] * (q + 1), [0] * (q + 1)

    def propagate(first: int) -> None:
        for i in range(first, q + 1):
            arrive[i] = leave[i - 1] + int(dur[loc[i - 1], loc[i]])
            begin[i] = max(early[i], arrive[i])
            wait[i] = begin[i] - arrive[i]
            leave[i] = begin[i] + service[i]

    def slack(i: int) -> int:
        best, waited = INF, 0
        for j in range(i, q + 1):
            if j > i:
                waited += wait[j]
            room = late[j] - begin[j]
            if j in origin and origin[j] < i:
                room = min(room, limit[j] - (begin[j] - leave[origin[j]]))
            best = min(best, waited + max(0, room))
        return best

    begin[0] = leave[0] = early[0]  # step 1
    propagate(1)  # step 2
    begin[0] = leave[0] = early[0] + min(slack(0), sum(wait[1:q]))  # steps 3-4
    propagate(1)  # step 5
    for j in range(1, q):  # step 7: delay each pickup as far as its slack allows
        if route.visits[j - 1].kind == StopKind.PICKUP:
            wait[j] += min(slack(j), sum(wait[j + 1:q]))
            begin[j] = arrive[j] + wait[j]
            leave[j] = begin[j] + service[j]
            propagate(j + 1)
    feasible = all(begin[i] <= late[i] for i in range(q + 1))
    feasible = feasible and all(begin[j] - leave[o] <= limit[j] for j, o in origin.items())
    duration = begin[q] - leave[0]
    if vehicle.max_duration is not None and duration > vehicle.max_duration:
        feasible = False
    return begin[1:q] if feasible else None


def _coverage(plan: Plan, requests: dict[str, Request],
              where: dict[str, str]) -> list[Violation]:
    out: list[Violation] = []
    listed: set[str] = set()
    for item in plan.unserved:
        if item.request not in requests:
            out.append(Violation("unknown_request", None, item.request, "unserved but unknown"))
        if item.request in where or item.request in listed:
            out.append(Violation("duplicate", where.get(item.request), item.request,
                                 "listed as unserved more than once or also served"))
        listed.add(item.request)
    for request_id in requests:
        if request_id not in where and request_id not in listed:
            out.append(Violation("missing", None, request_id, "neither served nor unserved"))
    return out


def _links_and_locks(problem: Problem, where: dict[str, str]) -> list[Violation]:
    out: list[Violation] = []
    for request in problem.requests:
        partner = request.linked
        if partner is not None and (request.id in where or partner in where):
            if where.get(request.id) != where.get(partner):
                out.append(Violation("link", where.get(request.id), request.id,
                                     f"linked trip {partner!r} not with the same driver"))
    positions: dict[str, list[tuple[int, str]]] = {}
    for lock in problem.locks:
        if lock.request in where and where[lock.request] != lock.vehicle:
            out.append(Violation("lock", where[lock.request], lock.request,
                                 f"locked to {lock.vehicle!r}"))
        if lock.position is not None:
            positions.setdefault(lock.vehicle, []).append((lock.position, lock.request))
    return out + _order(positions, where)


def _order(positions: dict[str, list[tuple[int, str]]],
           where: dict[str, str]) -> list[Violation]:
    # The written plan fixes the pickup order, so rank pickups by their place in `where`
    # (insertion order = visiting order, as _structure fills it route by route).
    rank = {request: i for i, request in enumerate(where)}
    out: list[Violation] = []
    for vehicle, locked in positions.items():
        served = sorted((p, r) for p, r in locked if where.get(r) == vehicle)
        ranks = [rank[r] for _, r in served]
        if ranks != sorted(ranks):
            out.append(Violation("lock_order", vehicle, None, "locked trips out of order"))
    return out


def sequence_feasible(problem: Problem, vehicle_id: str,
                      stops: list[tuple[str, StopKind]]) -> bool:
    """True if visiting `stops` in this order admits a feasible schedule (times ignored)."""

    requests = {r.id: r for r in problem.requests}
    vehicle = next(v for v in problem.vehicles if v.id == vehicle_id)
    load, visits = 0, []
    for request_id, kind in stops:
        request = requests[request_id]
        load += request.seats if kind == StopKind.PICKUP else -request.seats
        stop = request.pickup if kind == StopKind.PICKUP else request.dropoff
        visits.append(Visit(request_id, kind, stop.location, 0, 0, stop.service, load))
    route = Route(vehicle_id, tuple(visits), 0, 0, 0)
    if _structure(route, vehicle, requests, {}):
        return False
    return _fts_schedule(problem, route, vehicle, requests) is not None
