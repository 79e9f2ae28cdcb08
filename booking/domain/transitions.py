"""Which status may follow which, and what each change of a leg owes.

Pure data and pure functions: `booking.lifecycle` applies them to rows. A change not in these
tables is a bug or a race (two people acting on one trip at once); it is refused with
`InvalidTransition` before anything is written, so nothing is ever half-applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from booking.domain.outcomes import Refused
from booking.domain.status import (
    LEG_HELD,
    REQUEST_CLOSED,
    LegStatus,
    OfferStatus,
    RequestStatus,
)

R, L, Of = RequestStatus, LegStatus, OfferStatus


class Cause(StrEnum):
    """Why a leg changes: the same move owes different messages for different causes."""

    PLAN = "plan"  # a plan placed it, re-timed it, moved it or could not serve it
    OFFER = "offer"  # offered to the planned driver
    ACCEPT = "accept"  # the driver accepted an offer or a broadcast
    ASSIGN = "assign"  # a coordinator gave it to a driver
    DECLINE = "decline"
    EXPIRE = "expire"
    DROP_OUT = "drop_out"  # a driver can no longer do a trip they accepted
    UNASSIGN = "unassign"  # a coordinator took it off the driver, back to the planner
    MOVE = "move"  # a coordinator gave it to another driver
    AWAY = "away"  # the driver will be away that day
    CANCEL = "cancel"  # the resident or a coordinator cancelled the request
    CHANGE = "change"  # the resident changed the appointment: planned afresh
    PICK_UP = "pick_up"
    DROP_OFF = "drop_off"
    NO_SHOW = "no_show"  # this leg's passenger was not there
    PARTNER_NO_SHOW = "partner_no_show"  # the other leg was a no-show: this one is not needed


class InvalidTransition(Refused):
    """A status change the life-cycle does not allow (nothing was changed)."""

    def __init__(self, entity: str, entity_id: int | None, current: str, wanted: str,
                 cause: str = ""):
        super().__init__("That trip changed in the meantime, so nothing was done. "
                         "Please check it and try again.")
        self.entity, self.entity_id = entity, entity_id
        self.current, self.wanted, self.cause = current, wanted, cause

    def __repr__(self) -> str:
        return (f"InvalidTransition({self.entity} {self.entity_id}: {self.current} -> "
                f"{self.wanted}, {self.cause or 'no cause'})")


Starts = LegStatus | tuple[LegStatus, ...]


def _moves(pairs: Iterable[tuple[Starts, Iterable[LegStatus], Iterable[Cause]]]
           ) -> dict[tuple[LegStatus, LegStatus], frozenset[Cause]]:
    table: dict[tuple[LegStatus, LegStatus], frozenset[Cause]] = {}
    for starts, ends, causes in pairs:
        for start in (starts,) if isinstance(starts, LegStatus) else starts:
            for end in ends:
                table[(start, end)] = table.get((start, end), frozenset()) | frozenset(causes)
    return table


C = Cause
_TAKEN = (C.ACCEPT, C.ASSIGN)
_ENDED = (C.CANCEL, C.PARTNER_NO_SHOW)
_BACK = (C.UNASSIGN, C.AWAY, C.CHANGE)  # back to the planner, from a planned or offered leg

# (from, to) -> the causes that may make that move. A free leg may be re-planned onto itself
# (re-timed, or a different driver), so PLAN appears on the diagonal.
LEG_MOVES = _moves([
    (L.OPEN, (L.PLANNED, L.UNSERVED, L.OPEN), (C.PLAN,)),
    (L.UNSERVED, (L.PLANNED, L.UNSERVED, L.OPEN), (C.PLAN,)),
    (L.UNSERVED, (L.OPEN,), (C.CHANGE,)),
    (L.PLANNED, (L.PLANNED, L.UNSERVED, L.OPEN), (C.PLAN,)),
    (L.PLANNED, (L.OPEN,), _BACK),
    (L.PLANNED, (L.OFFERED,), (C.OFFER,)),
    (L.OFFERED, (L.OFFERED, L.PLANNED, L.UNSERVED), (C.PLAN,)),  # re-timed, or re-planned
    (L.OFFERED, (L.OPEN,), (C.DECLINE, C.EXPIRE, *_BACK)),
    ((L.OPEN, L.UNSERVED, L.PLANNED, L.OFFERED), (L.ACCEPTED,), _TAKEN),
    ((L.OPEN, L.UNSERVED, L.PLANNED, L.OFFERED, L.ACCEPTED), (L.CANCELLED,), _ENDED),
    (L.ACCEPTED, (L.OPEN,), (C.DROP_OUT, C.UNASSIGN, C.MOVE, C.CHANGE)),
    (L.ACCEPTED, (L.PICKED_UP,), (C.PICK_UP,)),
    (L.ACCEPTED, (L.DONE,), (C.DROP_OFF,)),  # a driver who forgot to say "picked up"
    (L.ACCEPTED, (L.NO_SHOW,), (C.NO_SHOW,)),
    (L.PICKED_UP, (L.DONE,), (C.DROP_OFF,)),
])


def check_leg(current: str, wanted: LegStatus, cause: Cause, leg_id: int | None) -> None:
    """Refuse a leg move the life-cycle does not allow."""
    if cause not in LEG_MOVES.get((L(current), wanted), frozenset()):
        raise InvalidTransition("leg", leg_id, current, wanted, cause)


class Owed(StrEnum):
    """What a leg's move owes, beyond the move itself (carried out by `booking.lifecycle`)."""

    LEAVE_OFFER = "leave_offer"  # off its offer; an offer left empty is withdrawn, driver told
    STAND_DOWN = "stand_down"  # tell the driver who had accepted it that it is not theirs
    UNCONFIRM = "unconfirm"  # the resident's confirmation and reminders no longer hold
    CONFIRM = "confirm"  # if every leg is now held: confirmation and reminders
    RECORD_MILEAGE = "record_mileage"  # a driven leg: the driver's miles, once


def owed(current: str, wanted: LegStatus, cause: Cause) -> frozenset[Owed]:
    """The consequences of moving a leg from `current` to `wanted` for `cause`."""
    start = L(current)
    due: set[Owed] = set()
    if start is L.OFFERED and wanted is not L.OFFERED and cause not in (C.ACCEPT, C.ASSIGN):
        due.add(Owed.LEAVE_OFFER)
    if start is L.ACCEPTED and wanted in (L.OPEN, L.CANCELLED):
        due.add(Owed.UNCONFIRM)
        if cause is not C.DROP_OUT:  # a driver who dropped out knows already
            due.add(Owed.STAND_DOWN)
    if wanted is L.ACCEPTED:
        due.add(Owed.CONFIRM)
    if wanted in (L.DONE, L.NO_SHOW):
        due.add(Owed.RECORD_MILEAGE)
    return frozenset(due)


# Requests: the status follows the legs (see `request_status`), except for the explicit moves
# below. Closed requests never change again.
REQUEST_EXPLICIT = {
    R.NEEDS_COORDINATOR: frozenset({R.REQUESTED, R.PLANNED, R.OFFERED, R.UNSERVED}),
    R.UNSERVED: frozenset({R.REQUESTED, R.PLANNED, R.OFFERED, R.NEEDS_COORDINATOR}),
    R.CANCELLED: frozenset({R.REQUESTED, R.NEEDS_COORDINATOR, R.PLANNED, R.OFFERED,
                            R.CONFIRMED, R.UNSERVED}),
    R.REQUESTED: frozenset({R.REQUESTED, R.NEEDS_COORDINATOR, R.UNSERVED, R.PLANNED,
                            R.OFFERED, R.CONFIRMED}),  # a change of appointment: plan afresh
}


def check_request(current: str, wanted: RequestStatus, request_id: int | None) -> None:
    """Refuse an explicit request move the life-cycle does not allow."""
    if R(current) in REQUEST_CLOSED or R(current) not in REQUEST_EXPLICIT.get(wanted, ()):
        raise InvalidTransition("request", request_id, current, wanted)


def request_status(current: str, legs: Iterable[str]) -> RequestStatus:
    """The status a request's legs give it (closed requests keep theirs).

    A short-notice request stays with the coordinator until a driver accepts it; a request
    the resident was warned about stays unserved until a driver is offered it.
    """
    now, states = R(current), [L(s) for s in legs]
    if now in REQUEST_CLOSED or not states:
        return now
    if L.NO_SHOW in states:
        return R.NO_SHOW
    if all(s in (L.DONE, L.CANCELLED) for s in states) and L.DONE in states:
        return R.DONE
    if all(s in LEG_HELD for s in states):
        return R.CONFIRMED
    if L.OFFERED in states:
        return R.OFFERED if now is not R.NEEDS_COORDINATOR else now
    if L.PLANNED in states:
        return R.PLANNED if now is not R.NEEDS_COORDINATOR else now
    if now in (R.NEEDS_COORDINATOR, R.UNSERVED):
        return now
    return R.REQUESTED


# Offers: open until answered; an accepted one can still be dropped out of or withdrawn.
OFFER_MOVES = {
    Of.OPEN: frozenset({Of.ACCEPTED, Of.DECLINED, Of.EXPIRED, Of.WITHDRAWN, Of.TAKEN}),
    Of.ACCEPTED: frozenset({Of.DECLINED, Of.WITHDRAWN}),
}


def check_offer(current: str, wanted: OfferStatus, offer_id: int | None) -> None:
    """Refuse an offer move the life-cycle does not allow."""
    if wanted not in OFFER_MOVES.get(Of(current), frozenset()):
        raise InvalidTransition("offer", offer_id, current, wanted)
