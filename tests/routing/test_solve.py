"""Solving small named instances; every plan is checked by the independent checker."""

from __future__ import annotations

import dataclasses

from routing import Lock, Need, Problem, Reason, Vehicle, check, solve
from tests.routing.conftest import make, trip


def test_two_drivers_three_trips_all_served(two_drivers_three_trips: Problem) -> None:
    """All three trips are served, the wheelchair trip by the adapted car, with no violation."""
    plan = solve(two_drivers_three_trips, time_limit=1.0, seed=1)
    assert check(two_drivers_three_trips, plan) == []
    assert plan.objective.served == 3
    assert plan.vehicle_of("r3") == "bob"


def test_shared_trip_is_cheapest(two_drivers_three_trips: Problem) -> None:
    """r1 and r2 ride together (0-1-2-3-0 is 60 km; separate cars would be more)."""
    plan = solve(two_drivers_three_trips, time_limit=1.0, seed=0)
    assert plan.vehicle_of("r1") == plan.vehicle_of("r2")
    assert check(two_drivers_three_trips, plan) == []


def test_same_seed_same_plan(two_drivers_three_trips: Problem) -> None:
    """With an iteration budget, the same seed gives the same routes and times."""
    first = solve(two_drivers_three_trips, time_limit=5.0, seed=3, iterations=3)
    second = solve(two_drivers_three_trips, time_limit=5.0, seed=3, iterations=3)
    assert first.routes == second.routes


def test_unserved_reasons() -> None:
    """Each unservable trip comes back with the reason a coordinator can act on."""
    vehicles = [Vehicle("ann", 0, 0, 0, 4000, 3)]
    requests = [
        trip("chair", 1, 3, 500, needs=frozenset({Need.WHEELCHAIR_VEHICLE})),
        trip("late", 1, 3, 9000),
        trip("far", 3, 1, 0, max_ride=0),
    ]
    plan = solve(make(requests, vehicles), time_limit=0.5)
    reasons = {u.request: u.reason for u in plan.unserved}
    assert reasons["chair"] == Reason.NO_CAPABLE_VEHICLE
    assert reasons["late"] == Reason.NO_DRIVER_AT_TIME
    assert reasons["far"] == Reason.UNREACHABLE


def test_capacity_exhausted_reason() -> None:
    """Two simultaneous trips for a one-seat car: one is left, 'fully booked'."""
    vehicles = [Vehicle("ann", 0, 0, 0, 5000, 1)]
    requests = [trip("a", 1, 3, 1000, max_ride=1300), trip("b", 1, 3, 1000, max_ride=1300)]
    requests = [dataclasses.replace(r, pickup=dataclasses.replace(r.pickup, latest=1100),
                                    dropoff=dataclasses.replace(r.dropoff, latest=2600))
                for r in requests]
    plan = solve(make(requests, vehicles), time_limit=0.5)
    assert plan.objective.served == 1
    assert plan.unserved[0].reason == Reason.CAPACITY_EXHAUSTED


def test_linked_trips_share_a_driver() -> None:
    """An outbound and its return are served by the same driver."""
    vehicles = [Vehicle("ann", 0, 0, 0, 20_000, 3), Vehicle("bob", 2, 2, 0, 20_000, 3)]
    requests = [trip("out", 1, 3, 1000, linked="back"), trip("back", 3, 1, 4000)]
    problem = make(requests, vehicles)
    plan = solve(problem, time_limit=1.0)
    assert check(problem, plan) == []
    assert plan.vehicle_of("out") == plan.vehicle_of("back") is not None


def test_replan_keeps_locks(two_drivers_three_trips: Problem) -> None:
    """Re-planning from a previous plan keeps a locked trip on its driver."""
    plan = solve(two_drivers_three_trips, time_limit=0.5)
    locked = dataclasses.replace(two_drivers_three_trips, locks=(Lock("r1", "bob"),))
    again = solve(locked, time_limit=0.5, initial=plan)
    assert check(locked, again) == []
    assert again.vehicle_of("r1") == "bob"


def test_no_vehicles_means_no_driver_at_time() -> None:
    """With no vehicle at all, every request is 'no driver available at that time'."""
    problem = make([trip("a", 1, 3, 1000), trip("chair", 1, 3, 1000,
                                                 needs=frozenset({Need.WHEELCHAIR_VEHICLE}))], [])
    plan = solve(problem, time_limit=0.5)
    assert check(problem, plan) == []
    assert {u.reason for u in plan.unserved} == {Reason.NO_DRIVER_AT_TIME}
    assert plan.unserved[0].reason.value == "no driver available at that time"


def test_time_reason_against_capability_reason() -> None:
    """Drivers exist but none covers the time: NO_DRIVER_AT_TIME, even for a need no car
    has; a driver on duty but no car with the need anywhere: NO_CAPABLE_VEHICLE; a capable
    car exists only on another shift: NO_DRIVER_AT_TIME."""
    vehicles = [Vehicle("morning", 0, 0, 0, 4000, 3),
                Vehicle("evening", 0, 0, 30_000, 40_000, 3, frozenset({Need.DOG}))]
    requests = [
        trip("noon", 1, 3, 15_000),
        trip("noon-chair", 1, 3, 15_000, needs=frozenset({Need.WHEELCHAIR_VEHICLE})),
        trip("early-chair", 1, 3, 500, needs=frozenset({Need.WHEELCHAIR_VEHICLE})),
        trip("early-dog", 1, 3, 500, needs=frozenset({Need.DOG})),
        # Overlaps the morning shift by minutes only: the trip does not fit in the shift.
        trip("edge", 1, 3, 3900, max_ride=2000),
    ]
    problem = make(requests, vehicles)
    plan = solve(problem, time_limit=0.5)
    assert check(problem, plan) == []
    reasons = {u.request: u.reason for u in plan.unserved}
    assert reasons["noon"] == Reason.NO_DRIVER_AT_TIME
    assert reasons["noon-chair"] == Reason.NO_DRIVER_AT_TIME
    assert reasons["early-chair"] == Reason.NO_CAPABLE_VEHICLE
    assert reasons["early-dog"] == Reason.NO_DRIVER_AT_TIME
    assert reasons["edge"] == Reason.NO_DRIVER_AT_TIME


def test_declined_by_every_capable_driver() -> None:
    """A trip every on-duty capable driver declined is not blamed on the time of day."""
    vehicles = [Vehicle("ann", 0, 0, 0, 20_000, 3)]
    problem = make([trip("a", 1, 3, 1000, declined_by=frozenset({"ann"}))], vehicles)
    plan = solve(problem, time_limit=0.5)
    assert plan.unserved[0].reason == Reason.NO_CAPABLE_VEHICLE


def test_linked_pair_reasons() -> None:
    """A pair no single driver can do is 'linked'; an outbound whose return is impossible
    is 'linked'; a pair a busy driver could do is 'fully booked'."""
    vehicles = [Vehicle("morning", 0, 0, 0, 5000, 3), Vehicle("evening", 0, 0, 6000, 20_000, 3)]
    requests = [
        trip("split-out", 1, 3, 500, linked="split-back"),
        trip("split-back", 3, 1, 9000),
        trip("doomed-out", 1, 3, 500, linked="doomed-back"),
        trip("doomed-back", 3, 1, 30_000),
    ]
    problem = make(requests, vehicles)
    plan = solve(problem, time_limit=0.5)
    assert check(problem, plan) == []
    reasons = {u.request: u.reason for u in plan.unserved}
    assert reasons["split-out"] == reasons["split-back"] == Reason.LINKED_UNSERVED
    assert reasons["doomed-back"] == Reason.NO_DRIVER_AT_TIME
    assert reasons["doomed-out"] == Reason.LINKED_UNSERVED


def test_linked_pair_fully_booked() -> None:
    """Two pairs at the same time for one one-seat driver: the pair left out is 'booked'."""
    vehicles = [Vehicle("ann", 0, 0, 0, 20_000, 1)]
    requests = []
    for name in ("a", "b"):
        out = trip(f"{name}-out", 1, 3, 1000, linked=f"{name}-back", max_ride=1300)
        out = dataclasses.replace(out, pickup=dataclasses.replace(out.pickup, latest=1100))
        back = trip(f"{name}-back", 3, 1, 9000, max_ride=1300)
        back = dataclasses.replace(back, pickup=dataclasses.replace(back.pickup, latest=9100))
        requests += [out, back]
    problem = make(requests, vehicles)
    plan = solve(problem, time_limit=0.5)
    assert check(problem, plan) == []
    assert plan.objective.served == 2
    assert {u.reason for u in plan.unserved} == {Reason.CAPACITY_EXHAUSTED}


def test_replan_after_decline_moves_the_pair() -> None:
    """A linked pair declined by its driver is re-planned, both legs, onto the other one."""
    vehicles = [Vehicle("ann", 0, 0, 0, 20_000, 3), Vehicle("bob", 0, 0, 0, 20_000, 3)]
    requests = [trip("out", 1, 3, 1000, linked="back"), trip("back", 3, 1, 4000),
                trip("other", 2, 3, 1000)]
    problem = make(requests, vehicles)
    plan = solve(problem, time_limit=0.5)
    driver = plan.vehicle_of("out")
    assert driver is not None
    declined = dataclasses.replace(problem, requests=tuple(
        dataclasses.replace(r, declined_by=frozenset({driver})) if r.id in ("out", "back")
        else r for r in problem.requests))
    again = solve(declined, time_limit=0.5, initial=plan)
    assert check(declined, again) == []
    assert again.vehicle_of("out") == again.vehicle_of("back") not in (None, driver)
