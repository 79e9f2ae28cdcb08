"""Standing bookings: one repeat booking ("every Tuesday at 10.40 to the Friarage"), each
occurrence made as an ordinary lift request some days ahead, so it meets the notice rules
and is planned like any other.

Each date is recorded once (StandingOccurrence, unique per standing booking and date) with
its request or the reason there is none: a restarted or repeated job never makes a lift
twice, and a date the resident cancelled ahead is never made at all. Closed days (bank
holidays, the scheme's closures) are skipped, and the resident is told. Times are the
scheme's wall-clock times, so 10:40 is 10:40 before and after a clock change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from booking import closures as scheme_closures
from booking.domain.outcomes import Refused
from booking.domain.status import REQUEST_ACTIVE
from booking.intake import effects
from booking.intake.residents import cancel_request, request_lift
from booking.intake.views import StandingView
from booking.messaging.outbox import enqueue
from booking.repeats import Pattern, decode, describe, encode, short_date
from booking.rules import (
    SchemeRules,
    Verdict,
    closed_reason,
    judge_appointment,
    local_instant,
)
from booking.schemes import rules_for
from storage.tables import (
    LiftRequest,
    Person,
    Place,
    SchemeClosure,
    StandingBooking,
    StandingOccurrence,
)

log = logging.getLogger(__name__)

AHEAD_DAYS = 14  # occurrences are made this far ahead (more if the notice rule asks it)
CANCELLED_AHEAD = "cancelled ahead"


@dataclass
class Made:
    """What making occurrences did: the requests made, and the dates skipped and why."""

    requests: list[LiftRequest] = field(default_factory=list)
    skipped: list[tuple[date, str]] = field(default_factory=list)


@dataclass(frozen=True)
class StandingSummary:
    """A standing booking as a coordinator sees it (chat command, console)."""

    id: int
    resident_id: int
    resident: str
    destination: str
    pattern: str  # "every Tue"
    local_time: str
    first_day: date
    until: date | None
    return_plan: str
    next_day: date | None  # the next occurrence with a lift made, if any
    booked_by: str  # a carer's name, or ""


def ahead_days(rules: SchemeRules) -> int:
    """How far ahead occurrences are made: two weeks, or past the notice rule, within the
    booking horizon."""
    notice_days = -(-rules.booking_notice_hours // 24) + 2
    return min(max(AHEAD_DAYS, notice_days), rules.booking_horizon_days)


def pattern_of(standing: StandingBooking) -> Pattern:
    """The dates a standing booking falls on."""
    return Pattern(decode(standing.weekdays), standing.every_weeks, standing.first_day,
                   standing.until_day)


def start_standing(session: Session, person: Person, cmd: effects.StartStanding, *,
                   now: datetime, channel: str, booked_by: Person | None = None
                   ) -> tuple[StandingBooking, Made]:
    """Store a standing booking and make its occurrences within reach now."""
    rules = rules_for(session, person.scheme_id)
    place = session.get(Place, cmd.destination_id)
    if place is None or place.scheme_id != person.scheme_id or place.kind == "settlement":
        raise Refused("Please choose one of the scheme's destinations.")
    weekdays = tuple(d for d in cmd.weekdays if 0 <= d <= 6)
    if not weekdays or cmd.first_day.weekday() not in weekdays:
        raise Refused("Sorry, I couldn't work out which days. Please try again.")
    if cmd.until is not None and cmd.until < cmd.first_day:
        raise Refused("That end date is before the first lift.")
    try:
        at = time.fromisoformat(cmd.local_time)
    except ValueError as exc:
        raise Refused("Sorry, I couldn't read the time. Please try again.") from exc
    same = session.exec(select(StandingBooking).where(
        StandingBooking.resident_id == person.id, StandingBooking.destination_id == place.id,
        StandingBooking.weekdays == encode(weekdays),
        StandingBooking.local_time == at.strftime("%H:%M"),
        col(StandingBooking.ended_at).is_(None))).first()
    if same is not None:
        raise Refused("You already have those lifts booked.")
    standing = StandingBooking(
        scheme_id=person.scheme_id, resident_id=person.id or 0, destination_id=place.id or 0,
        weekdays=encode(weekdays), every_weeks=max(1, min(cmd.every_weeks, 4)),
        local_time=at.strftime("%H:%M"), first_day=cmd.first_day, until_day=cmd.until,
        return_plan=cmd.return_plan, companion=cmd.companion,
        booked_by_id=booked_by.id if booked_by is not None else None, channel=channel,
        created_at=now)
    session.add(standing)
    session.flush()
    made = extend(session, standing, now, rules=rules, announce=False)
    log.info("standing booking %s stored: %s lifts made, %s dates skipped", standing.id,
             len(made.requests), len(made.skipped))
    return standing, made


def extend(session: Session, standing: StandingBooking, now: datetime, *,
           rules: SchemeRules | None = None, announce: bool = True) -> Made:
    """Make the occurrences now within reach that are not yet made (idempotent).

    `announce`: tell the resident about dates skipped because the scheme is closed (the
    booking's own reply lists them when it is first made)."""
    made = Made()
    if standing.ended_at is not None:
        return made
    rules = rules or rules_for(session, standing.scheme_id)
    resident = session.get(Person, standing.resident_id)
    if resident is None or not resident.active or resident.anonymised_at is not None:
        return made
    tz = rules.tz
    today = now.astimezone(tz).date()
    last = today + timedelta(days=ahead_days(rules))
    done = set(session.exec(select(col(StandingOccurrence.day)).where(
        StandingOccurrence.standing_id == standing.id,
        col(StandingOccurrence.day) >= today)).all())
    shut = scheme_closures.closures(session, standing.scheme_id, today, last)
    at = time.fromisoformat(standing.local_time)
    for day in pattern_of(standing).dates(today, last):
        if day in done:
            continue
        appointment = local_instant(day, at, tz)
        verdict = judge_appointment(appointment, now, rules, shut)
        if verdict is Verdict.PAST:
            continue
        occurrence = _claim(session, standing, day, now)
        if occurrence is None:
            continue  # made meanwhile (another process): never twice
        if verdict is Verdict.CLOSED:
            occurrence.skipped = (closed_reason(day, rules, shut) or "closed")[:80]
            made.skipped.append((day, occurrence.skipped))
            if announce and not _told(session, standing, day, rules):
                _tell_skipped(session, standing, resident, occurrence, now)
            continue
        if verdict not in (Verdict.OK, Verdict.SHORT_NOTICE):
            occurrence.skipped = verdict.value
            continue
        try:
            with session.begin_nested():
                request = request_lift(session, resident, effects.RequestLift(
                    standing.destination_id, appointment, standing.return_plan,
                    verdict is Verdict.SHORT_NOTICE, standing.companion), now=now,
                    channel=standing.channel)
        except Refused:  # the same appointment booked on its own: that lift stands
            occurrence.skipped = "already booked"
            continue
        occurrence.request_id = request.id
        made.requests.append(request)
    session.flush()
    return made


def _claim(session: Session, standing: StandingBooking, day: date,
           now: datetime) -> StandingOccurrence | None:
    """Record the date as made; None if it already was (the unique constraint decides)."""
    occurrence = StandingOccurrence(standing_id=standing.id or 0, day=day, created_at=now)
    try:
        with session.begin_nested():
            session.add(occurrence)
            session.flush()
    except IntegrityError:
        return None
    return occurrence


def told_until(first_day: date, until: date | None, rules: SchemeRules) -> date:
    """The last date whose closure the booking's own reply listed (the course's end, or the
    booking horizon from the first lift)."""
    return until or first_day + timedelta(days=rules.booking_horizon_days)


def _told(session: Session, standing: StandingBooking, day: date, rules: SchemeRules) -> bool:
    """Whether the resident already heard this date is skipped (listed when they booked)."""
    if day > told_until(standing.first_day, standing.until_day, rules):
        return False
    closure = session.exec(select(SchemeClosure).where(
        SchemeClosure.scheme_id == standing.scheme_id, SchemeClosure.day == day)).first()
    return closure is None or closure.created_at <= standing.created_at


def _tell_skipped(session: Session, standing: StandingBooking, resident: Person,
                  occurrence: StandingOccurrence, now: datetime) -> None:
    pattern = describe(decode(standing.weekdays), standing.every_weeks)
    enqueue(session, key=f"standing-skip:{occurrence.id}", person=resident,
            kind="standing_skip", due_at=now,
            body=skipped_text(occurrence.day, occurrence.skipped, pattern))


def skipped_text(day: date, reason: str, pattern: str) -> str:
    """'No lift on Fri 25 Dec (Christmas Day): we're closed. Your lifts every Fri go on as
    booked.'"""
    why = f" ({reason})" if reason else ""
    return (f"No lift on {short_date(day)}{why}: we're closed that day. Your lifts "
            f"{pattern} go on as booked.")


def extend_all(session: Session, now: datetime) -> int:
    """The scheduler's job: make every standing booking's occurrences within reach."""
    count = 0
    rules_by_scheme: dict[int, SchemeRules] = {}
    for standing in session.exec(select(StandingBooking).where(
            col(StandingBooking.ended_at).is_(None)).order_by(col(StandingBooking.id))).all():
        rules = rules_by_scheme.setdefault(standing.scheme_id,
                                           rules_for(session, standing.scheme_id))
        tz = rules.tz
        if standing.until_day is not None and standing.until_day < now.astimezone(tz).date():
            standing.ended_at = now  # the course is over
            session.add(standing)
            continue
        count += len(extend(session, standing, now, rules=rules).requests)
    return count


def _own(session: Session, person: Person, standing_id: int) -> StandingBooking:
    standing = session.get(StandingBooking, standing_id)
    if standing is None or standing.resident_id != person.id:
        raise Refused("I couldn't find those lifts.")
    if standing.ended_at is not None:
        raise Refused("Those lifts are already cancelled.")
    return standing


def cancel_standing(session: Session, person: Person, standing_id: int, *,
                    now: datetime) -> int:
    """End a standing booking: no more occurrences, and its lifts still to come cancelled
    (their drivers told). Returns how many lifts were cancelled."""
    standing = _own(session, person, standing_id)
    standing.ended_at = now
    session.add(standing)
    cancelled = 0
    for request in _future_requests(session, standing, now):
        cancel_request(session, request, now=now, actor="resident",
                       reason="standing booking cancelled")
        cancelled += 1
    log.info("standing booking %s ended (%s lifts cancelled)", standing.id, cancelled)
    return cancelled


def skip_occurrence(session: Session, person: Person, standing_id: int, day: date, *,
                    now: datetime) -> None:
    """No lift on one date: its request cancelled if made, else the date marked so it never
    is. A date the booking does not fall on is refused."""
    standing = _own(session, person, standing_id)
    if not pattern_of(standing).falls_on(day):
        raise Refused(f"Your lifts don't fall on {short_date(day)}.")
    found = session.exec(select(StandingOccurrence).where(
        StandingOccurrence.standing_id == standing.id, StandingOccurrence.day == day)).first()
    if found is None:
        found = _claim(session, standing, day, now)
        if found is None:  # made a moment ago: read it again
            found = session.exec(select(StandingOccurrence).where(
                StandingOccurrence.standing_id == standing.id,
                StandingOccurrence.day == day)).one()
        else:
            found.skipped = CANCELLED_AHEAD
            session.add(found)
            return
    request = session.get(LiftRequest, found.request_id) if found.request_id else None
    if request is None or request.status not in REQUEST_ACTIVE:
        found.skipped = found.skipped or CANCELLED_AHEAD
        session.add(found)
        return
    cancel_request(session, request, now=now, actor="resident",
                   reason="one date of a standing booking")


def _future_requests(session: Session, standing: StandingBooking,
                     now: datetime) -> list[LiftRequest]:
    return list(session.exec(
        select(LiftRequest).join(StandingOccurrence,
                                 col(StandingOccurrence.request_id) == LiftRequest.id)
        .where(StandingOccurrence.standing_id == standing.id,
               LiftRequest.appointment_at > now,
               col(LiftRequest.status).in_(REQUEST_ACTIVE))).all())


def standing_of(session: Session, resident_id: int) -> list[StandingView]:
    """A resident's standing bookings still running (for the dialogue's snapshot)."""
    rows = session.exec(select(StandingBooking, Place).join(
        Place, col(Place.id) == StandingBooking.destination_id).where(
        StandingBooking.resident_id == resident_id,
        col(StandingBooking.ended_at).is_(None)).order_by(col(StandingBooking.id))).all()
    return [StandingView(s.id or 0, p.name, decode(s.weekdays), s.every_weeks, s.local_time,
                         s.first_day, s.until_day, s.return_plan) for s, p in rows]


def listing(session: Session, scheme_id: int, now: datetime) -> list[StandingSummary]:
    """Every standing booking still running in a scheme, by resident (for coordinators)."""
    rows = session.exec(select(StandingBooking, Person, Place)
                        .join(Person, col(Person.id) == StandingBooking.resident_id)
                        .join(Place, col(Place.id) == StandingBooking.destination_id)
                        .where(StandingBooking.scheme_id == scheme_id,
                               col(StandingBooking.ended_at).is_(None))
                        .order_by(col(Person.name), col(StandingBooking.id))).all()
    out = []
    for standing, resident, place in rows:
        upcoming = [r.appointment_at for r in _future_requests(session, standing, now)]
        tz = rules_for(session, scheme_id).tz
        carer = session.get(Person, standing.booked_by_id) if standing.booked_by_id else None
        out.append(StandingSummary(
            standing.id or 0, resident.id or 0, resident.name, place.name,
            describe(decode(standing.weekdays), standing.every_weeks), standing.local_time,
            standing.first_day, standing.until_day, standing.return_plan,
            min(upcoming).astimezone(tz).date() if upcoming else None,
            (carer.name or f"a contact, {_shown(carer.phone)}") if carer is not None else ""))
    return out


def _shown(phone: str | None) -> str:
    """A UK mobile as people write it (07700 900123)."""
    if phone and phone.startswith("+44") and len(phone) == 13:
        return f"0{phone[3:7]} {phone[7:]}"
    return phone or "no phone"


def listing_text(summaries: list[StandingSummary]) -> str:
    """The coordinator's /standing answer."""
    if not summaries:
        return "No standing bookings."
    lines = []
    for s in summaries[:30]:
        until = f" until {short_date(s.until)}" if s.until else ""
        nxt = f"; next {short_date(s.next_day)}" if s.next_day else ""
        by = f" (booked by {s.booked_by})" if s.booked_by else ""
        lines.append(f"#{s.id} {s.resident}: {s.pattern} {s.local_time} to {s.destination}"
                     f"{until}{nxt}{by}")
    more = f"\n...and {len(summaries) - 30} more" if len(summaries) > 30 else ""
    return "Standing bookings:\n" + "\n".join(lines) + more
