"""Messages that are not bookings: a wrong number, "is my driver coming?", cost, dogs, what
the scheme covers, shopping trips, opting out in other words, good wishes, offers to drive,
and bad news. Pure word patterns over `words_only` text (apostrophes dropped), no I/O.

Each pattern is written for a whole kind of message, not for one phrasing, and each is
checked before the booking words it could be mistaken for ("how much is a lift" asks about
cost, "can I help with driving" offers to drive, "the appointment has moved" is a change).
"""

from __future__ import annotations

import re
from enum import Enum


class Faq(Enum):
    """The questions the scheme's FAQ answers (texts in SchemeRules)."""

    COST = "cost"
    DOGS = "dogs"
    COVERS = "covers"


def has(pattern: str, text: str) -> bool:
    """Whether the words-only `text` contains `pattern` as whole words."""
    return re.search(r"(?<![a-z0-9])(?:" + pattern + r")(?![a-z0-9])", text) is not None


# "Sorry, wrong number": said by strangers who never meant to write to us.
MISTAKE = (r"wrong (?:number|person|phone|people)|(?:by|in) (?:mistake|error)|"
           r"(?:sent|send|text\w*|messag\w*) (?:\w+ ){0,3}?(?:wrong|mistake)|"
           r"(?:not|wasnt|was not|isnt|is not) (?:meant|intended|supposed) (?:to be )?for you|"
           r"(?:was|is|that was|it was) (?:meant|intended) for (?:my|someone|somebody|another)|"
           r"(?:didnt|did not|never) mean to (?:send|text|message)|"
           r"who (?:is|are) (?:this|you|these people)|whos (?:this|that)|"
           r"(?:dont|do not) know (?:who you are|you|this number|why)|"
           r"(?:ignore|disregard) (?:that|this|my (?:last )?(?:text|message))|"
           r"(?:how did|why do) you (?:get|have) my number")

# Opting out in other words than STOP: the texts themselves must be the object.
OPT_OUT = (r"(?:stop|quit|cease|pack in) (?:\w+ ){0,2}?(?:sending|texting|messaging|"
           r"contacting|bothering|pestering)(?: me| us)?|"
           r"(?:dont|do not|never) (?:\w+ ){0,2}?(?:text|message|contact|send) (?:me|us)"
           r"(?: \w+){0,3}? (?:again|anymore|any more|ever)|"
           r"(?:dont|do not) want (?:any more|anymore|any|more|your|these|the) "
           r"(?:\w+ )?(?:texts|messages|sms)|no more (?:texts|messages)|"
           r"(?:take|remove|delete) (?:me|my number|my details|my name) "
           r"(?:off|from) (?:your|the|this) (?:list|system|books|records)|"
           r"unsubscribe me|opt me out|(?:let me|i want to|id like to) (?:opt|unsubscribe)")

# Data protection: asking how we use their details, to see them, or to have them deleted.
PRIVACY = (r"privacy(?: notice| policy| statement)?|data protection|gdpr|"
           r"what (?:data|information|info|details) (?:do )?you (?:hold|keep|store)|"
           r"what (?:data|information|info|details) (?:do )?you have (?:about|on) me|"
           r"what (?:do )?you (?:do|keep) with my (?:data|details|information|info)")
ACCESS = (r"(?:see|get|have|send me|want|copy of) (?:a copy of )?(?:all )?(?:my|the) "
          r"(?:data|details|information|info|records?) (?:you (?:hold|keep|have)|about me|"
          r"on me)|subject access")
# ("Take me off your list" or "remove my number" only stops the texts: see OPT_OUT.)
ERASE = (r"(?:delete|remove|erase|wipe|destroy) (?:all )?(?:of )?my (?:data|details|"
         r"information|info|records?|account|personal)|forget me|"
         r"right to (?:be forgotten|erasure)")

# Good wishes and thanks in other words: never a booking.
GOODWILL = (r"bless (?:you|them|her|him|all)|god bless|(?:youre|you are|your) (?:all )?"
            r"(?:so |very |really )?(?:kind|stars?|angels?|wonderful|marvellous|brilliant|"
            r"a treasure|a godsend|the best)|much obliged|(?:merry|happy) (?:christmas|xmas|"
            r"new year|easter)|seasons greetings|best wishes|(?:all|kind) (?:the best|regards)|"
            r"keep up the good work|what (?:would|will) (?:i|we) do without you|"
            r"(?:thank|tell|give) (?:\w+ ){0,2}?(?:driver|margaret|sue)\w* (?:for me|my (?:love|"
            r"thanks|regards))|(?:love|regards|thanks) to (?:the|all|my) (?:\w+ )?drivers?|"
            r"(?:have|enjoy) a (?:lovely|good|nice|great) (?:day|weekend|week|christmas|holiday)|"
            r"(?:very|most|so) (?:grateful|kind)|lifesaver|life saver")

# Offering to drive (never from a driver: drivers' messages go elsewhere). First person only,
# so "thanks to all the volunteers" stays a thank-you.
_ME = r"(?:i|we|me|id|ive|im|ill|husband|wife)"
VOLUNTEER = (_ME + r"(?: \w+){0,5}? (?:volunteer\w*|drive for (?:you|the scheme)|"
             r"be (?:a|one of your) (?:volunteer )?drivers?|become a (?:volunteer )?driver|"
             r"help (?:\w+ ){0,2}?(?:with )?(?:the )?driving|help drive|do (?:some|a bit of) "
             r"driving|offer (?:to drive|my services))|"
             r"(?:need|want|looking for|short of|recruiting) (?:any |more |some |new )?"
             r"(?:volunteer )?drivers|become a (?:volunteer|driver)|"
             r"join (?:as|your) (?:a )?(?:volunteer|driver)\w*|volunteer (?:as a|to drive)")

# Bad news: a death, a funeral, a stay in hospital. Kept apart from a lift TO hospital.
_FAMILY = (r"husband|wife|partner|son|daughter|mum|mother|dad|father|sister|brother|"
           r"hubby|friend|neighbour|carer|he|she|they")
BAD_NEWS = (r"died|passed away|passed on|bereave\w*|funeral|death in the family|"
            r"(?:lost|losing) my (?:\w+ )?(?:" + _FAMILY + r")|"
            r"(?:im|i am|ive been|i have been|i was|been|" + _FAMILY + r") (?:is |s |has been |"
            r"was |now |still )?(?:\w+ )?(?:in|into) (?:the )?(?:hospital|hospice)|"
            r"(?:been|was|got|being|im|i am) (?:\w+ )?(?:admitted|kept in)|"
            r"kept (?:me |her |him |them )?in (?:hospital|overnight)|"
            r"had (?:a |another )?(?:bad )?(?:fall|stroke|heart attack)|"
            r"(?:very|seriously|terribly|gravely) (?:ill|poorly|unwell)")
_NOT_BAD_NEWS = (r"(?:phone|battery|car|mobile|telly|tv) (?:\w+ )?died|passed (?:the|my) "
                 r"(?:test|message)|(?:lift|ride|take me|get) (?:\w+ )?(?:in|into|to) "
                 r"(?:the )?hospital")

# "Is my driver coming?" on the day.
ETA = (r"(?:is|has) (?:my |the )?(?:driver|lift|car|ride|taxi)(?: \w+)? (?:coming|on (?:his|her|"
       r"their|the) way|running late|late|left|set off|forgotten)|"
       r"(?:where|wheres) (?:is |s )?(?:my |the )?(?:driver|lift|car|ride)|"
       r"(?:driver|lift|car|taxi)\w* (?:is |s |has )?(?:still )?(?:not|isnt|hasnt|has not|"
       r"havent|not yet) (?:yet )?(?:here|come|arrived|turned up|shown up|been)|"
       r"(?:driver|lift|car) (?:is |s )?(?:late|running late)|running late|no sign of|"
       r"still waiting (?:for )?(?:my |the )?(?:driver|lift|car)?|"
       r"(?:when|what time) (?:will|is|does) (?:my |the )?(?:driver|lift|car) "
       r"(?:be here|arrive|come|get here|coming)|(?:is|are) (?:he|she|they|someone) coming|"
       r"(?:is|are) \w+ on (?:his|her|their|the) way|(?:is|are) you coming")

_COST = (r"cost\w*|price|prices|how much|owe|charge\w*|fee|fees|pay|paying|payment|donat\w*|"
         r"(?:is it|are they|is this) free|money|afford")
_DOGS = r"dogs?|guide dog|puppy|pets?"
_COVERS = (r"what (?:do|does) (?:you|the scheme|it) (?:cover|do)|(?:where|which places) "
           r"(?:do|can|will) you (?:go|take|drive)|what (?:places|trips|journeys)|"
           r"(?:do|can|will) you (?:go|take people|do trips) (?:to|anywhere|outside)|"
           r"who can use|how does (?:it|this|the scheme) work|what is this|what do you offer")
_QUESTION = r"(?:do|does|can|could|will|would|is|are|how|hows|what|whats|may|am|should)"

# Where the scheme does not drive: shopping, the hairdresser, visits.
NOT_MEDICAL = (r"shop|shops|shopping|supermarket|tesco|asda|morrisons|sainsburys|aldi|lidl|"
               r"co op|coop|market|hairdresser\w*|hair ?do|barber\w*|bank|post office|"
               r"church|library|pub|cafe|restaurant|lunch club|bingo|garden cent\w*|cinema|"
               r"(?:to|for|catch) (?:the |my |a )?(?:station|airport|train|bus|coach)|"
               r"vets?|visit (?:my|a|our) \w+|wedding|party|"
               r"optician\w*|dentist\w*|opticians|chiropod\w*|podiatr\w*")
MEDICAL = (r"surgery|doctor\w*|docs|drs|gp|hospital|clinic|appointment|appt|nurse|medical|"
           r"practice|blood test|bloods|injection|jab|physio\w*|x ?ray|scan|health cent\w*")


def faq_topic(norm: str, clean: str) -> Faq | None:
    """The FAQ a question asks, when it asks one ("how much does it cost?", "can I bring
    my dog?"); None for a statement ("my dog is poorly" asks nothing)."""
    asking = ("?" in norm or re.match(r"(?:(?:please|sorry|hi|hello|and|also|just) )?"
                                      + _QUESTION + r"\b", clean) is not None
              or has(r"wondering|wonder if|allowed|is it ok|is that ok", clean))
    if has(_COVERS, clean):
        return Faq.COVERS
    if not asking:
        return None
    if has(_COST, clean):
        return Faq.COST
    if has(_DOGS, clean):
        return Faq.DOGS
    return None


def bad_news(clean: str) -> bool:
    """A death, a funeral or a stay in hospital."""
    return has(BAD_NEWS, clean) and not has(_NOT_BAD_NEWS, clean)


def not_medical(clean: str) -> bool:
    """A trip the scheme does not make (shopping, a visit), with no medical word in it."""
    return has(NOT_MEDICAL, clean) and not has(MEDICAL, clean)
