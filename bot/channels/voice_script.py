"""What a call says, as TwiML: British English, slow, said twice, then a keypad or spoken
answer. Built from the facts stored with the message (never its clinic or reason), so a
call and its voicemail carry no medical detail."""

from __future__ import annotations

import re

from twilio.twiml.voice_response import Gather, Say, VoiceResponse

LANGUAGE = "en-GB"
VOICE = "Polly.Amy"  # British English (Amazon Polly through Twilio); SSML prosody works
RATE = "85%"  # slower than normal speech, for older listeners on a landline
ANSWERED_KINDS = ("confirmation", "reminder", "unserved")  # 1 keeps, 2 cancels the lift
_DAYS = {"Mon": "Monday", "Tue": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday",
         "Fri": "Friday", "Sat": "Saturday", "Sun": "Sunday"}
_MONTHS = {"Jan": "January", "Feb": "February", "Mar": "March", "Apr": "April",
           "Jun": "June", "Jul": "July", "Aug": "August", "Sep": "September",
           "Oct": "October", "Nov": "November", "Dec": "December"}
_REPLY = re.compile(r"\s*(?:Reply|Tap|Text)\b[^.]*\.")
PROMPT = ("Press 1, or say yes, to confirm. Press 2, or say cancel, to cancel the lift. "
          "Press 3 to speak to the scheme.")
PROMPT_NEWS = "Press 1, or say yes, if you heard that. Press 3 to speak to the scheme."


def spoken(text: str) -> str:
    """'Tue 1 Dec 10:05' -> 'Tuesday 1 December 10:05'; '10:00-10:15' -> 'between 10:00
    and 10:15'."""
    text = re.sub(r"\b(\d{1,2}:\d{2})-(\d{1,2}:\d{2})\b", r"between \1 and \2", text)
    text = re.sub(r"\b(" + "|".join(_DAYS) + r")\b", lambda m: _DAYS[m.group(1)], text)
    return re.sub(r"\b(" + "|".join(_MONTHS) + r")\b", lambda m: _MONTHS[m.group(1)], text)


def message(kind: str, facts: dict[str, str], text: str) -> str:
    """The words of the call: from the facts for the kinds we know, else the text without
    its "Reply…" instructions (which mean nothing on a phone)."""
    if kind == "confirmation" and facts.get("day"):
        words = (f"Your lift on {facts['day']} is confirmed. {facts.get('driver', 'A driver')} "
                 f"will collect you {facts.get('window', '')}, in a {facts.get('car', 'car')}. "
                 f"{facts.get('home', '')}")
    elif kind == "reminder" and facts.get("when"):
        words = (f"This is a reminder about your lift. {facts.get('driver', 'Your driver')} "
                 f"will collect you {facts['when']}.")
    elif kind == "unserved" and facts.get("day"):
        words = (f"We are sorry. No driver has been found yet for your lift on {facts['day']}. "
                 "A coordinator is still trying, but you may want to make other plans.")
    else:
        words = _REPLY.sub("", text)
    return spoken(" ".join(words.split()))


def _say(parent: VoiceResponse | Gather, words: str) -> None:
    say = Say(voice=VOICE, language=LANGUAGE)
    say.prosody(words, rate=RATE)
    parent.append(say)


def call_twiml(kind: str, facts: dict[str, str], text: str, scheme: str,
               answer_url: str) -> str:
    """The call a person hears when they pick up: who we are, the message twice, the
    choices; no answer: how to reach us, then goodbye."""
    words = message(kind, facts, text)
    response = VoiceResponse()
    gather = Gather(input="dtmf speech", num_digits=1, timeout=6, action=answer_url,
                    method="POST", language=LANGUAGE, speech_timeout="auto",
                    hints="yes, cancel, speak to someone")
    _say(gather, f"Hello. This is {scheme}, with a message about your lift. {words}")
    gather.pause(length=1)
    _say(gather, f"I'll say that again. {words}")
    gather.pause(length=1)
    _say(gather, PROMPT if kind in ANSWERED_KINDS else PROMPT_NEWS)
    response.append(gather)
    _say(response, f"We didn't hear an answer. If you need us, please ring {scheme}. Goodbye.")
    response.hangup()
    return str(response)


def voicemail_twiml(kind: str, facts: dict[str, str], scheme: str, office: str) -> str:
    """A short message after the beep: who we are and how to ring back; only the day of the
    lift, never a name, a place or a reason (anyone may play the tape)."""
    about = "about your lift"
    if kind in ANSWERED_KINDS and facts.get("day"):
        about += f" on {spoken(facts['day'])}"
    elif kind in ANSWERED_KINDS and facts.get("when"):
        about += f" {spoken(facts['when'])}"
    back = f"please ring us on {_digits(office)}" if office else "please ring the scheme"
    response = VoiceResponse()
    _say(response, f"Hello. This is {scheme}, with a message {about}. If you need to change "
         f"anything, {back}. Thank you. Goodbye.")
    response.hangup()
    return str(response)


def reply_twiml(words: str, *, dial: str = "", gather_url: str = "",
                prompt: str = "") -> str:
    """What the call says after an answer: the words, then a transfer to the office, another
    chance to answer, or goodbye."""
    response = VoiceResponse()
    if gather_url:
        gather = Gather(input="dtmf speech", num_digits=1, timeout=6, action=gather_url,
                        method="POST", language=LANGUAGE, speech_timeout="auto",
                        hints="yes, cancel, speak to someone")
        _say(gather, f"{words} {prompt}".strip())
        response.append(gather)
        _say(response, "Goodbye.")
    else:
        _say(response, words)
        if dial:
            response.dial(dial, timeout=30)
    response.hangup()
    return str(response)


def _digits(phone: str) -> str:
    """'+441969623000' -> '0 1 9 6 9, 6 2 3, 0 0 0': said digit by digit, in groups."""
    national = "0" + phone[3:] if phone.startswith("+44") else phone
    groups = [national[:5], national[5:8], national[8:]]
    return ", ".join(" ".join(g) for g in groups if g)
