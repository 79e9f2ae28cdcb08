"""A scheme's coordinators as chat identities: the people alerts go to and who may send
/roster, /assign and the rest. Added by an admin (console accounts page); a console account
with the same phone is linked to them, so the trail names one person however they act."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from booking import audit
from booking.audit import Actor
from booking.domain.outcomes import Refused
from booking.people.approval import Done, person_in
from booking.people.editing import clean_name, clean_phone
from storage.tables import ConsoleAccount, ConsoleMembership, Person


def coordinators(session: Session, scheme_id: int) -> list[Person]:
    """The scheme's coordinators, active first, by name."""
    rows = session.exec(select(Person).where(Person.scheme_id == scheme_id,
                                             Person.role == "coordinator",
                                             col(Person.anonymised_at).is_(None))).all()
    return sorted(rows, key=lambda p: (not p.active, p.name.lower()))


def add_coordinator(session: Session, scheme_id: int, name: str, phone: str, actor: Actor,
                    now: datetime) -> Done:
    """A new coordinator who gets the scheme's alerts by text and may use the chat commands."""
    person = Person(scheme_id=scheme_id, role="coordinator", name=clean_name(name),
                    preferred_channel="sms", created_at=now)
    number = clean_phone(session, person, phone)
    if number is None:
        raise Refused("A coordinator needs a mobile number: alerts go to it.")
    person.phone = number
    session.add(person)
    session.flush()
    linked = 0
    for member in session.exec(select(ConsoleMembership).join(
            ConsoleAccount, col(ConsoleAccount.id) == ConsoleMembership.account_id).where(
            ConsoleMembership.scheme_id == scheme_id, ConsoleAccount.phone == number,
            col(ConsoleMembership.person_id).is_(None))).all():
        member.person_id = person.id
        session.add(member)
        linked += 1
    audit.record(session, actor, "add_coordinator", scheme_id=scheme_id, now=now,
                 subject_person_id=person.id, detail="linked to a console account"
                 if linked else "")
    return Done(f"{person.name} is a coordinator: alerts and chat commands from their phone"
                + (", linked to their console account." if linked else "."))


def deactivate_coordinator(session: Session, scheme_id: int, person_id: int, actor: Actor,
                           now: datetime) -> Done:
    """Stop alerts going to a coordinator and their chat commands working; never the last."""
    person = person_in(session, scheme_id, person_id, "coordinator")
    if not person.active:
        raise Refused(f"{person.name} is already inactive.")
    others = [p for p in coordinators(session, scheme_id) if p.active and p.id != person.id]
    if not others:
        raise Refused("A scheme needs at least one active coordinator to get its alerts.")
    person.active = False
    session.add(person)
    audit.record(session, actor, "deactivate", scheme_id=scheme_id, now=now,
                 subject_person_id=person.id, detail="coordinator")
    return Done(f"{person.name} no longer gets alerts or uses the chat commands.")
