"""Phone numbers as people type them, in E.164 as we store them (the dialogue, the console,
the CLI and scheme files all read them the same way)."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str, region: str = "GB") -> str | None:
    """A phone number in E.164, or None if it is not a possible number."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_landline(phone: str | None) -> bool:
    """A number that cannot take texts, by its type (UK 01/02/03 numbers are FIXED_LINE)."""
    if not phone:
        return False
    try:
        parsed = phonenumbers.parse(phone, "GB")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.FIXED_LINE
