"""The short privacy notice the bot sends (PRIVACY, and when someone joins), and its version.

One place for the words: a change to them is a new NOTICE_VERSION, and every consent record
says which version the person agreed to. Plain GSM-7, so each SMS segment holds 153
characters; docs/privacy.md is the full notice a scheme gives on paper or on its website.
"""

from __future__ import annotations

NOTICE_VERSION = "1"  # raise it whenever the words below change in meaning


def kept_for(retention_days: int) -> str:
    """The retention period in plain words ("a year", "18 months", "90 days")."""
    if retention_days % 365 == 0:
        years = retention_days // 365
        return "a year" if years == 1 else f"{years} years"
    if retention_days % 30 == 0 and retention_days >= 60:
        return f"{retention_days // 30} months"
    return f"{retention_days} days"


def notice_text(scheme_name: str, retention_days: int) -> str:
    """The short notice: who keeps what, why, who sees it, for how long, and your rights."""
    return (f"Privacy: {scheme_name} keeps your name, address, phone, travel needs and "
            "lifts only to arrange lifts. Drivers see just what a trip needs. Texts are "
            f"deleted once sent, the rest {kept_for(retention_days)} after your last lift. "
            "To see, correct or delete your details, send HELP or phone us.")


# Explicit consent names the health data it covers (ICO): travel needs and appointments.
# One segment by SMS with the " Reply YES or NO." the channel adds (143 characters at most).
RESIDENT_QUESTION = ("Last thing: may we keep your details, travel needs and appointments to "
                     "arrange lifts? Drivers see just what they need. Send PRIVACY for more.")
DRIVER_QUESTION = ("Last thing: may we keep these details and dates to offer you trips? "
                   "Passengers see only your first name and car. Send PRIVACY for more.")
