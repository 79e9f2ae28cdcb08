"""The statuses of a lift request, its legs and its offers, and the groups of them we reason in.

The values are the strings stored in the database (so no data migration was needed). Every
group is defined here once; nothing else spells a status.
"""

from __future__ import annotations

from enum import StrEnum


class RequestStatus(StrEnum):
    """Where a resident's request for a lift stands."""

    REQUESTED = "requested"  # in, not yet planned (or freed again)
    NEEDS_COORDINATOR = "needs_coordinator"  # a person must decide (short notice, no location)
    PLANNED = "planned"  # a plan has drivers for it, not yet offered
    OFFERED = "offered"  # waiting for a driver's answer
    CONFIRMED = "confirmed"  # every leg accepted: the resident has been told who and when
    UNSERVED = "unserved"  # no driver by the warning deadline: the resident has been told
    CANCELLED = "cancelled"
    DONE = "done"
    NO_SHOW = "no_show"


class LegStatus(StrEnum):
    """Where one journey of a request (out, or back home) stands."""

    OPEN = "open"  # needs a driver
    PLANNED = "planned"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    PICKED_UP = "picked_up"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    UNSERVED = "unserved"  # the last plan could not serve it (reason on the leg)


class OfferStatus(StrEnum):
    """Where an offer of a trip to one driver stands."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"  # also a driver who dropped out after accepting
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # no longer needed (cancelled, re-planned, moved, unassigned)
    TAKEN = "taken"  # another driver accepted first


R, L = RequestStatus, LegStatus

# A request a resident may still change or cancel, and that still counts as booked.
REQUEST_ACTIVE = frozenset({R.REQUESTED, R.NEEDS_COORDINATOR, R.PLANNED, R.OFFERED,
                            R.CONFIRMED})
# Requests without an accepted driver for every leg (what "unassigned" means to a coordinator).
REQUEST_WAITING = frozenset({R.REQUESTED, R.NEEDS_COORDINATOR, R.PLANNED, R.OFFERED,
                             R.UNSERVED})
# Requests the planner works on (confirmed ones enter as locks).
REQUEST_PLANNABLE = REQUEST_WAITING | {R.CONFIRMED}
# Requests no plan can serve until something changes (a coordinator, a new driver).
REQUEST_NEEDS_PLAN = frozenset({R.REQUESTED, R.NEEDS_COORDINATOR, R.UNSERVED})
REQUEST_CLOSED = frozenset({R.CANCELLED, R.DONE, R.NO_SHOW})

# Legs nobody has accepted.
LEG_FREE = frozenset({L.OPEN, L.PLANNED, L.OFFERED, L.UNSERVED})
# Legs a driver has: a re-plan must not move them.
LEG_HELD = frozenset({L.ACCEPTED, L.PICKED_UP, L.DONE, L.NO_SHOW})
# Legs a driver has and has not finished (their run sheet, clashes).
LEG_ON_THE_ROAD = frozenset({L.ACCEPTED, L.PICKED_UP})
# Legs a driver drove (mileage is paid on them; a no-show still cost the miles).
LEG_DRIVEN = frozenset({L.DONE, L.NO_SHOW})
LEG_FINISHED = frozenset({L.DONE, L.NO_SHOW, L.CANCELLED})

# Offers that failed: the planner leaves that driver out of the trip.
OFFER_FAILED = frozenset({OfferStatus.DECLINED, OfferStatus.EXPIRED})
