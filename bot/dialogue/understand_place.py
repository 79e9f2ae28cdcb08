"""Which of the scheme's destinations a message names ("leybern surgery", "hawes"): pure.

Scoring, 0-100, the best of:
* a distinctive word of a place's town, name or aliases ("leyburn", "friarage", "glebe"):
  100 exact, 95 when the message glues it to more letters ("leyburnsurgery"), else
  `fuzz.ratio` for typos ("leybern" 86, "hawse" 80) if the first letter agrees and the lengths
  are close (a typo rarely hits the first letter, and it keeps "teeth" from being Reeth);
* a several-word alias or name part ("back lane", "central dales") against the same number of
  consecutive words, `fuzz.ratio` of at least 85.
Words and phrases shared by several places ("central dales", a town with two surgeries) score 80%
of that, so a word only they share still finds them all but never beats a unique word. A place
named right after "from" scores 90% (it is where the passenger starts, not the destination).
Generic words ("surgery", "doctors", "practice", "medical", "the", "gp") never match anything.
A place is returned at PLACE_THRESHOLD (75) or above, and only when within 15 points of the best,
so a strong match is not diluted by weak look-alikes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from bot.dialogue.understand_text import normalise, words_only

PLACE_THRESHOLD = 75.0
_PHRASE_THRESHOLD = 85.0
_SHARED = 0.8
_FROM = 0.9
_BEHIND_BEST = 15.0
_MAX_WORDS = 120

# Words in place names that say what, not which.
_GENERIC = frozenset("""
surgery surgeries surgerys doctor doctors docs doc dr drs practice practise medical centre center
health clinic hospital the gp gps house and of group partnership north south east west upper
lower great little new old st saint royal general district community memorial county infirmary
trust nhs park green hill court hall road street lane way close village town city market
""".split())
# Everyday words that could otherwise look like a place ("home" ~ "the holme").
_STOP = frozenset("""
a an to at in on of for from and or me my i im id ill you your we us it its is be am are was
can could would will please pls plz lift lifts ride need needs want get go going take taking
book booking like have has got appointment appt appointments home back there here next this
that what when where which with not no yes ok okay thanks thank just also some time morning
afternoon evening day week today tomorrow about around after before by then dear hi hello
mine his her our their them they he she but if so too very bit little wheelchair walker dog
""".split())


@dataclass(frozen=True)
class PlaceName:
    """A destination as the matcher sees it."""

    id: int
    name: str
    town: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlaceMatch:
    """A destination the message may mean, with how sure we are (0-100)."""

    id: int
    score: float


def _place_keys(places: Sequence[PlaceName]) -> tuple[dict[str, set[int]],
                                                      list[tuple[str, int, int]]]:
    """Distinctive single words (with their place ids) and several-word phrases of places.

    Cached: every message to a scheme matches against the same few dozen places.
    """
    return _place_keys_of(tuple(places))


@lru_cache(maxsize=64)
def _place_keys_of(places: tuple[PlaceName, ...]) -> tuple[dict[str, set[int]],
                                                            list[tuple[str, int, int]]]:
    words: dict[str, set[int]] = {}
    phrases: list[tuple[str, int, int]] = []
    for place in places:
        texts = [place.town, *str(place.name).split(","), *tuple(place.aliases or ())]
        for raw in texts:
            tokens = words_only(normalise(raw)).split()
            kept = [t for t in tokens if t not in _GENERIC]
            whole = [t for t in tokens if t != "the"]
            # Both "central dales" and "back lane": the generic words of a street name matter.
            for phrase in {tuple(kept), tuple(whole)} if kept else ():
                if len(phrase) > 1:
                    phrases.append((" ".join(phrase), len(phrase), place.id))
            for token in kept:
                if len(token) >= 4 and token not in _STOP and not token.isdigit():
                    words.setdefault(token, set()).add(place.id)
    return words, phrases


def _similar(word: str, key: str) -> float:
    """How much a message word looks like a place word, 0 when not at all."""
    if word == key:
        return 100.0
    if len(key) >= 5 and word.startswith(key):
        return 95.0
    if word[0] != key[0] or abs(len(word) - len(key)) > 2:
        return 0.0
    score = fuzz.ratio(word, key)
    return score if score >= PLACE_THRESHOLD else 0.0


def match_place_in(norm: str, places: Sequence[PlaceName]) -> list[PlaceMatch]:
    """Places named in already-normalised text, best first (see the module docstring)."""
    try:
        words, phrases = _place_keys(places)
    except (AttributeError, TypeError):
        return []  # not PlaceName-like: nothing to match, and nothing to crash on
    tokens = words_only(norm).split()[:_MAX_WORDS]
    best: dict[int, float] = {}

    def offer(place_id: int, score: float, index: int) -> None:
        if index > 0 and tokens[index - 1] == "from":
            score *= _FROM
        if score > best.get(place_id, 0.0):
            best[place_id] = score

    for i, word in enumerate(tokens):
        if len(word) < 3 or word in _STOP or word in _GENERIC or word.isdigit():
            continue
        for key, ids in words.items():
            score = _similar(word, key)
            if score:
                for place_id in ids:
                    offer(place_id, score * (_SHARED if len(ids) > 1 else 1.0), i)
    owners: dict[str, set[int]] = {}
    for phrase, _size, place_id in phrases:
        owners.setdefault(phrase, set()).add(place_id)
    for phrase, size, place_id in phrases:
        shared = _SHARED if len(owners[phrase]) > 1 else 1.0
        for i in range(len(tokens) - size + 1):
            score = fuzz.ratio(phrase, " ".join(tokens[i:i + size]))
            if score >= _PHRASE_THRESHOLD:
                offer(place_id, score * shared, i)
    if not best:
        return []
    top = max(best.values())
    order = {place.id: n for n, place in reversed(list(enumerate(places)))}
    kept = [(pid, s) for pid, s in best.items()
            if s >= PLACE_THRESHOLD and s >= top - _BEHIND_BEST]
    kept.sort(key=lambda item: (-item[1], order.get(item[0], 0)))
    return [PlaceMatch(pid, round(score, 1)) for pid, score in kept]
