"""Everything a coordinator can do, the same from a chat command and from the console.

Each action checks the request or person belongs to the coordinator's scheme, changes
things only through the trip life-cycle, and writes the audit trail in the same transaction.
Refusals are `Refused` (safe to show); a rule that would be broken is a `NeedsOverride`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from booking import audit, closures
from booking.audit import Actor
from booking.domain.outcomes import NotFound, Refused
from booking.help import mark_handled
from booking.intake import effects
from booking.intake.residents import cancel_request, request_lift
from booking.messaging import notices
from booking.messaging.outbox import enqueue
from booking.offers import by_hand, urgent
from booking.planning import jobs
from booking.planning.jobs import PlanJobView
from booking.rules import Verdict, judge_appointment
from booking.schemes import rules_for
from storage.tables import HelpRequest, LiftRequest, Person, Place, Scheme


@dataclass(frozen=True)
class Done:
    """It happened; `message` says what, in plain words."""

    message: str


@dataclass(frozen=True)
class NeedsOverride:
    """Nothing changed: a rule would be broken (assign again with the override to go ahead)."""

    problems: tuple[str, ...]
    message: str


def _request(session: Session, scheme_id: int, request_id: int) -> LiftRequest:
    request = session.get(LiftRequest, request_id)
    if request is None or request.scheme_id != scheme_id:
        raise NotFound(f"There is no request #{request_id}.")
    return request


def _person(session: Session, scheme_id: int, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.scheme_id != scheme_id:
        raise NotFound("There is no such person in this scheme.")
    return person


def _first(person: Person | None) -> str:
    return person.name.split()[0] if person and person.name.strip() else "The resident"


def assign(session: Session, scheme_id: int, request_id: int, driver_id: int, actor: Actor,
           now: datetime, *, override: bool = False) -> Done | NeedsOverride:
    """Give a request to a driver (taking it from another if need be); held in re-plans."""
    request = _request(session, scheme_id, request_id)
    driver = _person(session, scheme_id, driver_id)
    result = by_hand.assign(session, scheme_id, request_id, driver, actor, now,
                            override=override)
    if isinstance(result, by_hand.NeedsOverride):
        broken = tuple(p.value for p in result.problems)
        return NeedsOverride(broken, f"{driver.name} {_joined(broken)}. Assign anyway only "
                             "if you have checked with them.")
    resident = session.get(Person, request.resident_id)
    tz = rules_for(session, scheme_id).tz
    when = f" (pickup {notices.hm(result.pickup_at, tz)})" if result.pickup_at else ""
    broke = _joined(tuple(p.value for p in result.overridden)) if result.overridden else ""
    audit.record(session, actor, "assign", scheme_id=scheme_id, now=now,
                 request_id=request_id, subject_person_id=driver.id,
                 detail=f"to {driver.name}" + (f"; override: {broke}" if broke else ""))
    overridden = f" Overriding: {broke}." if broke else ""
    return Done(f"Request #{request_id} is now {driver.name}'s{when}, and kept in every "
                f"re-plan. {_first(resident)} gets the confirmation; {_first(driver)} gets the "
                f"details.{overridden}")


def _joined(parts: tuple[str, ...]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def unassign(session: Session, scheme_id: int, request_id: int, actor: Actor,
             now: datetime) -> Done:
    """Take a request off its driver(s), back to the planner (which will not choose them)."""
    _request(session, scheme_id, request_id)
    names = by_hand.unassign(session, scheme_id, request_id, actor, now)
    audit.record(session, actor, "unassign", scheme_id=scheme_id, now=now,
                 request_id=request_id, detail=f"from {', '.join(names)}")
    return Done(f"Request #{request_id} is no longer {' and '.join(names)}'s; the planner will "
                "find someone else, and they have been told.")


def cancel(session: Session, scheme_id: int, request_id: int, reason: str, actor: Actor,
           now: datetime) -> Done:
    """Cancel a request for the resident: their drivers are told, and so are they."""
    request = _request(session, scheme_id, request_id)
    why = " ".join(reason.split())[:150] or "cancelled by the coordinator"
    cancel_request(session, request, now=now, actor="coordinator", reason=why, by=actor)
    resident = session.get(Person, request.resident_id)
    if resident is not None:
        tz = rules_for(session, scheme_id).tz
        when = notices.day_time(request.appointment_at, tz)[:-6]
        enqueue(session, key=f"cancelled-for:{request_id}", person=resident,
                kind="trip_change", due_at=now, urgent=True, request_id=request_id,
                body=f"As agreed, your lift on {when} is cancelled. Text us any time you "
                     "need another.")
    audit.record(session, actor, "cancel", scheme_id=scheme_id, now=now,
                 request_id=request_id, subject_person_id=request.resident_id, detail=why)
    return Done(f"Request #{request_id} is cancelled; {_first(resident)} and any driver "
                "involved have been told.")


def broadcast(session: Session, scheme_id: int, request_id: int, actor: Actor,
              now: datetime) -> Done:
    """Offer an urgent request to the nearest suitable free drivers at once."""
    drivers = urgent.broadcast_request(session, scheme_id, request_id, now)
    names = ", ".join(d.name for d in drivers)
    audit.record(session, actor, "broadcast", scheme_id=scheme_id, now=now,
                 request_id=request_id, detail=f"to {names}")
    return Done(f"Request #{request_id} sent to {len(drivers)} driver(s): {names}. "
                "The first to accept gets it.")


def book_for(session: Session, scheme_id: int, resident_id: int, destination_id: int,
             appointment_at: datetime, return_plan: str, actor: Actor, now: datetime) -> Done:
    """Book a lift for a resident who phoned, under the same rules as booking by message."""
    resident = _person(session, scheme_id, resident_id)
    place = session.get(Place, destination_id)
    if resident.role != "resident":
        raise Refused("Lifts are booked for residents.")
    if place is None or place.scheme_id != scheme_id or place.kind == "settlement" \
            or not place.active:
        raise Refused("Please choose one of the scheme's destinations.")
    if return_plan not in ("wait", "collect_later", "one_way"):
        raise Refused("Please choose how they get home.")
    verdict = judge_appointment(appointment_at, now, rules_for(session, scheme_id),
                                closures.upcoming(session, scheme_id, now))
    if verdict not in (Verdict.OK, Verdict.SHORT_NOTICE):
        raise Refused(VERDICTS[verdict])
    request = request_lift(session, resident, effects.RequestLift(
        destination_id, appointment_at, return_plan, verdict is Verdict.SHORT_NOTICE),
        now=now, channel="coordinator")
    audit.record(session, actor, "book", scheme_id=scheme_id, now=now,
                 request_id=request.id, subject_person_id=resident.id,
                 detail=f"for {appointment_at:%Y-%m-%d %H:%M}")
    note = " It is short notice, so it needs a driver found by hand." \
        if verdict is Verdict.SHORT_NOTICE else ""
    return Done(f"Booked request #{request.id} for {resident.name}.{note}")


VERDICTS = {
    Verdict.PAST: "That time has already passed.",
    Verdict.NOT_SERVICE_DAY: "The scheme does not run on that day.",
    Verdict.OUTSIDE_HOURS: "That time is outside the scheme's hours.",
    Verdict.BEYOND_HORIZON: "That is further ahead than the scheme books.",
    Verdict.CLOSED: "The scheme is closed that day (a bank holiday or a closure).",
}
_MEDICAL = re.compile(r"\b(cancer|chemo\w*|dialysis|oncolog\w*|diagnos\w*|test results?|"
                      r"scan|biopsy|surgery for|operation|mental health|hiv|pregnan\w*)\b", re.I)


def message_person(session: Session, scheme_id: int, person_id: int, text: str, actor: Actor,
                   now: datetime) -> Done:
    """Send a resident or driver a message through the outbox (quiet hours respected)."""
    person = _person(session, scheme_id, person_id)
    body = " ".join(text.split())
    if not body:
        raise Refused("Please write the message.")
    if len(body) > 600:
        raise Refused("Please keep the message under 600 characters.")
    if _MEDICAL.search(body):
        raise Refused("Please leave out medical details: texts can be read on a locked phone.")
    signed = f"{body} - {actor.first_name}, {_scheme_name(session, scheme_id)}"
    queued = enqueue(session, key=f"message:{person_id}:{now.isoformat()}:{actor.name}",
                     person=person, kind="coordinator_message", body=signed, due_at=now)
    if queued is None:
        raise Refused(f"{person.name} can't be reached by message (no phone or chat, or "
                      "they have opted out). Please phone them.")
    audit.record(session, actor, "message", scheme_id=scheme_id, now=now,
                 subject_person_id=person_id, detail=f"{len(body)} characters")
    return Done(f"Message to {person.name} queued; it goes out outside quiet hours.")


def _scheme_name(session: Session, scheme_id: int) -> str:
    scheme = session.get(Scheme, scheme_id)
    return scheme.name if scheme else "the scheme"


def handle_help(session: Session, scheme_id: int, help_id: int, note: str, actor: Actor,
                now: datetime) -> Done:
    """Mark a HELP as dealt with, with a short note."""
    row = session.get(HelpRequest, help_id)
    if row is None or row.scheme_id != scheme_id:
        raise Refused("There is no such HELP request.")
    if row.handled_at is not None:
        raise Refused(f"Already handled by {row.handled_by}.")
    mark_handled(session, row, by=actor.name, note=note, now=now)
    audit.record(session, actor, "help_handled", scheme_id=scheme_id, now=now,
                 subject_person_id=row.person_id, detail=note[:200])
    return Done("Marked as handled.")


def request_planning(session: Session, scheme_id: int, day: date, actor: Actor,
                     now: datetime) -> int:
    """Queue a plan of `day` (run in the background); returns the job's id."""
    job_id = jobs.queue(session, scheme_id, day, actor, now)
    audit.record(session, actor, "plan", scheme_id=scheme_id, now=now, detail=f"{day}")
    return job_id


def planning_status(session: Session, scheme_id: int, job_id: int) -> PlanJobView:
    """Where a queued plan of this scheme stands (another scheme's is not found)."""
    view = jobs.status(session, job_id)
    if view is None or view.scheme_id != scheme_id:
        raise NotFound("There is no such planning run.")
    return view



__all__ = ["VERDICTS", "Actor", "Done", "NeedsOverride", "NotFound", "PlanJobView", "Refused",
           "assign",
           "book_for", "broadcast", "cancel", "handle_help", "message_person",
           "planning_status", "request_planning", "unassign"]
