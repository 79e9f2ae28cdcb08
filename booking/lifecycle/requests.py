"""The one writer of a lift request's status, and its history."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.tables import Leg, LiftRequest, LiftRequestEvent


def set_status(
    session: Session, request: LiftRequest, status: str, *, now: datetime, actor: str,
    note: str = "",
) -> None:
    """Move a request to `status` and record the change in its history."""
    session.add(LiftRequestEvent(
        request_id=request.id or 0, at=now, from_status=request.status, to_status=status,
        actor=actor, note=note,
    ))
    request.status = status
    request.status_reason = note
    request.updated_at = now
    session.add(request)


def refresh_status(session: Session, request: LiftRequest, now: datetime) -> None:
    """The request's status follows its legs: confirmed only when every leg is accepted."""
    legs = session.exec(select(Leg).where(Leg.request_id == request.id)).all()
    if not legs or request.status == "cancelled":
        return
    if all(leg.status in ("accepted", "picked_up", "done") for leg in legs):
        wanted = "confirmed"
    elif any(leg.status == "offered" for leg in legs):
        wanted = "offered"
    elif any(leg.status == "planned" for leg in legs):
        wanted = "planned"
    else:
        return
    if request.status != wanted and not (request.status == "needs_coordinator"
                                          and wanted != "confirmed"):
        set_status(session, request, wanted, now=now, actor="system")
