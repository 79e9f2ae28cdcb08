"""What a passenger's message means: intents, yes/no, postcodes, surgeries, day and time.

Pure and channel-agnostic: functions over strings and values, no I/O. Messages come from
elderly people on basic phones, so everything is forgiving (typos, no punctuation, capitals,
"2moro") and nothing raises, whatever the input. Only the first MAX_CHARS characters are read.
Days and the day-plus-time `When` live in `understand_when`, times of day in `understand_time`,
surgery matching in `understand_place`; this module re-exports their public names.

`classify` reads words only: a message with just a day, time or place ("tues 10.40 hawes") is
UNKNOWN, and the caller runs `extract_request` on it. CANCEL is not an opt-out here (Twilio
treats a bare CANCEL as one on its own long codes; ours cancels a lift).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum
from zoneinfo import ZoneInfo

from bot.dialogue.understand_place import PLACE_THRESHOLD, PlaceMatch, PlaceName, match_place_in
from bot.dialogue.understand_text import MAX_CHARS, mask, normalise, words_only
from bot.dialogue.understand_when import (
    NO_SUCH_DATE,
    PAST,
    UNCLEAR,
    DateResult,
    When,
    parse_date,
    parse_time,
    parse_when,
    when_from_norm,
)

__all__ = [
    "MAX_CHARS", "NO_SUCH_DATE", "PAST", "PLACE_THRESHOLD", "UNCLEAR", "DateResult", "Intent",
    "PlaceMatch", "PlaceName", "RequestParts", "When", "classify", "extract_request",
    "match_place", "parse_date", "parse_postcode", "parse_time", "parse_when", "yes_no",
]


class Intent(Enum):
    """What a message is for, when it is not an answer to a question."""

    BOOK = "book"
    CANCEL = "cancel"
    LIST = "list"
    HELP = "help"
    STOP = "stop"
    START = "start"
    THANKS = "thanks"
    GREETING = "greeting"
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RequestParts:
    """Everything a booking request said in one message."""

    day: date | None
    time: time | None
    date_problem: str | None
    places: list[PlaceMatch]


# --- yes / no --------------------------------------------------------------------------

# Whole-message answers only: a lone letter inside a sentence means nothing.
_YES_ALONE = {"y", "ye", "ya", "yh", "k", "kk", "ys", "yse", "yess", "yesss", "yez", "yas",
              "please", "yes yes"}
_NO_ALONE = {"n", "na", "nay", "nno", "noo", "nooo"}
_YES_STRONG = {"yes", "yeah", "yea", "yep", "yup", "yah", "aye", "ay", "correct", "sure",
               "definitely", "certainly", "absolutely", "affirmative", "indeed",
               "yes please", "please do", "go ahead", "of course", "thats right",
               "that is right", "thats correct", "that is correct", "yes thats right",
               "spot on", "right yes", "go on", "why not", "course"}
# Acknowledgements that answer yes to a question but are THANKS on their own.
_YES_SOFT = {"ok", "okay", "okey", "okie", "okk", "oky", "fine", "lovely", "great", "perfect",
             "brilliant", "grand", "alright", "all right", "thats good", "sounds good", "champion",
             "thats fine", "that is fine", "thats great", "right", "no problem", "no worries",
             "no bother", "no probs", "that will do", "thatll do", "super", "excellent"}
_NO_WORDS = {"no", "nope", "nah", "not really", "wrong", "incorrect", "negative", "dont",
             "do not", "no thanks", "no thank you", "thats wrong", "that is wrong", "not right",
             "thats not right", "that is not right", "not correct", "no way", "never",
             "not that", "no not"}
_YES_EMOJI = ("\U0001f44d", "\u2705", "\U0001f44c", "\u2714")
_NO_EMOJI = ("\U0001f44e", "\u274c", "\u2716")


def _yes_no_detail(norm: str) -> tuple[bool | None, bool]:
    """(answer, strong): strong means an outright yes/no rather than an acknowledgement."""
    clean = words_only(norm)
    tokens = clean.split()
    if not tokens:
        if any(e in norm for e in _YES_EMOJI):
            return True, False
        if any(e in norm for e in _NO_EMOJI):
            return False, True
        return None, False
    if re.match(r"(?:dont|do not|not) (?:know|sure)|no idea|unsure|maybe|perhaps", clean):
        return None, False
    if clean in _YES_ALONE:
        return True, True
    if clean in _NO_ALONE:
        return False, True
    head = " " + " ".join(tokens[:8]) + " "
    # "yes but it's 10.45": a qualified yes must not confirm a booking.
    qualified = re.search(r" (?:but|except|although|however|not|wrong|change|instead) ", head)
    # The opening words decide: "no thanks", "yes please", "ok thanks", "no problem".
    for n in (4, 3, 2, 1):
        lead = " ".join(tokens[:n])
        if len(tokens) >= n:
            if lead in _NO_WORDS:
                return False, True
            if lead in _YES_SOFT or lead in _YES_STRONG:
                return (None, False) if qualified else (True, lead in _YES_STRONG)
    if re.search(r" (?:not|isnt|aint|thats not|is not) (?:right|correct) | wrong | incorrect ",
                 head):
        return False, True
    if re.search(r" (?:thats|that is|yes|its|it is) (?:right|correct) | please do | go ahead ",
                 head):
        return True, True
    return None, False


def yes_no(text: str) -> bool | None:
    """The answer to a yes/no question: True, False, or None when it is neither."""
    return _yes_no_detail(normalise(text))[0]


# --- intents ---------------------------------------------------------------------------

# SMS opt-out keywords (Twilio's defaults except CANCEL, which here cancels a lift): the
# whole message only, so "stop at the chemist on the way" is not an opt-out.
_STOP_WORDS = {"stop", "unsubscribe", "end", "quit", "stopall", "stop all", "optout",
               "opt out", "revoke", "stop stop", "unsubscribe me"}
_START_WORDS = {"start", "unstop", "subscribe", "start again", "restart"}


def _has(pattern: str, text: str) -> bool:
    """Whether the words-only `text` contains `pattern` as whole words."""
    return re.search(r"(?<![a-z0-9])(?:" + pattern + r")(?![a-z0-9])", text) is not None


_HUMAN = (r"human|real person|a person|an operator|operator|coordinator|co ordinator|"
          r"(?:speak|talk|chat) (?:to|with)|(?:ring|call|phone|rang|bell) (?:me|us)|"
          r"(?:someone|somebody|anyone) (?:to )?(?:ring|call|phone)|call back|ring back")
_CANCEL = (r"cancel\w*|cancle\w*|cansel\w*|cancl\w*|canel\w*|cncl|"
           r"call (?:it |that |the lift )?off|"
           r"(?:dont|do not|wont|will not|no longer|doesnt|does not|not) (?:\w+ ){0,2}?"
           r"(?:need|want|require|going)\w*(?: \w+){0,2}? (?:lift|ride|booking|it|that|"
           r"anymore|any more|after all)|"
           r"(?:cant|cannot|can not|unable to) make it|(?:wont|cant|not) be going|"
           r"not going any more|appointment (?:has been|was|is) (?:moved|off)")
_NOT_CANCEL = r"(?:dont|do not|not|never) cancel"
_LIST = (r"my (?:lifts|bookings|rides|appointments|trips)|"
         r"(?:what|which|any) (?:lifts|bookings|rides)|"
         r"(?:when|what time|what day|which day)(?: s| is| are)? (?:is |are )?my "
         r"(?:lift|ride|booking|driver|pick ?up)|whens my|"
         r"(?:have|got|do) i (?:got |have |booked )?(?:any |a |my )?(?:lifts?|bookings?|rides?)|"
         r"is my (?:lift|ride|booking|driver)|who is (?:my )?driv\w+|whos driving|"
         r"(?:lift|lifts|booking|bookings) (?:have|got) i|list|upcoming|lifts booked")
_BOOK = (r"lift|lifts|lfit|lft|liftt|ride|book|booking|take me|pick me up|pick me|collect me|"
         r"drive me|run me|give me a lift|appointment|appt|appointmnt|apointment|doctors?|docs|"
         r"drs|gp|surgery|hospital|transport|get to|go to|need to get|taxi")
_THANKS_FOR = (r"(?:thank\w*|thanx|thx|ta|cheers) (?:\w+ ){0,3}?for "
               r"(?:\w+ ){0,2}?(?:lift|ride|help)")
# HELP alerts a coordinator from any state, so only clear requests for a person count.
_HELP = (r"help|helps|hlp|helpp|hepl|confused|dont understand|do not understand|"
         r"how does this work|what do i do|assistance")
_THANKS = (r"thanks|thank you|thank u|thankyou|thanku|thank|thanx|thnx|thnks|thx|tx|ty|tq|"
           r"ta|tar|cheers|cheers love|much appreciated|appreciated|appreciate it|bless you|"
           r"ok|okay|okey|okie|k|kk|lovely|great|brilliant|brill|wonderful|grand|champion|"
           r"perfect|fab|fabulous|super|smashing|marvellous|got it|noted|will do|"
           r"see you|bye|goodbye|ta ta|tara|cool|fine|nice one|excellent|very good|thats good")
_THANKS_CORE = r"thank\w*|thanx|thnx|thx|ty|ta|cheers|appreciated"
# "Thanks, the doctor was lovely" mentions the surgery but asks for nothing: a thank-you,
# never a new booking (the complaint that sank an earlier system).
_THANKS_OPENER = re.compile(r"^(?:many |big )?(?:thank\w*|thanx|thnx|thx|ta|cheers)\b")
_ASKING = re.compile(r"\b(?:can|could|would|will|need|want|like|book|another|next|again)\b")


def _thanks_after_a_trip(norm: str, clean: str) -> bool:
    """Opens with thanks and asks for nothing."""
    return bool(_THANKS_OPENER.match(clean)) and "?" not in norm and not _ASKING.search(clean)
_GREETING = (r"^(?:hi|hii|hello|helo|hallo|hullo|hiya|hey|heya|howdy|yo|greetings|morning|"
             r"afternoon|evening|good (?:morning|afternoon|evening|day)|ey up|eyup|now then|"
             r"how do|how are you|dear sir)")
_THANKS_EMOJI = ("\U0001f44d", "\U0001f64f", "\U0001f60a", "\u2764", "\U0001f44c", "\U0001f642",
                 "\U0001f600", "\U0001f970", "\U0001f618", "\u263a")


def classify(text: str) -> Intent:
    """What a free-text message is for (a booking, a cancellation, thanks, an opt-out, ...)."""
    norm = normalise(text)
    clean = words_only(norm)
    if not clean:
        if norm and set(norm) <= set("?¿ "):
            return Intent.HELP
        answer, _strong = _yes_no_detail(norm)
        if any(e in norm for e in _THANKS_EMOJI):
            return Intent.THANKS
        if answer is False:
            return Intent.NO
        return Intent.THANKS if answer else Intent.UNKNOWN
    if clean in _STOP_WORDS:
        return Intent.STOP
    if clean in _START_WORDS or norm.startswith("/start"):
        return Intent.START
    if norm.startswith("/help") or clean == "help":
        return Intent.HELP
    if _has(_HUMAN, clean) and not _has(r"driver|drivers|when (?:you|they|he|she) arrive", clean):
        return Intent.HELP
    if _has(_CANCEL, clean) and not _has(_NOT_CANCEL, clean):
        return Intent.CANCEL
    if _has(_LIST, clean):
        return Intent.LIST
    if _has(_THANKS_FOR, clean) or _thanks_after_a_trip(norm, clean):
        return Intent.THANKS
    if _has(_BOOK, clean):
        return Intent.BOOK
    if _has(_HELP, clean):
        return Intent.HELP
    answer, strong = _yes_no_detail(norm)
    if answer is False:
        return Intent.NO
    if answer is True and strong:
        return Intent.YES
    if re.search(_GREETING + r"(?![a-z])", clean) and not _has(_THANKS_CORE, clean):
        return Intent.GREETING
    if answer is True or _has(_THANKS, clean) or any(e in norm for e in _THANKS_EMOJI):
        return Intent.THANKS
    return Intent.UNKNOWN


# --- postcodes -------------------------------------------------------------------------

# Outward code (A9, A99, AA9, AA99, A9A, AA9A) then inward code (9AA); the inward letters
# never use C, I, K, M, O or V. Spaces optional, any case.
_POSTCODE = re.compile(
    r"(?<![A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][ABD-HJLNP-UW-Z]{2})(?![A-Z0-9])")


def parse_postcode(text: str) -> str | None:
    """The first UK postcode anywhere in `text`, normalised like "DL8 5EP", else None."""
    norm = normalise(text).upper()
    m = _POSTCODE.search(norm)
    return f"{m.group(1)} {m.group(2)}" if m else None


# --- places and whole requests ---------------------------------------------------------


def match_place(text: str, places: Sequence[PlaceName]) -> list[PlaceMatch]:
    """Destinations the text names, best first, each scoring at least PLACE_THRESHOLD."""
    return match_place_in(normalise(text), places)


def extract_request(text: str, now: datetime, tz: ZoneInfo,
                    places: Sequence[PlaceName]) -> RequestParts:
    """Day, time and destination from one booking message ("lift to leyburn tues 10.40")."""
    norm = normalise(text)
    when, spans = when_from_norm(norm, now, tz)
    # Blank the date and time words so "tues" or "half ten" can never look like a place.
    found = match_place_in(mask(norm, spans), places)
    return RequestParts(when.day, when.time, when.problem, found)
