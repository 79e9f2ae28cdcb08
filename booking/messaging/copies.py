"""Copies of a resident's messages for their trusted contacts (booking/carers.py): who gets
them, and the words as a contact reads them. Used by the outbox, so it imports none of it."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from storage.tables import Person, TrustedContact

# The kinds of message about a resident's lifts a contact may hear too.
COPIED_KINDS = ("confirmation", "reminder", "unserved", "trip_change", "still_looking",
                "standing_skip")
_THEIRS = (("collect you", "collect them"), ("brings you home", "brings them home"),
           ("takes you home", "takes them home"), ("your lift", "their lift"),
           ("your driver", "their driver"), ("you may want", "they may want"),
           ("you don't need", "they don't need"), ("Your lifts", "Their lifts"))
_HINT = re.compile(r"\s*Reply CANCEL \d+ (?:to cancel|if you don't need it)\.")


def copy_text(resident_first: str, body: str) -> str:
    """A resident's message as their contact gets it: 'For Edith: ... collect them ...'.
    The cancelling hint is left out (the contact cancels by saying which lift), which keeps
    the copy to one text. No message copied names where the resident goes."""
    text = _HINT.sub("", body)
    for mine, theirs in _THEIRS:
        text = text.replace(mine, theirs)
    return f"For {resident_first}: {text}"


def contacts_to_tell(session: Session, resident: Person) -> tuple[list[Person], bool]:
    """The resident's confirmed contacts who hear their messages, and whether the resident
    still hears them too (False only when every contact chose to take them instead)."""
    rows = session.exec(select(TrustedContact, Person)
                        .join(Person, col(Person.id) == TrustedContact.contact_id)
                        .where(TrustedContact.resident_id == resident.id,
                               col(TrustedContact.confirmed_at).is_not(None),
                               col(TrustedContact.declined_at).is_(None))).all()
    told = [(link, person) for link, person in rows if link.notify != "resident"]
    resident_too = not told or any(link.notify != "contact" for link, _p in told)
    return [person for _link, person in told], resident_too
