"""The one writer of a lift request's status, and its history.

Most changes follow from the legs (`refresh_status`); the few a person or the clock decides
(short notice, the early warning, a cancellation, a changed appointment) are explicit moves
checked against `booking.domain.transitions`.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from booking.domain.status import REQUEST_CLOSED, RequestStatus
from booking.domain.transitions import check_request, request_status
from booking.messaging.reminders import cancel_pending
from storage.tables import Leg, LiftRequest, LiftRequestEvent


def set_status(session: Session, request: LiftRequest, status: RequestStatus | str, *,
               now: datetime, actor: str, note: str = "") -> None:
    """An explicit move (validated), recorded in the request's history."""
    wanted = RequestStatus(status)
    if request.id is not None and request.status != wanted:
        check_request(request.status, wanted, request.id)
    _write(session, request, wanted, now=now, actor=actor, note=note)


def refresh_status(session: Session, request: LiftRequest, now: datetime, *,
                   actor: str = "system") -> RequestStatus:
    """The status the request's legs now give it (written only when it changes)."""
    legs = session.exec(select(Leg.status).where(Leg.request_id == request.id)).all()
    wanted = request_status(request.status, legs)
    if wanted != request.status:
        _write(session, request, wanted, now=now, actor=actor, note=request.status_reason
               if wanted in (RequestStatus.NEEDS_COORDINATOR, RequestStatus.UNSERVED) else "")
    return wanted


def _write(session: Session, request: LiftRequest, status: RequestStatus, *, now: datetime,
           actor: str, note: str) -> None:
    session.add(LiftRequestEvent(
        request_id=request.id or 0, at=now, from_status=request.status, to_status=status,
        actor=actor, note=note[:200]))
    request.status = status
    request.status_reason = note[:200]
    request.updated_at = now
    session.add(request)
    if status in REQUEST_CLOSED:  # nothing more to remind anyone of
        cancel_pending(session, request.id or 0, kinds=("reminder", "confirmation"))
