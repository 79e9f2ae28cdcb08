"""Carers and family who book for a resident ("Mum's lift on Tuesday", "book a lift for my
dad, Bill Smith, on Tuesday").

A resident adds a trusted contact by message ("my daughter can book for me, 07700 900123"),
or answers 1 / 2 / 3 when a coordinator or the contact asked: that yes is what lets the
contact act. A confirmed contact's message is then read as the resident's own conversation
(booking, changing, cancelling, "have I got a lift?", standing bookings), each effect wrapped
in OnBehalf so the core checks the yes again, and the replies say the resident's name where
they would say "you". A contact acting for several people is asked which one when the
message does not say. After their first booking for someone, the contact chooses who gets
the confirmations and reminders: the resident, themselves, or both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from booking.intake.effects import (
    AddContact,
    AlertCoordinator,
    AnswerContact,
    AskToBookFor,
    Effect,
    OnBehalf,
    RemoveContact,
    RequestLift,
    SetContactNotify,
    SetSmsOptOut,
    StartStanding,
)
from booking.intake.views import CaredView, Snapshot
from booking.phones import to_e164
from bot.dialogue.asking import answer_yes_no, ask, choice_id, say
from bot.dialogue.understand_text import normalise, words_only
from bot.dialogue.wording import YES_NO
from bot.messages import Inbound, Option, Outcome, Reply

Step = Callable[[Snapshot, Inbound], Outcome]

TRUST_OPTIONS = (Option("trust:full", "Yes"), Option("trust:private", "Yes, not where I go"),
                 Option("trust:no", "No"))
_KIN = {"mum": "mum", "mother": "mum", "mam": "mum", "mom": "mum", "mummy": "mum",
        "dad": "dad", "father": "dad", "daddy": "dad", "husband": "husband", "wife": "wife",
        "gran": "gran", "grandma": "gran", "granny": "gran", "nan": "nan", "nana": "nan",
        "grandad": "grandad", "granddad": "grandad", "grandpa": "grandad", "aunt": "aunt",
        "auntie": "aunt", "uncle": "uncle", "brother": "brother", "sister": "sister",
        "son": "son", "daughter": "daughter", "neighbour": "neighbour", "friend": "friend",
        "partner": "partner", "carer": "carer"}
_STOP_WORDS = {"on", "at", "to", "for", "next", "this", "tomorrow", "today", "please", "in",
               "from", "the", "a", "lift", "every", "is", "has", "s", "and", "monday",
               "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon",
               "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "dr", "doctor", "nurse",
               "physio", "surgery", "hospital", "clinic", "appointment", "me", "us", "him",
               "her", "them", "you"}
_ADD = re.compile(r"\b(?:contact|book (?:lifts? )?for me|on my behalf|book my lifts|"
                  r"arrange (?:my )?lifts|act for me|speak for me|carer|can book)\b")
_PHONE = re.compile(r"(?:\+44\s?|0)(?:\d[\s-]?){9,10}")
_NOTIFY = re.compile(r"\b(?:send|text|tell)\w*\b.*\b(?:confirmations?|reminders?|messages?|"
                     r"texts?)\b.*\bto\b\s+(?P<who>me|both|us|him|her|them|just \w+|\w+)|"
                     r"\b(?:confirmations?|reminders?|texts?|messages?) to (?P<who2>me|both|"
                     r"us|him|her|them|\w+)\b")


# --- the resident's side ----------------------------------------------------------------

def resident_step(snap: Snapshot, text: str, choice: str | None) -> Outcome | None:
    """A resident answering someone asking to book for them, or adding a contact."""
    if snap.state == "contact_add":
        return _answer_add(snap, text, choice)
    if snap.state == "contact_remove":
        return _answer_remove(snap, text, choice)
    if snap.state == "idle" and snap.trusted_contacts and text and _REMOVE.search(
            words_only(normalise(text))):
        return _ask_remove(snap, text)
    if snap.state == "idle" and snap.pending_contacts:
        answer = _trust_answer(text, choice)
        if answer is not None:
            pending = snap.pending_contacts[0]
            allow, private = answer
            if not allow:
                said = f"OK, {pending.phone} can't book for you."
            elif private:
                said = (f"Thank you. {pending.phone} can now book lifts for you, but won't be "
                        "told where you go.")
            else:
                said = f"Thank you. {pending.phone} can now book lifts for you."
            return Outcome("idle", {}, say(said), [AnswerContact(pending.link_id, allow,
                                                                 not private)])
    if snap.state == "idle" and text:
        norm = normalise(text)
        phone = _phone_in(text)
        if phone is not None and _ADD.search(norm):
            if phone == (snap.person.phone if snap.person else None):
                return Outcome("idle", {}, say("That's your own number. Please send the "
                                               "number of the person who will book for you."))
            label = _kin_in(norm)
            who = f" (your {label})" if label else ""
            return ask("contact_add", {"phone": phone, "label": label}, Reply(
                f"Let {_shown(phone)}{who} book, change and cancel lifts for you and hear "
                "about them?", TRUST_OPTIONS))
    return None


_REMOVE = re.compile(r"\b(?:remove|delete|take off|stop|cancel|no longer want)\b.*\b(?:contact|"
                     r"access|booking for me|book for me|books? my lifts|on my behalf|carer)\b|"
                     r"\b(?:dont|do not) (?:let|want) .*\bbook (?:for me|my lifts)\b")


def _ask_remove(snap: Snapshot, text: str) -> Outcome:
    """Which contact to stop (the one named or numbered, or the only one), for a yes."""
    norm = words_only(normalise(text))
    phone = _phone_in(text)
    shown = _shown(phone) if phone else ""
    picked = [c for c in snap.trusted_contacts if (shown and c.phone == shown) or
              (c.label and {c.label.lower(), c.label.lower() + "s"} & set(norm.split()))]
    if not picked and len(snap.trusted_contacts) == 1:
        picked = list(snap.trusted_contacts)
    if len(picked) != 1:
        options = tuple(Option(f"contact:{c.link_id}", f"{c.phone} {c.label}".strip())
                        for c in snap.trusted_contacts[:5])
        return ask("contact_remove", {}, Reply("Which contact should stop booking for you?",
                                               options))
    contact = picked[0]
    who = f" ({contact.label})" if contact.label else ""
    return ask("contact_remove", {"link": contact.link_id}, Reply(
        f"Stop {contact.phone}{who} booking lifts for you?", YES_NO))


def _answer_remove(snap: Snapshot, text: str, choice: str | None) -> Outcome:
    picked = choice_id(choice, "contact:")
    if picked is not None:
        chosen = next((c for c in snap.trusted_contacts if c.link_id == picked), None)
        if chosen is not None:
            return _ask_remove(snap, chosen.phone)
    link = snap.data.get("link")
    contact = next((c for c in snap.trusted_contacts if c.link_id == link), None)
    answer = answer_yes_no(text, choice)
    if contact is None or answer is False:
        return Outcome("idle", {}, say("OK, nothing has changed."))
    if answer is None:
        outcome = ask("contact_remove", dict(snap.data), Reply(
            "Sorry, please answer yes or no.", YES_NO))
        outcome.understood = False
        return outcome
    return Outcome("idle", {}, say(f"Done: {contact.phone} can no longer book lifts for you. "
                                   "We've told them."), [RemoveContact(contact.link_id)])


def _answer_add(snap: Snapshot, text: str, choice: str | None) -> Outcome:
    answer = _trust_answer(text, choice)
    phone = str(snap.data.get("phone") or "")
    if answer is None or not phone:
        outcome = ask("contact_add", dict(snap.data), Reply("Sorry, please choose one:",
                                                            TRUST_OPTIONS))
        outcome.understood = False
        return outcome
    allow, private = answer
    if not allow:
        return Outcome("idle", {}, say("OK, I haven't added them."))
    kept = " They won't be told where you go." if private else ""
    return Outcome("idle", {}, say(f"Done: {_shown(phone)} can now book lifts for you. "
                                   f"We've texted them.{kept}"),
                   [AddContact(phone, str(snap.data.get("label") or ""), not private)])


def _trust_answer(text: str, choice: str | None) -> tuple[bool, bool] | None:
    """(allow, keep places private) from 1 / 2 / 3, yes / no or a button."""
    if choice in ("trust:full", "trust:private", "trust:no"):
        return choice != "trust:no", choice == "trust:private"
    clean = words_only(normalise(text))
    if clean in ("1", "2", "3"):
        return clean != "3", clean == "2"
    if re.search(r"\b(?:private|not where|dont tell|do not tell)\b", clean):
        return True, True
    answer = answer_yes_no(text, choice)
    return None if answer is None else (answer, False)


def _phone_in(text: str) -> str | None:
    found = _PHONE.search(text)
    return to_e164(found.group()) if found else None


def _kin_in(norm: str) -> str:
    for word in words_only(norm).split():
        if word in _KIN and word not in ("carer",):
            return word
    return ""


def _shown(phone: str) -> str:
    if phone.startswith("+44") and len(phone) == 13:
        local = "0" + phone[3:]
        return f"{local[:5]} {local[5:]}"
    return phone


# --- asking to book for someone -----------------------------------------------------------

def named_person(text: str, *, need_kin: bool = False) -> tuple[str, str] | None:
    """("Bill Smith", "dad") from "for my dad, Bill Smith, on Tuesday"; None if no full name
    follows "for" or "on behalf of"."""
    tokens = re.findall(r"[A-Za-z][A-Za-z'\-]*|[,.;:!?]|\d+", text)
    lowered = [t.lower() for t in tokens]
    for i, word in enumerate(lowered):
        if word not in ("for", "behalf"):
            continue
        j = i + 1 + (lowered[i + 1:i + 2] == ["of"])
        if lowered[j:j + 1] in (["my"], ["our"]):
            j += 1
        kin = ""
        if lowered[j:j + 1] and lowered[j] in _KIN:
            kin, j = lowered[j], j + 1
        while lowered[j:j + 1] == [","]:
            j += 1
        name: list[str] = []
        while j < len(tokens) and len(name) < 3 and _wordlike(tokens[j]) and \
                lowered[j] not in _STOP_WORDS and lowered[j] not in _KIN:
            name.append(tokens[j][0].upper() + tokens[j][1:])
            j += 1
        if need_kin and not kin:
            continue  # a resident's "for Dr Patel" is their appointment, not someone to book for
        if len(name) >= 2 and (kin or all(n[0].isupper() for n in tokens[j - len(name):j])):
            return " ".join(name), kin
    return None


def _wordlike(token: str) -> bool:
    """A name's word: letters, with a hyphen or apostrophe inside ("Fotheringham-Smythe")."""
    return token.replace("-", "").replace("'", "").isalpha()


def ask_for(text: str, snap: Snapshot) -> Outcome | None:
    """'Book a lift for my dad, Bill Smith': ask Bill (if he is with us) for a yes. The
    answer is the same whether or not he is, so no one learns who uses the scheme."""
    known_person = snap.person is not None
    found = named_person(text, need_kin=known_person)
    if found is None or snap.channel not in ("sms", "whatsapp"):
        return None
    name, kin = found
    known = [c.person.name.lower() for c in snap.cared]
    if snap.person is not None:
        known.append(snap.person.name.lower())  # their own name (or the one acted for)
    if name.lower() in known:
        return None  # already theirs to book for
    return Outcome("idle", {}, say(
        f"Thank you. If {name} is with us, I've texted them to ask if you may book for them. "
        "Once they reply yes, just text me again."), [AskToBookFor(name, kin.title())])


# --- the contact's side -------------------------------------------------------------------

def wants(snap: Snapshot, text: str) -> bool:
    """Whether this message is the contact's, acting for someone (not the resident's own)."""
    if not snap.cared or snap.person is None:
        return False
    if snap.person.role == "contact":
        return True
    return "for" in snap.data or snap.state.startswith("carer_") or \
        _named(snap, text) is not None


def step(snap: Snapshot, inbound: Inbound, text: str, choice: str | None,
         resident_flow: Step) -> Outcome:
    """One message from a trusted contact."""
    if snap.state == "carer_notify":
        return _notify_answer(snap, text, choice)
    if snap.state == "carer_pick":
        wanted = choice_id(choice, "for:")
        cared = next((c for c in snap.cared if c.person.id == wanted), None) or \
            _named(snap, text)
        if cared is None:
            outcome = _pick(snap, str(snap.data.get("said") or ""))
            outcome.understood = False
            return outcome
        said = str(snap.data.get("said") or "")
        return _act(snap, cared, Inbound(text=said) if said else Inbound(), "idle", {},
                    resident_flow)
    notify = _notify_in(snap, text)
    if notify is not None:
        return notify
    acting = snap.data.get("for")
    cared = next((c for c in snap.cared if c.person.id == acting), None)
    if cared is not None:
        inner = {k: v for k, v in snap.data.items() if k != "for"}
        return _act(snap, cared, inbound, snap.state, inner, resident_flow)
    cared = _named(snap, text) or _by_lift_number(snap, text)
    if cared is None and len(snap.cared) == 1:
        cared = snap.cared[0]
    if cared is None:
        return _pick(snap, text)
    return _act(snap, cared, inbound, "idle", {}, resident_flow)


def _pick(snap: Snapshot, text: str) -> Outcome:
    options = tuple(Option(f"for:{c.person.id}", _called(c)) for c in snap.cared[:6])
    return ask("carer_pick", {"said": text[:300]}, Reply("Who is this for?", options))


def _called(cared: CaredView) -> str:
    return f"{cared.label} ({cared.person.name})" if cared.label else cared.person.name


def _named(snap: Snapshot, text: str) -> CaredView | None:
    """The cared-for person a message names: 'Mum', 'my dad', 'Bill', "Edith's"."""
    words = set(re.sub(r"'s\b", "", words_only(normalise(text).replace("'s ", " "))).split())
    kin = {_KIN[w] for w in words if w in _KIN}
    hits = []
    for cared in snap.cared:
        names = {n.lower() for n in cared.person.name.split()[:1]}
        label = cared.label.lower()
        if names & words or (label and (label in words or _KIN.get(label, "") in kin)):
            hits.append(cared)
    return hits[0] if len(hits) == 1 else None


def _by_lift_number(snap: Snapshot, text: str) -> CaredView | None:
    numbers = {int(n) for n in re.findall(r"\b\d{1,9}\b", text)}
    hits = [c for c in snap.cared if any(lift.id in numbers for lift in c.lifts)]
    return hits[0] if len(hits) == 1 else None


def _act(snap: Snapshot, cared: CaredView, inbound: Inbound, state: str,
         data: dict[str, Any], resident_flow: Step) -> Outcome:
    """Run the resident's own conversation for them, as the contact."""
    theirs = replace(snap, person=cared.person, lifts=cared.lifts, standing=cared.standing,
                     cared=(), pending_contacts=(), state=state, data=data)
    if inbound.text:  # "is Dad's driver coming?" reads as the resident's "is my driver..."
        inbound = replace(inbound, text=_as_theirs(inbound.text, cared))
    outcome = resident_flow(theirs, inbound)
    first = cared.person.first_name
    outcome.replies = [replace(r, text=speak_of(first, r.text)) for r in outcome.replies]
    outcome.effects = [w for w in (_wrap(cared, e) for e in outcome.effects) if w is not None]
    if outcome.state != "idle":
        outcome.data = {**outcome.data, "for": cared.person.id}
    booked = any(isinstance(e, OnBehalf) and isinstance(e.effect, (RequestLift,
                                                                      StartStanding))
                 for e in outcome.effects)
    if booked and cared.notify is None:
        outcome.replies.append(Reply(f"Who should get {first}'s confirmation and reminders?",
                                     _notify_options(first)))
        outcome.state = "carer_notify"
        outcome.data = {"for": cared.person.id, "options": ["notify:resident",
                                                            "notify:contact", "notify:both"],
                        "labels": [o.label for o in _notify_options(first)]}
    return outcome


def _as_theirs(text: str, cared: CaredView) -> str:
    """The contact's words as the resident's own: "Dad's lift" becomes "my lift"."""
    names = {cared.person.first_name.lower(), cared.label.lower()} - {""}
    kin = _KIN.get(cared.label.lower(), "")
    names |= {w for w, k in _KIN.items() if kin and k == kin}
    pattern = r"\b(?:my |our )?(?:" + "|".join(re.escape(n) for n in sorted(names)) + \
        r")(?:'s|\u2019s)(?=\s)"
    return re.sub(pattern, "my", text, flags=re.IGNORECASE) if names else text


def _wrap(cared: CaredView, effect: Effect) -> Effect | None:
    if isinstance(effect, SetSmsOptOut):
        return None  # a contact's STOP is their own, handled before this
    if isinstance(effect, AlertCoordinator):
        return effect
    return OnBehalf(cared.person.id, effect)


def _notify_options(first: str) -> tuple[Option, ...]:
    return (Option("notify:resident", first), Option("notify:contact", "Me"),
            Option("notify:both", "Both of us"))


def _notify_answer(snap: Snapshot, text: str, choice: str | None) -> Outcome:
    resident = snap.data.get("for")
    cared = next((c for c in snap.cared if c.person.id == resident), None)
    if cared is None:
        return Outcome("idle", {}, say("OK."))
    clean = words_only(normalise(text))
    first = cared.person.first_name
    wanted = (choice or "").removeprefix("notify:") if choice else {
        "1": "resident", "2": "contact", "3": "both", "me": "contact", "both": "both",
        "both of us": "both", first.lower(): "resident"}.get(clean)
    if wanted not in ("resident", "contact", "both"):
        outcome = ask("carer_notify", dict(snap.data), Reply(
            "Sorry, please choose one:", _notify_options(first)))
        outcome.understood = False
        return outcome
    return _notified(cared, wanted)


def _notified(cared: CaredView, wanted: str) -> Outcome:
    first = cared.person.first_name
    said = {"resident": f"OK: {first} will get them.", "contact": "OK: you will get them.",
            "both": f"OK: you and {first} will both get them."}[wanted]
    return Outcome("idle", {}, say(said + " To change, text 'texts to me', 'texts to both' "
                                   f"or 'texts to {first}'."),
                   [SetContactNotify(cared.person.id or 0, wanted)])


def _notify_in(snap: Snapshot, text: str) -> Outcome | None:
    """'Send the reminders to me', 'texts to both of us', 'texts to Mum'."""
    norm = words_only(normalise(text))
    found = _NOTIFY.search(norm)
    if found is None:
        return None
    who = (found.group("who") or found.group("who2") or "").removeprefix("just ")
    cared = _named(snap, text) or (snap.cared[0] if len(snap.cared) == 1 else None)
    if cared is None:
        return None
    if who in ("both", "us"):
        return _notified(cared, "both")
    if who == "me":
        return _notified(cared, "contact")
    return _notified(cared, "resident")


_FOR_YOU = (("Just you ", "Just {n} "), ("You and ", "{n} and "),
            ("Your lift request", "{n}'s lift request"), ("Your next one", "{n}'s next one"),
            ("Your lifts", "{n}'s lifts"), ("Your lift", "{n}'s lift"),
            ("your lifts", "{n}'s lifts"), ("your lift", "{n}'s lift"),
            ("You have no", "{n} has no"), ("brings you home", "brings them home"),
            ("collects you after", "collects them after"), ("waits for you", "waits for them"),
            ("coming with you", "coming with {n}"), ("How would you like to get home?",
                                                     "How should {n} get home?"),
            ("you after", "them after"))


def speak_of(first: str, text: str) -> str:
    """A reply meant for the resident, said to their contact: "Bill's lift" for "your lift",
    and no "Sorry Bill," (the contact is not Bill)."""
    for mine, theirs in ((f"Sorry {first},", "Sorry,"), (f"Hello {first}!", "Hello!"),
                         (f", {first}!", "!"), (f", {first}.", ".")):
        text = text.replace(mine, theirs)
    for mine, theirs in _FOR_YOU:
        text = text.replace(mine, theirs.format(n=first))
    return text


def not_yet() -> Outcome:
    """A contact nobody has said yes to yet."""
    return Outcome("idle", {}, say(
        "You can book for someone once they've said yes to us. To ask them, text 'book for' "
        "and their full name. To join yourself, text JOIN."))
