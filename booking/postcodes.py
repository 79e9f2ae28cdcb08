"""UK postcodes as people write them ("dl83qr", "DL8  3QR"), in the one form we store."""

from __future__ import annotations

import re

# Outward code (area letters, district digits, an optional letter or digit), then inward.
_FULL = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_PREFIX = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?( [0-9])?$")


def normalise(text: str) -> str | None:
    """'DL8 3QR' from any spacing or case, or None if it is not shaped like a postcode."""
    squeezed = "".join(text.split()).upper()
    found = _FULL.match(squeezed)
    return f"{found[1]} {found[2]}" if found else None


def normalise_prefix(text: str) -> str | None:
    """A postcode district ('DL8') or sector ('DL8 3'), tidied, or None."""
    tidy = " ".join(text.upper().split())
    return tidy if _PREFIX.match(tidy) else None


def matches(postcode: str, prefix: str) -> bool:
    """Whether a normalised postcode is in a district ('DL8') or sector ('DL8 3')."""
    outward, _, inward = postcode.partition(" ")
    district, _, sector = prefix.partition(" ")
    return outward == district and (not sector or inward.startswith(sector))


def find_in(text: str) -> str | None:
    """The first full postcode written anywhere in an address, normalised."""
    for found in re.finditer(r"\b([A-Za-z]{1,2}[0-9][A-Za-z0-9]?)\s*([0-9][A-Za-z]{2})\b",
                             text):
        return normalise(found[1] + found[2])
    return None
