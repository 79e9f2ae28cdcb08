"""HELP: someone asked for a person. Open until a coordinator marks it handled."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.tables import HelpRequest, Person


def open_help(session: Session, scheme_id: int, person: Person | None, *, channel: str,
              address: str, now: datetime) -> HelpRequest:
    """Record a HELP; a second one from the same person while the first is open adds nothing."""
    query = select(HelpRequest).where(HelpRequest.scheme_id == scheme_id,
                                      col(HelpRequest.handled_at).is_(None))
    query = (query.where(HelpRequest.person_id == person.id) if person is not None
             else query.where(HelpRequest.channel == channel, HelpRequest.address == address))
    found = session.exec(query).first()
    if found is not None:
        return found
    created = HelpRequest(scheme_id=scheme_id, person_id=person.id if person else None,
                          channel=channel, address=address if person is None else "",
                          opened_at=now)
    session.add(created)
    session.flush()
    return created


def open_help_requests(session: Session, scheme_id: int) -> list[HelpRequest]:
    """HELP requests not yet handled, oldest first."""
    return list(session.exec(select(HelpRequest).where(
        HelpRequest.scheme_id == scheme_id, col(HelpRequest.handled_at).is_(None))
        .order_by(col(HelpRequest.opened_at))).all())


def mark_handled(session: Session, help_request: HelpRequest, *, by: str, note: str,
                 now: datetime) -> None:
    """A coordinator has dealt with it (a short note, no health detail)."""
    help_request.handled_at, help_request.handled_by = now, by[:120]
    help_request.note = note.strip()[:500]
    session.add(help_request)
