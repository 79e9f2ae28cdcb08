"""Text clean-up shared by the understanding modules: pure string functions, no I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Only the start of a message is read: real requests are short, and capping keeps a
# 5,000-character paste (or an attack) as fast as a normal text.
MAX_CHARS = 500

_SPACES = re.compile(r"\s+")
_AM_PM = re.compile(r"(?<![a-z])([ap])\.?\s?m\b\.?")
_OCLOCK = re.compile(r"\bo\s?'?\s?clock\b")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'",
                         "\u2013": "-", "\u2014": "-", "\u2212": "-"})


def normalise(text: object) -> str:
    """Lower-case, de-control and cap a message so that every parser sees the same text."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2])[:MAX_CHARS].lower()
    # Phones send curly quotes and odd dashes; control characters become spaces so that
    # words either side of them stay apart.
    text = text.translate(_QUOTES)
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    text = _AM_PM.sub(lambda m: m.group(1) + "m", text)
    text = _OCLOCK.sub(" oclock", text)
    return _SPACES.sub(" ", text).strip()



def words_only(norm: str) -> str:
    """The normalised text with apostrophes dropped and other punctuation as spaces."""
    return _SPACES.sub(" ", re.sub(r"[^\w\s]|_", " ", norm.replace("'", ""))).strip()


def mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with each span blanked by spaces, so that other positions stay where they were."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def overlaps(span: tuple[int, int], taken: Iterable[tuple[int, int]]) -> bool:
    """Whether `span` overlaps any span in `taken`."""
    return any(span[0] < end and start < span[1] for start, end in taken)
