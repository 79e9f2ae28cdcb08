"""Why a request is unserved, in terms a coordinator can act on."""

from __future__ import annotations

from routing.plan import Reason, Unserved
from routing.problem import Problem, Request, Vehicle
from routing.windows import pair_windows, solo_feasible


def servable_alone(problem: Problem, request: Request) -> bool:
    """True if some vehicle could serve `request` on an otherwise empty day."""
    return any(solo_feasible(problem, request, v) for v in problem.vehicles)


def covers_time(problem: Problem, request: Request, vehicle: Vehicle) -> bool:
    """True if `vehicle`'s shift leaves room for the trip itself (pickup, ride, drop-off),
    ignoring the car's needs and the drive from and back to home."""
    p, d = request.pickup, request.dropoff
    direct = int(problem.durations[p.location, d.location])
    (p_lo, p_hi), (d_lo, d_hi) = pair_windows(problem, request)
    start_p = max(p_lo, vehicle.shift_start, d_lo - direct - p.service)
    if start_p > p_hi:
        return False
    start_d = max(d_lo, start_p + p.service + direct)
    if start_d > d_hi or start_d + d.service > vehicle.shift_end:
        return False
    return vehicle.max_duration is None or start_d + d.service - start_p <= vehicle.max_duration


def _partner(problem: Problem, request: Request) -> Request | None:
    """The other leg of a linked pair (the link may be written on either leg)."""
    if request.linked is not None:
        return problem.requests[problem.request_index(request.linked)]
    return next((r for r in problem.requests if r.linked == request.id), None)


def explain(problem: Problem, request: Request, partner_served: bool = True) -> Unserved:
    """The most specific reason `request` is not in the plan.

    No driver at all, or none whose shift covers the trip's time: NO_DRIVER_AT_TIME.
    Drivers on duty then, but no car in the scheme with the needs or seats (or every such
    driver declined): NO_CAPABLE_VEHICLE. Capable cars exist but none is on duty then:
    NO_DRIVER_AT_TIME. Then UNREACHABLE, LINKED_UNSERVED, CAPACITY_EXHAUSTED.
    """
    if not problem.vehicles:
        return Unserved(request.id, Reason.NO_DRIVER_AT_TIME, "no drivers in the plan")
    on_duty = [v for v in problem.vehicles if covers_time(problem, request, v)]
    if not on_duty:
        return Unserved(request.id, Reason.NO_DRIVER_AT_TIME,
                        f"none of {len(problem.vehicles)} driver(s) on duty then")
    able = [v for v in on_duty if v.can_carry(request)]
    if not able:
        if any(v.can_carry(request) for v in problem.vehicles):
            return Unserved(request.id, Reason.NO_DRIVER_AT_TIME,
                            "suitable car(s), none on duty then")
        needs = ", ".join(sorted(request.needs)) or f"{request.seats} seats"
        declined = " (or it was declined)" if request.declined_by else ""
        return Unserved(request.id, Reason.NO_CAPABLE_VEHICLE, f"needs {needs}{declined}")
    if not any(solo_feasible(problem, request, v) for v in able):
        return Unserved(request.id, Reason.UNREACHABLE,
                        "too far from every on-duty driver's home for the window")
    if not partner_served:
        partner = _partner(problem, request)
        if partner is not None:
            both = [v for v in able
                    if solo_feasible(problem, request, v) and solo_feasible(problem, partner, v)]
            if both:  # someone could do both legs: they are booked
                return Unserved(request.id, Reason.CAPACITY_EXHAUSTED,
                                f"{len(both)} driver(s) could do both legs (with "
                                f"{partner.id!r}), all fully booked")
            detail = (f"{partner.id!r} cannot be served" if not servable_alone(problem, partner)
                      else f"no one driver can do both legs (with {partner.id!r})")
            return Unserved(request.id, Reason.LINKED_UNSERVED, detail)
    return Unserved(request.id, Reason.CAPACITY_EXHAUSTED,
                    f"{len(able)} driver(s) could, all fully booked")
