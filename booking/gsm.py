"""The GSM-7 alphabet of SMS (3GPP TS 23.038), segment counts, and making text fit it.

One character outside GSM-7 (a curly quote, an emoji, "ë") sends the whole text as UCS-2,
70 characters a segment instead of 160, so every text we send goes through `to_gsm7`.
Pure, and below every booking/ layer: the scheme rules validate the FAQ texts with it.
"""

from __future__ import annotations

import unicodedata

# The basic set (one septet each) and the extension table (escape + one: two septets each).
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
EXTENSION = frozenset("^{}\\[~]|€\f")
SINGLE, CONCATENATED = 160, 153  # septets in one segment; in each part of a longer text

# Look-alikes phones and word processors put in, mapped to their plain GSM-7 forms.
_PLAIN = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " ", "\u2022": "-",
    # Letters with no accent to drop (NFKD leaves them whole).
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe", "ı": "i", "Þ": "Th", "þ": "th",
})


def is_gsm7(text: str) -> bool:
    """Whether every character is in the GSM-7 basic set or its extension."""
    return all(c in BASIC or c in EXTENSION for c in text)


def septets(text: str) -> int:
    """How many septets `text` takes in GSM-7 (extension characters count two)."""
    return sum(2 if c in EXTENSION else 1 for c in text)


def segments(text: str) -> int:
    """How many SMS segments `text` is sent as (UCS-2 when it is not GSM-7)."""
    if is_gsm7(text):
        size, single, part = septets(text), SINGLE, CONCATENATED
    else:
        size, single, part = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if size <= single else -(-size // part)


def to_gsm7(text: str) -> str:
    """`text` in GSM-7: look-alikes made plain, accents dropped where GSM-7 lacks the letter
    ("Zoë" -> "Zoe"), anything else (emoji) left out."""
    text = text.translate(_PLAIN)
    if is_gsm7(text):
        return text
    kept = []
    for char in text:
        if char in BASIC or char in EXTENSION:
            kept.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char)
                       if c in BASIC or c in EXTENSION)
        kept.append(base)
    return "".join(kept)
