"""A resident changes their own details by message: a new home ("I've moved to 4 Mill Lane,
Bainbridge") or new needs ("I use a wheelchair now", "I don't need the wheelchair any more",
"I've got a guide dog now"). Read back for a yes, then UpdateHome or UpdateNeeds: the core
changes the record and their future lifts, and tells the coordinators.

Only first-person news counts: "it's moved to Wednesday" is a lift changing (changing.py),
and "can I bring my dog?" is a question (answering.py).
"""

from __future__ import annotations

import re
from typing import Any

from booking.intake.effects import UpdateHome, UpdateNeeds
from booking.intake.views import MOBILITY_LABELS, Snapshot
from bot.dialogue.asking import answer_yes_no, ask, say
from bot.dialogue.understand import PlaceName, match_place, parse_postcode
from bot.dialogue.wording import MOBILITY_OPTIONS, YES_NO
from bot.messages import Outcome, Reply

_I = r"(?:i|we|i've|we've|ive|weve|i have|we have|i am|i'm|im|we are|we're)"
_MOVED = re.compile(
    rf"^(?:(?:hi|hello|just to say|fyi|please note)\W+)*(?:{_I}\s+(?:just\s+|now\s+|recently\s+)?"
    r"(?:moved|moving|moved house|relocated)|(?:my|our)\s+(?:new\s+)?address\s+(?:is\s+now|has"
    r"\s+changed|is)|(?:my|our)\s+new\s+address|new\s+address|change\s+(?:of|my|our)\s+address"
    rf"|{_I}\s+(?:now\s+)?live\s+(?:at|in))\b(?:\s+house)?\s*(?:to|is|at|in|:|-)?\s*(.*)$",
    re.IGNORECASE)
_NOT_A_HOME = re.compile(r"\b(?:appointment|lift|booking|surgery|hospital|time|day)\b", re.I)

# (pattern, what changes): first person, present or from now on.
_NO_WHEELCHAIR = re.compile(
    r"\b(?:(?:don'?t|do not|no longer|doesn'?t)\s+(?:need|use|have)\s+(?:the\s+|a\s+|my\s+)?"
    r"wheel\s?chair|(?:out of|off)\s+(?:the\s+|my\s+)?wheel\s?chair|wheel\s?chair\s+(?:any\s?"
    r"more|has gone)|walking\s+(?:again|unaided)|can\s+walk\s+(?:again|now|fine))\b", re.I)
_NEEDS_WAV = re.compile(r"\b(?:wheel\s?chair\s+(?:accessible|car|taxi|van)|stay\s+in\s+(?:my|"
                        r"the)\s+(?:wheel\s?)?chair|can'?t\s+(?:get\s+out\s+of|transfer\s+"
                        r"from)\s+(?:my|the)\s+(?:wheel\s?)?chair|ramp)\b", re.I)
_WHEELCHAIR = re.compile(rf"\b{_I}?\s*(?:use|using|need|in|got|have|with)\s+(?:a\s+|my\s+)?"
                         r"(?:folding\s+)?wheel\s?chair\b", re.I)
_NO_AID = re.compile(r"\b(?:(?:don'?t|no longer)\s+(?:need|use)\s+(?:a\s+|my\s+|the\s+)?"
                     r"(?:stick|walker|frame|zimmer|walking\s+(?:stick|frame|aid)))\b", re.I)
_AID = re.compile(rf"\b{_I}?\s*(?:use|using|need|got|have)\s+(?:a\s+|my\s+)?(?:stick|walker|"
                  r"crutches|frame|zimmer(?:\s+frame)?|walking\s+(?:stick|frame|aid)|rollator)\b",
                  re.I)
_AID_WORD = re.compile(r"\b(?:stick|walker|crutches|frame|zimmer|rollator)\b", re.I)
_NO_DOG = re.compile(r"\b(?:no longer\s+(?:have|need|bring)|don'?t\s+(?:have|bring)|not\s+"
                     r"bringing)\s+(?:a\s+|my\s+|the\s+)?(?:assistance|guide|hearing)?\s*dog\b",
                     re.I)
_DOG = re.compile(rf"\b{_I}?\s*(?:have|got|use|with)\s+(?:a\s+|an\s+|my\s+)?(?:new\s+)?"
                  r"(?:assistance|guide|hearing)\s+dog\b", re.I)
_NO_COMPANION = re.compile(r"\b(?:travel|go|come|coming)\s+(?:on\s+my\s+own|alone|by\s+myself)"
                           r"\b|\bno(?:body| one)\s+(?:comes|will come)\s+with\s+me\b", re.I)
_COMPANION = re.compile(r"\b(?:will|now|always|usually)\s+(?:come|comes|travel|travels)\s+with"
                        r"\s+me\b|\bneed\s+(?:a\s+|my\s+)?(?:carer|companion)\s+with\s+me\b",
                        re.I)
_NOW = re.compile(r"\b(?:now|any\s?more|these days|from now on|no longer|again|since|"
                  r"recently|have to|need|don'?t|can'?t|will|always|usually)\b", re.I)
_QUESTION = re.compile(r"^\s*(?:can|could|may|do|does|is|are|will|would)\b.*\?\s*$", re.I)


def detect(snap: Snapshot, text: str) -> Outcome | None:
    """A resident's news about themselves, read back for a yes; None when it is not that."""
    said = " ".join(text.split())
    if not said or _QUESTION.match(said):
        return None
    moved = _MOVED.match(said)
    if moved is not None and not _NOT_A_HOME.search(said):
        return _home(snap, moved.group(1))
    needs = read_needs(said)
    person = snap.person
    if needs and person is not None and needs == {"mobility": person.mobility}:
        return Outcome("idle", {}, say("Thanks, that's already on your record, so nothing "
                                       "needs changing."))
    if needs:
        return _confirm_needs(needs)
    return None


def read_needs(text: str) -> dict[str, Any]:
    """The needs a message says have changed: mobility, companion, dog (only those named)."""
    if not _NOW.search(text) and not re.search(r"\b(?:i|we)\s+(?:use|have|need)\b", text,
                                                re.I):
        return {}
    found: dict[str, Any] = {}
    if _NO_WHEELCHAIR.search(text):
        found["mobility"] = "walking_aid" if _AID_WORD.search(text) else "unaided"
    elif _NEEDS_WAV.search(text):
        found["mobility"] = "wheelchair_vehicle"
    elif _WHEELCHAIR.search(text):
        found["mobility"] = "folding_wheelchair"
    elif _NO_AID.search(text):
        found["mobility"] = "unaided"
    elif _AID.search(text):
        found["mobility"] = "walking_aid"
    if _NO_DOG.search(text):
        found["assistance_dog"] = False
    elif _DOG.search(text):
        found["assistance_dog"] = True
    if _NO_COMPANION.search(text):
        found["companion"] = False
    elif _COMPANION.search(text):
        found["companion"] = True
    return found


def step(snap: Snapshot, text: str, choice: str | None) -> Outcome:
    """An answer while changing details."""
    data = dict(snap.data)
    if snap.state == "details_address":
        if not text.strip() or len(text) > 300:
            return ask("details_address", data, Reply("Please send your new address, e.g. "
                                                      "'4 Mill Lane, Bainbridge'."))
        return _home(snap, text)
    if snap.state == "details_mobility":
        wanted = (choice or "").removeprefix("mob:")
        if wanted not in MOBILITY_LABELS:
            return Outcome("idle", {}, say("OK, nothing has changed."))
        return Outcome("idle", {}, say(_done_needs({"mobility": wanted})),
                       [UpdateNeeds(mobility=wanted)])
    answer = answer_yes_no(text, choice)
    if answer is None:
        return ask(snap.state, data, Reply("Sorry, please answer yes or no. "
                                           + str(data.get("readback", "")), YES_NO))
    if snap.state == "details_home":
        if not answer:
            return Outcome("idle", {}, say("OK, nothing has changed. Send HELP if you'd like "
                                           "a person to call you."))
        home = data["home"]
        found = home.get("settlement_id") is not None
        return Outcome("idle", {}, say(
            "Thank you, your address is updated and a coordinator has been told."
            + (" Your lifts will start from there." if found else
               " They'll confirm where it is before your next lift.")),
            [UpdateHome(home["address"], home.get("postcode", ""), home.get("settlement_id"))])
    needs = data["needs"]
    if not answer:
        if "mobility" in needs:
            return ask("details_mobility", {}, Reply("No problem. How do you get about now?",
                                                     MOBILITY_OPTIONS))
        return Outcome("idle", {}, say("OK, nothing has changed."))
    return Outcome("idle", {}, say(_done_needs(needs)), [UpdateNeeds(
        mobility=needs.get("mobility"), companion=needs.get("companion"),
        assistance_dog=needs.get("assistance_dog"))])


def _home(snap: Snapshot, said: str) -> Outcome:
    address = re.sub(r"\s*(?:now|thanks?|thank you|please)[.!]*\s*$", "", said.strip(" .!,"),
                     flags=re.I).strip(" .!,")
    if not address:
        return ask("details_address", {}, Reply("Thanks for letting us know. What is your new "
                                                "address?"))
    postcode = parse_postcode(address) or ""
    if postcode:
        address = re.sub(re.escape(postcode).replace(r"\ ", r"\s*"), "", address,
                         flags=re.I).strip(" ,")
    places = [PlaceName(s.id, s.name, s.town, s.aliases) for s in snap.settlements]
    matches = match_place(address, places)
    settlement = matches[0].id if matches else None
    shown = address[:90] + (f", {postcode}" if postcode else "")
    readback = f"Your new address is {shown}. Is that right?"
    first = snap.person.first_name if snap.person else ""
    return ask("details_home", {"home": {"address": address[:300], "postcode": postcode,
                                         "settlement_id": settlement},
                                "readback": readback},
               Reply(f"Thanks, {first}. {readback}", YES_NO))


def _needs_words(needs: dict[str, Any]) -> str:
    parts = []
    if "mobility" in needs:
        parts.append({"unaided": "you walk without a wheelchair or aid",
                      "walking_aid": "you use a stick or walker",
                      "folding_wheelchair": "you use a wheelchair (one that folds)",
                      "wheelchair_vehicle": "you need a wheelchair-accessible car"}[
                          needs["mobility"]])
    if "assistance_dog" in needs:
        parts.append("an assistance dog travels with you" if needs["assistance_dog"]
                     else "no dog travels with you")
    if "companion" in needs:
        parts.append("someone comes with you" if needs["companion"]
                     else "you travel on your own")
    return " and ".join(parts)


def _confirm_needs(needs: dict[str, Any]) -> Outcome:
    readback = f"From now on {_needs_words(needs)}. Is that right?"
    return ask("details_needs", {"needs": needs, "readback": readback},
               Reply(f"Thanks for telling us. {readback}", YES_NO))


def _done_needs(needs: dict[str, Any]) -> str:
    return (f"Thank you, that's noted: {_needs_words(needs)}. A coordinator has been told, and "
            "your lifts ahead will be arranged to suit.")

