"""The coordinator's desk: book for someone who phoned, answer HELP calls, message a driver or
resident, plan a day now (in the background), and read the audit trail. Each action is one
call to booking.coordinator."""

from __future__ import annotations

from datetime import datetime, time

from starlette.responses import Response

from booking import audit, coordinator
from booking.board_detail import (
    destinations,
    help_calls,
    people,
    person_in_scheme,
    residents,
)
from booking.coordinator import PlanJobView
from booking.domain.outcomes import Refused
from booking.rules import local_instant
from web.context import PREFIX, Ctx, Invalid, NotFound, parse_day

RETURN_CHOICES = (("wait", "The driver waits and brings them home"),
                  ("collect_later", "Collected later"), ("one_way", "One way only"))
MESSAGE_LIMIT = 300


def book_form(ctx: Ctx, *, status: int = 200, error: str = "") -> Response:
    """GET /console/book: book a lift for a resident who phoned."""
    return ctx.render("book.html", status=status, error=error, form=ctx.form,
                      residents=residents(ctx.session, ctx.scheme_id),
                      places=destinations(ctx.session, ctx.scheme_id), returns=RETURN_CHOICES)


def book(ctx: Ctx) -> Response:
    """POST /console/book: the same rules as booking by text (service days, hours, notice)."""
    try:
        resident_id = _id(ctx.form.get("resident", ""), "Choose the resident.")
        place_id = _id(ctx.form.get("destination", ""), "Choose where the appointment is.")
        day = parse_day(ctx.form.get("day", ""))
        at = time.fromisoformat(ctx.form.get("time", ""))
    except (Invalid, NotFound, ValueError) as exc:
        message = str(exc) if isinstance(exc, Invalid) else "Give the appointment's date and time."
        return book_form(ctx, status=422, error=message)
    plan = ctx.form.get("return_plan", "wait")
    if plan not in dict(RETURN_CHOICES):
        return book_form(ctx, status=422, error="Choose how they get home.")
    appointment = local_instant(day, at, ctx.tz)
    result = ctx.attempt(lambda: coordinator.book_for(
        ctx.session, ctx.scheme_id, resident_id, place_id, appointment, plan, ctx.actor,
        ctx.now))
    if isinstance(result, Refused):
        return book_form(ctx, status=409, error=str(result))
    return ctx.done(result.message, f"{PREFIX}/day/{day.isoformat()}")


def help_page(ctx: Ctx) -> Response:
    """GET /console/help: HELP calls not yet answered, oldest first."""
    calls = [{"id": c.help_id, "who": c.who, "phone": c.phone,
              "at": f"{c.opened_at.astimezone(ctx.tz):%a %d %b %H:%M}"}
             for c in help_calls(ctx.session, ctx.scheme_id)]
    return ctx.render("help.html", calls=calls)


def handle_help(ctx: Ctx) -> Response:
    """POST /console/help/N: note=...; marks the call handled."""
    note = ctx.form.get("note", "").strip()[:500]
    help_id = ctx.path_int("help")
    if help_id not in {c.help_id for c in help_calls(ctx.session, ctx.scheme_id)}:
        raise NotFound("There is no such HELP call waiting (it may have been handled).")
    result = ctx.attempt(lambda: coordinator.handle_help(
        ctx.session, ctx.scheme_id, help_id, note, ctx.actor, ctx.now))
    if isinstance(result, Refused):
        return ctx.render("message.html", status=409, title="Not done", message=str(result))
    return ctx.done(result.message, f"{PREFIX}/help")


def message_form(ctx: Ctx, *, status: int = 200, error: str = "") -> Response:
    """GET /console/message[/N]: write to a driver or resident (sent through the outbox)."""
    chosen = None
    if "person" in ctx.request.path_params:
        try:
            chosen = person_in_scheme(ctx.session, ctx.scheme_id, ctx.path_int("person"))
        except LookupError as exc:
            raise NotFound("There is no such person.") from exc
    return ctx.render("message_form.html", status=status, error=error, chosen=chosen,
                      people=[] if chosen else people(ctx.session, ctx.scheme_id),
                      text=ctx.form.get("text", ""), limit=MESSAGE_LIMIT)


def send_message(ctx: Ctx) -> Response:
    """POST /console/message: person=ID text=...; no medical detail (the form says so)."""
    text = " ".join(ctx.form.get("text", "").split())
    try:
        person_id = _id(ctx.form.get("person", ""), "Choose who to write to.")
    except Invalid as exc:
        return message_form(ctx, status=422, error=str(exc))
    try:
        person_in_scheme(ctx.session, ctx.scheme_id, person_id)
    except LookupError as exc:
        raise NotFound("There is no such person.") from exc
    if not text or len(text) > MESSAGE_LIMIT:
        return message_form(ctx, status=422,
                            error=f"Write a message of at most {MESSAGE_LIMIT} characters.")
    result = ctx.attempt(lambda: coordinator.message_person(
        ctx.session, ctx.scheme_id, person_id, text, ctx.actor, ctx.now))
    if isinstance(result, Refused):
        return message_form(ctx, status=409, error=str(result))
    return ctx.done(result.message, f"{PREFIX}/")


def plan_now(ctx: Ctx) -> Response:
    """POST /console/day/D/plan: queue a planning run; the board shows its progress."""
    day = ctx.path_day()
    result = ctx.attempt(lambda: coordinator.request_planning(
        ctx.session, ctx.scheme_id, day, ctx.actor, ctx.now))
    if isinstance(result, Refused):
        return ctx.render("message.html", status=409, title="Not planned", message=str(result))
    return ctx.done("Planning has started; this page shows how it goes.",
                    f"{PREFIX}/day/{day.isoformat()}?job={result}")


def plan_progress(ctx: Ctx) -> Response:
    """GET /console/plan/N: the progress fragment (polled until the run is done)."""
    return ctx.render("fragments/plan_progress.html", job=job_view(ctx, ctx.path_int("job")))


def job_view(ctx: Ctx, job_id: int) -> PlanJobView:
    """A planning job of this scheme, or NotFound."""
    try:
        return coordinator.planning_status(ctx.session, ctx.scheme_id, job_id)
    except Refused as exc:
        raise NotFound("There is no such planning run.") from exc


def audit_page(ctx: Ctx) -> Response:
    """GET /console/audit[?before=N]: the trail, newest first; nothing here can change it."""
    before = ctx.request.query_params.get("before")
    try:
        cursor = _id(before, "") if before else None
    except Invalid as exc:
        raise NotFound("There is no such page of the trail.") from exc
    rows = audit.entries(ctx.session, ctx.scheme_id, limit=50, before=cursor)
    lines = [{"id": e.id, "at": f"{_local(ctx, e.at):%a %d %b %Y %H:%M}", "who": e.actor_name,
              "role": e.actor_role, "channel": e.channel, "action": e.action,
              "request": e.request_id, "detail": e.detail} for e in rows]
    older = lines[-1]["id"] if len(lines) == 50 else None
    return ctx.render("audit.html", lines=lines, older=older)


def _local(ctx: Ctx, at: datetime) -> datetime:
    return at.astimezone(ctx.tz)


def _id(text: str, problem: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise Invalid(problem) from exc
    if not 0 < value < 2**31:
        raise Invalid(problem)
    return value
