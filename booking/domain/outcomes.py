"""What the core answers when it cannot do something: safe to show the person."""

from __future__ import annotations


class Refused(Exception):
    """A request the rules do not allow; the message is safe to show the person."""
