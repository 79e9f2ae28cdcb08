"""People: how each is reached (`reach`: channel, prefers a call), and their administration
(`approval`: approving newcomers, vetting drivers, deactivating; `editing`: details, home,
needs, car, limits; `roster`: the lists and one person in full). Every change is validated,
written to the audit trail, and anyone it affects is told by message.

The reach service is re-exported here, so `from booking import people` then
`people.set_channel(...)` reads as before."""

from booking.people.reach import (
    CHANNELS,
    NO_PHONE,
    NO_TELEGRAM,
    chosen_text,
    find_by_phone,
    set_channel,
    set_prefers_call,
)

__all__ = ["CHANNELS", "NO_PHONE", "NO_TELEGRAM", "chosen_text", "find_by_phone",
           "set_channel", "set_prefers_call"]
