"""Where a home is, from the address and postcode a resident gave: the one small interface.

In order, the first that answers wins:
1. the postcode in the postcode table (`lifts geo import-postcodes`: ONS Postcode Directory
   or OS Code-Point Open), then, where the operator enabled it, postcodes.io (a remote
   `PostcodeLookup`, defined here and implemented in the entry point);
2. a village of the scheme's places named in the address (or the one the dialogue matched);
3. the one village whose postcode prefix (district "DL8" or sector "DL8 3") the postcode has.
Nothing found is an answer too: the home is unlocated, and a coordinator places it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlmodel import Session, select

from booking.postcodes import find_in, matches, normalise
from storage.tables import Place, PostcodeLocation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostcodeAnswer:
    """What a postcode service said: found (with where), no such postcode, or no answer."""

    status: Literal["found", "unknown", "unavailable"]
    lat: float | None = None
    lon: float | None = None


class PostcodeLookup(Protocol):
    """A remote postcode service (postcodes.io): never raises, answers 'unavailable'."""

    def lookup(self, postcode: str) -> PostcodeAnswer:
        """Where this (normalised) postcode is."""
        ...


@dataclass(frozen=True)
class Location:
    """Where a home is, or why not: `how` says what found it ('' when nothing did)."""

    lat: float | None
    lon: float | None
    how: str  # postcode table | postcodes.io | village | postcode prefix | ""
    why_not: str = ""  # for the coordinator when unlocated: what was tried

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def described(self) -> str:
        """How it was found, in words."""
        return HOW.get(self.how, "not located")


HOW = {"postcode table": "the postcode, from the postcode table",
       "postcodes.io": "the postcode, from postcodes.io",
       "village": "the village named in the address",
       "postcode prefix": "the village with that postcode's prefix"}


class Geocoder:
    """Locates homes for one process: offline by default, postcodes.io if configured."""

    def __init__(self, remote: PostcodeLookup | None = None) -> None:
        self.remote = remote

    def locate(self, session: Session, scheme_id: int, *, address: str, postcode: str = "",
               village_id: int | None = None) -> Location:
        """Where the home at this address is (see the module's order)."""
        code = normalise(postcode) if postcode.strip() else find_in(address)
        unknown_code = False
        if code:
            row = session.get(PostcodeLocation, code)
            if row is not None:
                return Location(row.lat, row.lon, "postcode table")
            if self.remote is not None:
                answer = self.remote.lookup(code)
                if answer.status == "found" and answer.lat is not None \
                        and answer.lon is not None:
                    return Location(answer.lat, answer.lon, "postcodes.io")
                unknown_code = answer.status == "unknown"
        villages = session.exec(select(Place).where(
            Place.scheme_id == scheme_id, Place.kind == "settlement",
            Place.active == True)).all()  # noqa: E712
        chosen = next((v for v in villages if v.id == village_id), None) \
            or _named(villages, address)
        if chosen is not None:
            return Location(chosen.lat, chosen.lon, "village")
        if code and not unknown_code:
            by_prefix = _by_prefix(villages, code)
            if by_prefix is not None:
                return Location(by_prefix.lat, by_prefix.lon, "postcode prefix")
        if unknown_code:
            why = "the postcode they gave does not exist"
        elif postcode.strip() and not code:
            why = "the postcode they gave is not a UK postcode"
        else:
            why = "the address names none of our villages"
        return Location(None, None, "", why)


def _named(villages: Sequence[Place], address: str) -> Place | None:
    """The village named in the address as whole words. Several: a name inside a longer one
    gives way ('Burton' to 'West Burton'), then the first written wins, as the village comes
    before the post town ('3 High Street, Blakeney, Holt' is in Blakeney)."""
    text = " " + " ".join(re.findall(r"[a-z0-9]+", address.lower())) + " "
    found = {}
    for village in villages:
        name = " " + " ".join(re.findall(r"[a-z0-9]+", village.name.lower())) + " "
        if name.strip() and name in text:
            found[name] = village
    kept = [n for n in found if not any(n != m and n in m for m in found)]
    return found[min(kept, key=text.index)] if kept else None


def _by_prefix(villages: Sequence[Place], postcode: str) -> Place | None:
    """The one village with the longest prefix this postcode has (sector before district)."""
    scored = [(len(p), v) for v in villages for p in v.postcode_prefixes or []
              if matches(postcode, p)]
    if not scored:
        return None
    longest = max(score for score, _ in scored)
    best = {v.id: v for score, v in scored if score == longest}
    return next(iter(best.values())) if len(best) == 1 else None
