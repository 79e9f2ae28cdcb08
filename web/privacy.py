"""Admins answer a data-protection request from the console: find a person of the scheme by
phone, read (or download) everything held about them, and erase them. The same services as
`lifts privacy export|erase`, so both are audited the same way. The phone travels in a POST
body, never in a URL, so no access log holds it."""

from __future__ import annotations

import json

from starlette.responses import Response

from booking.domain.outcomes import Refused
from booking.phones import to_e164
from booking.privacy.erasure import erase, find, preview
from booking.privacy.export import as_text, export_person, export_traces
from storage.tables import Person
from web.context import PREFIX, Ctx, Invalid

CONFIRM_WORD = "ERASE"


def privacy_page(ctx: Ctx, *, status: int = 200, error: str = "") -> Response:
    """GET /console/privacy: the form (a phone number)."""
    return ctx.render("privacy.html", status=status, error=error, phone="", found=None)


def look_up(ctx: Ctx) -> Response:
    """POST /console/privacy: what is held about the number, and what erasing would do."""
    phone = _phone(ctx)
    people = find(ctx.session, phone, ctx.scheme_id)
    found = []
    for person in people:
        doc = export_person(ctx.session, person, ctx.actor, ctx.now)
        try:
            plan = preview(ctx.session, person, ctx.now).summary()
            refused = ""
        except Refused as exc:
            plan, refused = "", str(exc)
        found.append({"id": person.id, "text": as_text(doc), "plan": plan, "refused": refused})
    traces = export_traces(ctx.session, ctx.scheme_id, phone)
    loose = sum(len(traces[k]) for k in ("conversations", "help_requests", "messages"))
    return ctx.render("privacy.html", phone=phone, found=found, loose=loose,
                      confirm_word=CONFIRM_WORD)


def download(ctx: Ctx) -> Response:
    """POST /console/privacy/export.json: the same export as a JSON file to hand over."""
    phone = _phone(ctx)
    docs = [export_person(ctx.session, p, ctx.actor, ctx.now)
            for p in find(ctx.session, phone, ctx.scheme_id)]
    body = {"phone": phone, "people": docs,
            "not_linked": export_traces(ctx.session, ctx.scheme_id, phone)}
    return Response(json.dumps(body, indent=2, ensure_ascii=False),
                    media_type="application/json",
                    headers={"content-disposition": 'attachment; filename="export.json"',
                             "cache-control": "no-store"})


def erase_person(ctx: Ctx) -> Response:
    """POST /console/privacy/erase: person=N, confirm=ERASE. Future lifts are cancelled (drivers
    told), then the person and their history anonymised; report counts stay."""
    if ctx.form.get("confirm", "").strip().upper() != CONFIRM_WORD:
        raise Invalid(f"Nothing was erased: type {CONFIRM_WORD} in the box to confirm.")
    try:
        person_id = int(ctx.form.get("person", ""))
    except ValueError as exc:
        raise Invalid("Nothing was erased: look the person up again.") from exc
    person = ctx.session.get(Person, person_id) if 0 < person_id < 2**31 else None
    if person is None or person.scheme_id != ctx.scheme_id:
        raise Invalid("Nothing was erased: there is no such person in this scheme.")
    done = erase(ctx.session, person, ctx.actor, ctx.now)  # a Refused becomes a 409 page
    return ctx.done(f"Erased: {done.summary()}.", f"{PREFIX}/privacy")


def _phone(ctx: Ctx) -> str:
    phone = to_e164(ctx.form.get("phone", "")[:40])
    if phone is None:
        raise Invalid("That is not a phone number (e.g. 07700 900123 or +447700900123).")
    return phone
