"""WhatsApp templates: what we send first (outside the 24-hour session) must be an approved
template, one per kind of message, named by its Content SID in the scheme's rules.

Each template's text and quick-reply buttons are defined here, so the operator can create
them exactly (`lifts whatsapp templates` prints the Content API definitions) and the
variables we send always match. The variables are the facts stored with the outbox message
(`OutboxMessage.variables`), never a clinic or a reason (they show on a lock screen).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from booking.rules import SchemeRules

# Free text is allowed for 24 hours after the person's last message; a little margin, so a
# message claimed at 23:59 is not refused (63016) by the time it reaches WhatsApp.
SESSION = timedelta(hours=24) - timedelta(minutes=10)


@dataclass(frozen=True)
class Template:
    """One approved WhatsApp template."""

    kind: str  # the outbox kind it carries ("notice": any other kind, its words as {{1}})
    body: str  # the approved text; {{1}}, {{2}}... are `variables` in order
    variables: tuple[str, ...]  # the names of the facts filling {{1}}, {{2}}...
    samples: tuple[str, ...]  # a sample for each, as WhatsApp's approval asks
    # quick replies: (title, at most 20 characters; id, which may hold a {{n}})
    buttons: tuple[tuple[str, str], ...] = ()

    @property
    def rule(self) -> str:
        """The scheme rule holding this template's Content SID."""
        return f"whatsapp_template_{self.kind}"

    def content_variables(self, facts: dict[str, str]) -> str:
        """The ContentVariables JSON: always a string of string values (a dict would be
        form-encoded as its keys by the SDK)."""
        return json.dumps({str(n): facts.get(name, "") for n, name in
                           enumerate(self.variables, start=1)})

    def definition(self) -> dict[str, object]:
        """The Content API body to create it (twilio/quick-reply with a twilio/text twin)."""
        samples = {str(n): s for n, s in enumerate(self.samples, start=1)}
        types: dict[str, object] = {"twilio/text": {"body": self.body}}
        if self.buttons:
            types["twilio/quick-reply"] = {"body": self.body, "actions": [
                {"title": title, "id": id_} for title, id_ in self.buttons]}
        return {"friendly_name": f"lifts_{self.kind}_v1", "language": "en",
                "variables": samples, "types": types}


TEMPLATES = {t.kind: t for t in (
    Template("confirmation",
             "Your lift on {{1}} is confirmed: {{2}} will collect you {{3}} in a {{4}}. {{5}} "
             "Reply CANCEL {{6}} if you no longer need it.",
             ("day", "driver", "window", "car", "home", "ref"),
             ("Tue 1 Dec", "Ann", "10:00-10:15", "blue Ford Fiesta",
              "They will bring you home.", "482"),
             (("Cancel this lift", "CANCEL {{6}}"),)),
    Template("reminder",
             "Reminder: {{1}} will collect you {{2}}. Reply CANCEL {{3}} if you no longer "
             "need the lift.",
             ("driver", "when", "ref"), ("Ann", "tomorrow, Tue 1 Dec 10:05", "482"),
             (("Cancel this lift", "CANCEL {{3}}"),)),
    Template("unserved",
             "Sorry, no driver yet for your lift on {{1}}. A coordinator is still trying, but "
             "you may want to make other plans. Reply CANCEL {{2}} if you don't need it.",
             ("day", "ref"), ("Tue 1 Dec", "482"),
             (("I don't need it", "CANCEL {{2}}"),)),
    Template("offer",
             "A trip for you to consider. {{1}} Reply YES {{2}} to take it or NO {{2}} if you "
             "can't.",
             ("details", "ref"),
             ("Trip 12: can you take Edith B. from Askrigg to Leyburn Medical Practice, "
              "Tue 1 Dec 10:05? About 9 miles, 1h10.", "12"),
             (("Accept", "YES {{2}}"), ("Decline", "NO {{2}}"))),
    Template("notice",
             "Message from your lift scheme: {{1}} Reply here if you need us.",
             ("text",), ("Your driver has changed: Bob will collect you instead.",)),
)}


@dataclass(frozen=True)
class WhatsAppForm:
    """How one WhatsApp message goes: free text in the session, else this template."""

    session_open: bool
    content_sid: str = ""
    content_variables: str = ""


def whatsapp_form(kind: str, facts: dict[str, str], body: str, rules: SchemeRules | None,
                  seen_at: datetime | None, now: datetime) -> WhatsAppForm:
    """Free text while the person's 24-hour session is open (a reply always is); otherwise
    the kind's own template when it is configured and has its facts, else the notice
    template with the message's words; no template at all: content_sid stays empty."""
    open_ = kind == "reply" or (seen_at is not None and now - seen_at < SESSION)
    if rules is None:
        return WhatsAppForm(open_)
    own = TEMPLATES.get(kind)
    sid = str(getattr(rules, own.rule, "")) if own is not None else ""
    if own is not None and sid and all(facts.get(name) for name in own.variables):
        return WhatsAppForm(open_, sid, own.content_variables(facts))
    notice = TEMPLATES["notice"]
    if rules.whatsapp_template_notice:
        return WhatsAppForm(open_, rules.whatsapp_template_notice,
                            notice.content_variables({"text": " ".join(body.split())[:900]}))
    return WhatsAppForm(open_)
