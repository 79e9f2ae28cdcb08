"""Trusted contacts: a carer or relative who books, changes and cancels lifts for a resident
and hears about them.

A contact counts only after the resident's own yes in a message: when the resident adds them
themselves, that message is the yes; when a coordinator (on the resident's word) or the
contact asks, the resident is texted and answers 1 (yes), 2 (yes, but keep where I go
private) or 3 (no). A contact is a Person of role "contact" (not a resident unless they
join), and may act for several residents. What they see follows the yes: with places kept
private, their lists and copies of messages never name where the resident goes; mobility and
other needs are never shown to a contact.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from booking.audit import Actor, record
from booking.domain.outcomes import Refused
from booking.messaging.outbox import enqueue
from booking.phones import to_e164
from storage.tables import Person, Scheme, TrustedContact

log = logging.getLogger(__name__)

NOTIFY = ("resident", "contact", "both")
PRIVATE_PLACE = "appointment"  # what a contact sees for a place the resident kept private


def _scheme_name(session: Session, scheme_id: int) -> str:
    scheme = session.get(Scheme, scheme_id)
    return scheme.name if scheme else "the lift scheme"


def shown_phone(phone: str) -> str:
    """A UK mobile as residents write it: 07700 900123."""
    if phone.startswith("+44") and len(phone) == 13:
        local = "0" + phone[3:]
        return f"{local[:5]} {local[5:]}"
    return phone


def contact_person(session: Session, scheme_id: int, phone: str) -> Person:
    """The Person texting from `phone` in this scheme, made as a contact if there is none."""
    found = session.exec(select(Person).where(Person.scheme_id == scheme_id,
                                              Person.phone == phone)).first()
    if found is not None:
        if found.role not in ("resident", "contact"):
            raise Refused("That number belongs to one of the scheme's drivers or "
                          "coordinators.")
        return found
    person = Person(scheme_id=scheme_id, role="contact", name="", phone=phone)
    session.add(person)
    session.flush()
    return person


def _link(session: Session, resident: Person, contact: Person) -> TrustedContact | None:
    return session.exec(select(TrustedContact).where(
        TrustedContact.resident_id == resident.id,
        TrustedContact.contact_id == contact.id)).first()


def add_contact(session: Session, resident: Person, phone: str, label: str,
                sees_places: bool, now: datetime) -> TrustedContact:
    """The resident trusts `phone` (their own yes): confirmed at once, and the contact told."""
    if phone == resident.phone:
        raise Refused("That's your own number.")
    contact = contact_person(session, resident.scheme_id, phone)
    link = _link(session, resident, contact) or TrustedContact(
        scheme_id=resident.scheme_id, resident_id=resident.id or 0,
        contact_id=contact.id or 0, created_at=now)
    # `label` is how the contact calls the resident ("Dad"); what the resident calls the
    # contact ("my daughter") is only read back to them, not stored.
    del label
    link.sees_places, link.confirmed_at, link.declined_at = sees_places, now, None
    link.added_by = link.added_by if link.id else "resident"
    session.add(link)
    session.flush()
    _welcome(session, link, resident, contact, now)
    log.info("trusted contact %s confirmed by resident %s", link.id, resident.id)
    return link


def request_contact(session: Session, resident: Person, contact: Person, *, label: str,
                    by: str, now: datetime, asked_by: str = "") -> TrustedContact:
    """Someone asks that `contact` may book for `resident`: the resident is asked for a yes.
    A contact already confirmed stays as it is."""
    link = _link(session, resident, contact)
    if link is not None and link.confirmed_at is not None and link.declined_at is None:
        return link
    link = link or TrustedContact(scheme_id=resident.scheme_id, resident_id=resident.id or 0,
                                  contact_id=contact.id or 0, created_at=now)
    link.label, link.added_by, link.declined_at = label[:40], by, None
    session.add(link)
    session.flush()
    enqueue(session, key=f"contact-ask:{link.id}:{now.isoformat()}", person=resident,
            kind="contact_request", due_at=now,
            body=request_text(shown_phone(contact.phone or ""), asked_by,
                              _scheme_name(session, resident.scheme_id)))
    return link


def request_text(number: str, asked_by: str, scheme: str) -> str:
    """The question to a resident: may this number book for them?"""
    body = (f"{asked_by} at {scheme} asks: may {number} book lifts for you?" if asked_by
            else f"Someone at {number} asks to book lifts for you.")
    return f"{body} Reply 1 yes, 2 yes but keep where you go private, 3 no."


def welcome_text(resident_first: str, scheme: str) -> str:
    """What a contact is told once the resident has said yes."""
    return (f"{resident_first} has said yes: you can now book, change and cancel lifts for "
            f"them by texting {scheme} here.")


def answer(session: Session, resident: Person, link_id: int, allow: bool, sees_places: bool,
           now: datetime) -> TrustedContact:
    """The resident's answer to someone asking to book for them; the contact is told."""
    link = session.get(TrustedContact, link_id)
    if link is None or link.resident_id != resident.id:
        raise Refused("Sorry, I couldn't find that request.")
    contact = session.get(Person, link.contact_id)
    if contact is None:
        raise Refused("Sorry, I couldn't find that request.")
    if not allow:
        link.declined_at = now
        session.add(link)
        return link
    link.confirmed_at, link.declined_at, link.sees_places = now, None, sees_places
    session.add(link)
    _welcome(session, link, resident, contact, now)
    return link


def remove(session: Session, resident: Person, link_id: int, now: datetime) -> None:
    """The resident withdraws their yes: the contact can no longer act, and is told."""
    link = session.get(TrustedContact, link_id)
    if link is None or link.resident_id != resident.id or link.declined_at is not None:
        raise Refused("Sorry, I couldn't find that contact.")
    link.declined_at = now
    session.add(link)
    contact = session.get(Person, link.contact_id)
    if contact is not None:
        enqueue(session, key=f"contact-removed:{link.id}:{now.isoformat()}", person=contact,
                kind="contact_removed", due_at=now,
                body=removed_text(short(resident.name)))


def removed_text(resident_first: str) -> str:
    """What a contact is told when the resident withdraws their yes."""
    return f"{resident_first} has asked us to stop you booking lifts for them."


def confirmed_for(session: Session, resident: Person) -> list[tuple[TrustedContact, Person]]:
    """The resident's confirmed contacts."""
    return list(session.exec(select(TrustedContact, Person)
                             .join(Person, col(Person.id) == TrustedContact.contact_id)
                             .where(TrustedContact.resident_id == resident.id,
                                    col(TrustedContact.confirmed_at).is_not(None),
                                    col(TrustedContact.declined_at).is_(None))
                             .order_by(col(TrustedContact.id))).all())


def _welcome(session: Session, link: TrustedContact, resident: Person, contact: Person,
             now: datetime) -> None:
    name = short(resident.name)
    enqueue(session, key=f"contact-welcome:{link.id}:{now.isoformat()}", person=contact,
            kind="contact_welcome", due_at=now,
            body=welcome_text(name, _scheme_name(session, resident.scheme_id)))


def short(name: str) -> str:
    """A resident's name as a contact is told it: the first name."""
    return name.split()[0] if name.strip() else "They"


def cared_for(session: Session, contact: Person) -> list[tuple[TrustedContact, Person]]:
    """Everyone `contact` may act for (confirmed, not withdrawn), by name."""
    rows = session.exec(select(TrustedContact, Person)
                        .join(Person, col(Person.id) == TrustedContact.resident_id)
                        .where(TrustedContact.contact_id == contact.id,
                               col(TrustedContact.confirmed_at).is_not(None),
                               col(TrustedContact.declined_at).is_(None),
                               Person.active == True)  # noqa: E712
                        .order_by(col(Person.name))).all()
    return [(link, person) for link, person in rows if person.anonymised_at is None]


def pending_for(session: Session, resident: Person) -> list[tuple[TrustedContact, Person]]:
    """Requests waiting for this resident's yes."""
    return list(session.exec(select(TrustedContact, Person)
                             .join(Person, col(Person.id) == TrustedContact.contact_id)
                             .where(TrustedContact.resident_id == resident.id,
                                    col(TrustedContact.confirmed_at).is_(None),
                                    col(TrustedContact.declined_at).is_(None))
                             .order_by(col(TrustedContact.id))).all())


def acting_for(session: Session, contact: Person, resident_id: int) -> Person:
    """The resident a contact acts for, if (and only if) the resident's yes allows it."""
    for _link_row, person in cared_for(session, contact):
        if person.id == resident_id:
            return person
    raise Refused("Sorry, you can't book for them until they've said yes to us.")


def set_notify(session: Session, contact: Person, resident_id: int, notify: str) -> None:
    """Who hears the resident's confirmations and reminders."""
    if notify not in NOTIFY:
        raise Refused("Please choose the resident, you, or both.")
    acting_for(session, contact, resident_id)
    link = session.exec(select(TrustedContact).where(
        TrustedContact.contact_id == contact.id,
        TrustedContact.resident_id == resident_id)).one()
    link.notify = notify
    session.add(link)


def by_name(session: Session, scheme_id: int, name: str) -> Person | None:
    """The one active resident with exactly this name (None: none, or more than one)."""
    wanted = " ".join(name.lower().split())
    if len(wanted.split()) < 2:
        return None
    found = [p for p in session.exec(select(Person).where(
        Person.scheme_id == scheme_id, Person.role == "resident",
        Person.active == True)).all()  # noqa: E712
        if " ".join(p.name.lower().split()) == wanted and p.anonymised_at is None]
    return found[0] if len(found) == 1 else None


def ask_by_name(session: Session, scheme_id: int, sender: Person | None, phone: str,
                name: str, label: str, now: datetime) -> None:
    """A would-be contact names the resident: if exactly one matches, that resident is asked
    (the sender is answered the same way whatever we find, so no one learns who is with us)."""
    resident = by_name(session, scheme_id, name)
    if resident is None or resident.phone == phone or (sender is None and not phone):
        log.info("a request to book for someone matched no single resident")
        return
    contact = sender or contact_person(session, scheme_id, phone)
    request_contact(session, resident, contact, label=label, by="contact", now=now)


def add_for(session: Session, scheme_id: int, resident_phone: str, contact_phone: str,
            label: str, actor: Actor, now: datetime) -> str:
    """A coordinator, on a resident's word: the resident is asked for their own yes."""
    resident_e164, contact_e164 = to_e164(resident_phone), to_e164(contact_phone)
    if resident_e164 is None or contact_e164 is None:
        raise Refused("Please give both numbers: /contact <resident's phone> <contact's "
                      "phone> [what they call them]")
    resident = session.exec(select(Person).where(Person.scheme_id == scheme_id,
                                                 Person.phone == resident_e164,
                                                 Person.role == "resident")).first()
    if resident is None:
        raise Refused("No resident has that phone number.")
    if resident_e164 == contact_e164:
        raise Refused("Those are the same number.")
    contact = contact_person(session, scheme_id, contact_e164)
    request_contact(session, resident, contact, label=label, by="coordinator", now=now,
                    asked_by=actor.first_name)
    record(session, actor, "add_contact", scheme_id=scheme_id, now=now,
           subject_person_id=resident.id, detail="asked the resident to confirm a contact")
    return (f"I've asked {resident.name} to reply YES to let {shown_phone(contact_e164)} "
            "book for them.")


@dataclass(frozen=True)
class ContactSummary:
    """A resident's trusted contact as a coordinator sees it (the console's people pages)."""

    link_id: int
    contact_id: int
    phone: str
    label: str
    status: str  # waiting for the resident's yes | confirmed | declined
    sees_places: bool
    notify: str  # resident | contact | both
    added_by: str


def contacts_of(session: Session, resident_id: int) -> list[ContactSummary]:
    """Everyone who books, or asked to book, for a resident (for the console)."""
    rows = session.exec(select(TrustedContact, Person)
                        .join(Person, col(Person.id) == TrustedContact.contact_id)
                        .where(TrustedContact.resident_id == resident_id)
                        .order_by(col(TrustedContact.id))).all()
    return [ContactSummary(
        link.id or 0, person.id or 0, shown_phone(person.phone or ""), link.label,
        "declined" if link.declined_at else "confirmed" if link.confirmed_at else
        "waiting for the resident's yes", link.sees_places, link.notify or "both",
        link.added_by) for link, person in rows]
