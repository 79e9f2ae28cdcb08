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

from bot.dialogue import understand_topics as topics
from bot.dialogue.understand_place import PLACE_THRESHOLD, PlaceMatch, PlaceName, match_place_in
from bot.dialogue.understand_text import MAX_CHARS, mask, normalise, words_only
from bot.dialogue.understand_when import (
    NO_SUCH_DATE,
    PAST,
    UNCLEAR,
    DateResult,
    When,
    correction_time,
    parse_date,
    parse_time,
    parse_when,
    when_from_norm,
)

__all__ = [
    "MAX_CHARS", "NO_SUCH_DATE", "PAST", "PLACE_THRESHOLD", "UNCLEAR", "DateResult", "Intent",
    "PlaceMatch", "PlaceName", "RequestParts", "When", "asks_for_person", "classify",
    "companion_in", "correction_time", "extract_request", "match_place", "parse_date",
    "parse_postcode", "parse_time", "parse_when", "request_inside_thanks", "return_in",
    "yes_no",
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
    CHANGE = "change"  # move a booked lift to another day or time
    JOIN = "join"  # a stranger asking to join (the word JOIN alone)
    MISTAKE = "mistake"  # "sorry, wrong number"
    ETA = "eta"  # "is my driver coming?"
    FAQ = "faq"  # cost, dogs, what the scheme covers (see understand_topics.faq_topic)
    NOT_MEDICAL = "not_medical"  # shopping, the hairdresser: trips the scheme doesn't make
    VOLUNTEER = "volunteer"  # offering to drive
    BAD_NEWS = "bad_news"  # a death in the family, a stay in hospital
    PRIVACY = "privacy"  # PRIVACY, or how do you use my details (the short notice)
    ERASE = "erase"  # "please delete my details" (an erasure request for a coordinator)
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
           r"not going any more|appointment (?:has been|was|is) off")
_NOT_CANCEL = r"(?:dont|do not|not|never) cancel"
# Moving a booked lift: "make it 11 instead", "it's moved to Wednesday".
_CHANGE = (r"(?<!cant )(?<!cannot )(?<!can not )(?<!wont )(?<!can )(?<!will )"
           r"make it(?! on | to )|instead|"
           r"(?:moved|changed|put back|brought forward|rearranged|"
           r"rescheduled|shifted) (?:\w+ )?(?:to|till|until|for|on)|"
           r"(?:has|have|is|was|s|got|been) (?:been )?(?:moved|changed|rearranged|"
           r"rescheduled|put back|brought forward)|"
           r"(?:change|move|rearrange|reschedule|alter) (?:\w+ ){0,2}?(?:lift|booking|"
           r"appointment|time|day|date|it)|can (?:it|we|you) (?:\w+ )?(?:be|go) (?:on|at|for)")
_LIST = (r"my (?:lifts|bookings|rides|appointments|trips)|am i (?:booked|down)|"
         r"(?:is|was) (?:there|it) (?:a |my )?(?:lift|booking) (?:booked|on|for)|"
         r"(?:did|have) (?:i|you) (?:got )?(?:book|booked)(?: me)?(?: a| my)? (?:lift|in|for|on)|"
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


def asks_for_person(text: str) -> bool:
    """A plain request for a person ("HELP", "?", "can someone ring me"): it pre-empts any
    question, unlike a message that merely contains "help" ("I walk without help")."""
    norm = normalise(text)
    clean = words_only(norm)
    if not clean:
        return bool(norm) and set(norm) <= set("?¿ ")
    if norm.startswith("/help") or clean in ("help", "help me", "help please", "please help"):
        return True
    return _has(_HUMAN, clean) and not _has(r"driver|drivers|when (?:you|they|he|she) arrive",
                                            clean)


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
    if clean in _STOP_WORDS or _has(topics.OPT_OUT, clean):
        return Intent.STOP
    if clean in _START_WORDS or norm.startswith("/start"):
        return Intent.START
    if norm.startswith("/help") or clean == "help":
        return Intent.HELP
    if clean in ("join", "join please", "join me up", "sign me up", "register"):
        return Intent.JOIN
    if _has(topics.ERASE, clean):
        return Intent.ERASE
    if _has(topics.PRIVACY, clean) or _has(topics.ACCESS, clean):
        return Intent.PRIVACY
    return _by_topic(norm, clean)


def _by_topic(norm: str, clean: str) -> Intent:
    """Phrases, most specific first: each is checked before the words it could be taken for."""
    if _has(topics.MISTAKE, clean):
        return Intent.MISTAKE
    if topics.bad_news(clean):
        return Intent.BAD_NEWS
    if _has(topics.VOLUNTEER, clean):
        return Intent.VOLUNTEER
    if _has(_HUMAN, clean) and not _has(r"driver|drivers|when (?:you|they|he|she) arrive", clean):
        return Intent.HELP
    if _has(topics.ETA, clean):
        return Intent.ETA
    if _has(_CHANGE, clean) and not _has(r"change my mind|changed my mind", clean):
        return Intent.CHANGE
    if _has(_CANCEL, clean) and not _has(_NOT_CANCEL, clean):
        return Intent.CANCEL
    if _has(_LIST, clean):
        return Intent.LIST
    if topics.faq_topic(norm, clean) is not None:
        return Intent.FAQ
    if _has(_THANKS_FOR, clean) or _thanks_after_a_trip(norm, clean):
        return Intent.THANKS
    if topics.not_medical(clean) and _has(_BOOK + r"|need|want|go|going|get", clean):
        return Intent.NOT_MEDICAL
    if _has(_BOOK, clean):
        return Intent.BOOK
    if _has(_HELP, clean):
        return Intent.HELP
    if _has(topics.GOODWILL, clean):
        return Intent.THANKS
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


def request_inside_thanks(text: str, parts: RequestParts) -> bool:
    """A thank-you that also carries a new booking ("Friarage Thursday 2pm, thank you";
    "thanks for Tuesday, I need another to Hawes on the 15th"), not thanks for a past lift."""
    norm = normalise(text)
    clean = words_only(norm)
    asking = _ASKING.search(clean) is not None
    complete = bool(parts.places) and bool(parts.day or parts.time)
    if not complete and not (asking and (parts.places or parts.day)):
        return False
    if _thanks_after_a_trip(norm, clean):
        return False  # opens with thanks and asks for nothing: about a lift already given
    return asking or not _has(_THANKS_FOR, clean)


# --- companions and the way home ----------------------------------------------------------

_KIN = (r"husband|hubby|wife|partner|son|daughter|mum|mother|dad|father|sister|brother|"
        r"carer|friend|neighbour|grandson|granddaughter|niece|nephew|helper")
_FETCH = (r"collect\w*|pick(?:ing)? me up|fetch\w*|bring\w* me (?:back|home)|take me home|"
          r"get me (?:back|home)|run me (?:back|home)|come (?:and|to) get me|drive me (?:back|"
          r"home)|get (?:the|a) (?:bus|train|taxi)|(?:find|make) my own way")
_ONE_WAY = (r"just there|there only|only there|one way|single journey|just one way|"
            r"(?:my (?:" + _KIN + r")|someone|somebody|(?:i|we)(?: ll| will| can| shall)?|"
            r"ill|im|we ll|well) (?:\w+ ){0,3}?(?:" + _FETCH + r")|"
            r"(?:no|dont|do not) need (?:a lift |a ride |to be brought |taking )?(?:back|home)|"
            r"no (?:lift|ride) (?:back|home)|no need (?:for the driver )?to wait|"
            r"dont need (?:you|the driver|anyone) to wait")
_WAIT = r"wait (?:for me|and bring|and take|with me)|(?:driver|you) (?:can |could )?wait"
_LATER = (r"(?:collect|pick) me (?:up )?(?:after\w*|later)|come back (?:for me|and collect|"
          r"later)")
_BOTH = (r"there and back|and back again|both ways|return (?:journey|trip)|and home again|"
         r"(?:bring|take|get) me (?:back|home)(?: again)?|back home after")
_ALONE = (r"just me|only me|on my own|by myself|no companion|no one else|nobody else|alone|"
          r"(?:nobody|no one|noone) (?:is )?coming")
_WITH = (r"(?:me and|and|with|bring\w*|taking|plus) (?:my|our) (?P<a>" + _KIN + r")|"
         r"(?:my|our) (?P<b>" + _KIN + r") (?:\w+ ){0,2}?(?:coming|come\b(?! (?:and|to) get)|"
         r"travel\w*|too|as well|with me|joining)|(?P<two>two|2|both) of us|"
         r"with (?:a|my) (?P<c>carer|friend|companion|helper)")


def return_in(text: str) -> str | None:
    """The way home a request asks for: one_way, wait, collect_later, or "both" (there and
    back, the plan left to the destination's kind); None when it says nothing about it."""
    clean = words_only(normalise(text))
    if _has(_ONE_WAY, clean):
        return "one_way"
    if _has(_LATER, clean):
        return "collect_later"
    if _has(_WAIT, clean):
        return "wait"
    if _has(_BOTH, clean):
        return "both"
    return None


def companion_in(text: str) -> tuple[bool | None, str]:
    """Whether someone travels with the resident, and who ("your husband"), as the request
    says; (None, "") when it says nothing about it."""
    clean = words_only(normalise(text))
    if _has(_ALONE, clean):
        return False, ""
    match = re.search(r"(?<![a-z0-9])(?:" + _WITH + r")(?![a-z0-9])", clean)
    if match is None:
        return None, ""
    kin = match.group("a") or match.group("b") or match.group("c")
    if kin is None:
        return True, ""
    if kin in ("hubby",):
        kin = "husband"
    return True, f"your {kin}"


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
