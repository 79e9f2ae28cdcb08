"""The right to erasure: a person's future trips cancelled through the life-cycle (their drivers
told), then the person and their history anonymised. Rows stay, so the counts do (and the
nine foreign keys that point at a person hold); see booking.privacy.anonymise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, or_, select

from booking import audit
from booking.audit import Actor
from booking.domain.outcomes import Refused
from booking.domain.status import REQUEST_CLOSED, LegStatus, OfferStatus
from booking.intake.residents import cancel_request
from booking.offers import answers
from booking.privacy.anonymise import ANONYMISED, anonymise_person, delete_conversations
from storage.tables import (
    Conversation,
    HelpRequest,
    Leg,
    LiftRequest,
    Offer,
    OutboxMessage,
    Person,
    StandingBooking,
    TrustedContact,
)

REASON = "cancelled at the resident's request"


@dataclass
class Erasure:
    """What erasing a person does (a preview) or did."""

    person_id: int
    role: str
    name: str
    cancelled: list[int] = field(default_factory=list)  # their requests cancelled now
    freed: list[int] = field(default_factory=list)  # requests a driver gave up (re-planned)
    requests: int = 0  # their requests anonymised, past and future
    counts: dict[str, int] = field(default_factory=dict)  # rows changed per table

    def summary(self) -> str:
        """Counts only (the audit trail must not keep the name it erased)."""
        parts = [f"{len(self.cancelled)} future lift(s) cancelled" if self.role == "resident"
                 else f"{len(self.freed)} future trip(s) handed back to the planner"
                 if self.role == "driver" else "",
                 f"{self.requests} lift request(s) anonymised"]
        rows = [f"{table} {n}" for table, n in sorted(self.counts.items())
                if n and table not in ("person", "liftrequest")]
        if rows:
            parts.append("other rows cleared: " + ", ".join(rows))
        return "; ".join(p for p in parts if p)


def find(session: Session, phone: str, scheme_id: int | None = None) -> list[Person]:
    """The people with this phone number (E.164), in one scheme or all."""
    query = select(Person).where(Person.phone == phone)
    if scheme_id is not None:
        query = query.where(Person.scheme_id == scheme_id)
    return list(session.exec(query.order_by(col(Person.id))).all())


def preview(session: Session, person: Person, now: datetime) -> Erasure:
    """What `erase` would do, without doing it (refused if it cannot be done now)."""
    plan = Erasure(person.id or 0, person.role, person.name)
    if person.anonymised_at is not None:
        raise Refused("That person has already been erased.")
    if person.role == "resident":
        for request in _future(session, person, now):
            plan.cancelled.append(request.id or 0)
    elif person.role == "driver":
        plan.freed = sorted({o.request_id for o in _driver_offers(session, person)})
    plan.requests = len(session.exec(select(LiftRequest.id).where(
        col(LiftRequest.resident_id) == person.id)).all())
    _refuse_under_way(session, person)
    return plan


def erase(session: Session, person: Person, actor: Actor, now: datetime) -> Erasure:
    """Erase a person now: future trips cancelled (resident) or handed back (driver), then
    everything that identifies them cleared. Audited, with counts and no name."""
    done = preview(session, person, now)
    future = _future(session, person, now)
    # What was owed about these trips before (a driver's details with the name, address and
    # phone) is no longer owed; what cancelling them owes (drivers stood down) is.
    owed_before = [i for i in session.exec(select(OutboxMessage.id).where(
        col(OutboxMessage.request_id).in_([r.id for r in future]),
        col(OutboxMessage.status) == "pending")).all() if i is not None]
    for request in future:
        cancel_request(session, request, now=now, actor="coordinator", reason=REASON,
                       by=actor)
        audit.record(session, actor, "cancel", scheme_id=person.scheme_id, now=now,
                     request_id=request.id, subject_person_id=person.id,
                     detail="erasure")
    for offer in _driver_offers(session, person):
        answers.decline(session, person, offer.id or 0, now)  # drop-outs re-plan and tell
    for repeat in session.exec(select(StandingBooking).where(  # no more lifts are made
            StandingBooking.resident_id == person.id,
            col(StandingBooking.ended_at).is_(None))).all():
        repeat.ended_at = now
        session.add(repeat)
    for link in session.exec(select(TrustedContact).where(or_(  # no one books for or as them
            col(TrustedContact.resident_id) == person.id,
            col(TrustedContact.contact_id) == person.id),
            col(TrustedContact.declined_at).is_(None))).all():
        link.declined_at, link.label = now, ""
        session.add(link)
    session.flush()
    if owed_before:
        session.execute(update(OutboxMessage).where(
            col(OutboxMessage.id).in_(owed_before)).values(status="cancelled", body=""))
    done.counts = anonymise_person(session, person, now)
    done.requests = done.counts.get("liftrequest", 0)
    audit.record(session, actor, "privacy_erase", scheme_id=person.scheme_id, now=now,
                 subject_person_id=person.id, detail=done.summary()[:500])
    done.name = ANONYMISED
    return done


def erase_traces(session: Session, scheme_id: int, phone: str) -> dict[str, int]:
    """What is held about a number that is nobody's (a stranger's HELP, a half-finished
    join): deleted. Returns rows removed per table."""
    conversations = delete_conversations(session, col(Conversation.channel).in_(
                                             ("sms", "whatsapp"))
                                         & (col(Conversation.address) == phone)
                                         & col(Conversation.person_id).is_(None))
    helps = session.exec(select(HelpRequest).where(HelpRequest.scheme_id == scheme_id,
                                                   col(HelpRequest.address) == phone)).all()
    for row in helps:
        session.delete(row)
    to_them = (col(OutboxMessage.scheme_id) == scheme_id) & (col(OutboxMessage.address) == phone)
    session.execute(update(OutboxMessage).where(to_them, col(OutboxMessage.status) == "pending")
                    .values(status="cancelled"))
    messages = session.execute(update(OutboxMessage).where(to_them).values(body="", address=""))
    return {"conversation": conversations, "helprequest": len(helps),
            "outboxmessage": int(getattr(messages, "rowcount", 0) or 0)}


def _future(session: Session, person: Person, now: datetime) -> list[LiftRequest]:
    """The resident's requests that can still happen (cancelled through the life-cycle)."""
    if person.role != "resident":
        return []
    return list(session.exec(select(LiftRequest).where(
        col(LiftRequest.resident_id) == person.id, col(LiftRequest.status).not_in(REQUEST_CLOSED),
        col(LiftRequest.appointment_at) > now).order_by(col(LiftRequest.id))).all())


def _driver_offers(session: Session, person: Person) -> list[Offer]:
    """A driver's open offers and the accepted ones still to drive."""
    if person.role != "driver":
        return []
    offers = session.exec(select(Offer).where(
        Offer.driver_id == person.id,
        col(Offer.status).in_((OfferStatus.OPEN, OfferStatus.ACCEPTED)))
        .order_by(col(Offer.id))).all()
    return [o for o in offers if o.status == OfferStatus.OPEN or session.exec(
        select(Leg.id).where(Leg.offer_id == o.id, col(Leg.status) == LegStatus.ACCEPTED)).first()]


def _refuse_under_way(session: Session, person: Person) -> None:
    """A lift on the road now cannot be cancelled: erase once it is over."""
    on_road = select(Leg.id).join(LiftRequest, col(LiftRequest.id) == Leg.request_id).where(
        col(Leg.status) == LegStatus.PICKED_UP,
        (col(LiftRequest.resident_id) == person.id) | (col(Leg.driver_id) == person.id))
    if session.exec(on_road).first() is not None:
        raise Refused("A lift of theirs is under way right now; erase them once it is over.")


__all__ = ["REASON", "Erasure", "erase", "erase_traces", "find", "preview"]
