"""Why a request is unserved, in terms a coordinator can act on."""

from __future__ import annotations

from routing.plan import Reason, Unserved
from routing.problem import Problem, Request
from routing.windows import solo_feasible


def servable_alone(problem: Problem, request: Request) -> bool:
    """True if some vehicle could serve `request` on an otherwise empty day."""
    return any(solo_feasible(problem, request, v) for v in problem.vehicles)


def explain(problem: Problem, request: Request, partner_served: bool = True) -> Unserved:
    """The most specific reason `request` is not in the plan."""
    able = [v for v in problem.vehicles if v.can_carry(request)]
    if not able:
        needs = ", ".join(sorted(request.needs)) or f"{request.seats} seats"
        return Unserved(request.id, Reason.NO_CAPABLE_VEHICLE, f"needs {needs}")
    # A driver is "available at that time" if the trip's windows overlap the shift at all.
    start, end = request.pickup.earliest, request.dropoff.latest
    on_duty = [v for v in able if v.shift_start <= end and start <= v.shift_end]
    if not on_duty:
        return Unserved(request.id, Reason.NO_DRIVER_AT_TIME,
                        f"{len(able)} suitable driver(s), none on duty then")
    if not any(solo_feasible(problem, request, v) for v in on_duty):
        return Unserved(request.id, Reason.UNREACHABLE,
                        "too far from every on-duty driver's home for the window")
    if not partner_served:
        return Unserved(request.id, Reason.LINKED_UNSERVED, f"linked to {request.linked!r}")
    return Unserved(request.id, Reason.CAPACITY_EXHAUSTED,
                    f"{len(on_duty)} driver(s) could, all fully booked")
