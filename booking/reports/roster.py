"""The driver's day and the coordinator's view of it: run sheets, progress, rosters.

Read-side text for chats, and rows for the command line. Health detail stays out: needs
are mobility needs only, and the destination is a place name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from booking.domain.eligibility import checks_in_date
from booking.domain.status import LEG_DRIVEN, LEG_HELD, REQUEST_WAITING, LegStatus, OfferStatus
from booking.intake.views import MOBILITY_LABELS
from booking.rules import local_instant
from storage.tables import Leg, LiftRequest, Offer, Person, Place

MAP = "https://www.openstreetmap.org/?mlat={lat:.4f}&mlon={lon:.4f}"


@dataclass(frozen=True)
class LegRow:
    """One leg with everything a run sheet or roster shows."""

    leg: Leg
    request: LiftRequest
    resident: Person
    place: Place
    driver: Person | None


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants a local day starts and ends."""
    start = local_instant(day, time(0), tz)
    return start, local_instant(day + timedelta(days=1), time(0), tz)


def legs_on(session: Session, scheme_id: int, day: date, tz: ZoneInfo, *,
            driver_id: int | None = None) -> list[LegRow]:
    """Every leg of the scheme's requests with an appointment that day, in time order."""
    start, end = day_bounds(day, tz)
    query = (select(Leg, LiftRequest, Person, Place)
             .join(LiftRequest, col(LiftRequest.id) == Leg.request_id)
             .join(Person, col(Person.id) == LiftRequest.resident_id)
             .join(Place, col(Place.id) == LiftRequest.destination_id)
             .where(LiftRequest.scheme_id == scheme_id,
                    col(LiftRequest.appointment_at) >= start,
                    col(LiftRequest.appointment_at) < end))
    if driver_id is not None:
        query = query.where(Leg.driver_id == driver_id)
    rows = []
    for leg, request, resident, place in session.exec(query).all():
        driver = session.get(Person, leg.driver_id) if leg.driver_id else None
        rows.append(LegRow(leg, request, resident, place, driver))
    return sorted(rows, key=lambda r: (r.leg.pickup_at or r.request.appointment_at, r.leg.id))


def run_sheet(session: Session, driver: Person, day: date, tz: ZoneInfo) -> str:
    """The driver's ordered stops for a day, with addresses, needs and map links."""
    rows = [r for r in legs_on(session, driver.scheme_id, day, tz, driver_id=driver.id)
            if r.leg.status in LEG_HELD]
    heading = f"Your trips for {day:%a} {day.day} {day:%b}"
    if not rows:
        return f"{heading}: none. Thank you for being available!"
    stops = sorted((stop for row in rows for stop in _stops(row, tz)), key=lambda s: s[0])
    lines = [heading + ":"] + [line for _, line in stops]
    total = sum(r.leg.driver_miles for r in rows)
    lines.append(f"About {total:.0f} miles in all. Reply PICKED UP, DROPPED OFF or NO SHOW "
                 "as you go.")
    return "\n".join(lines)


def _stops(row: LegRow, tz: ZoneInfo) -> list[tuple[datetime, str]]:
    """The leg's pick-up and drop-off, each with the time it happens (to sort the day)."""
    leg, resident, place = row.leg, row.resident, row.place
    needs = MOBILITY_LABELS.get(row.request.mobility, "") if row.request.mobility != \
        "unaided" else ""
    extra = ", ".join(x for x in (needs, "companion" if row.request.companion else "",
                                  "assistance dog" if row.request.assistance_dog else "") if x)
    who = resident.name + (f" ({extra})" if extra else "")
    home = f"{resident.address} {resident.postcode}".strip()
    home_map = MAP.format(lat=resident.lat, lon=resident.lon) if resident.lat else ""
    place_map = MAP.format(lat=place.lat, lon=place.lon)
    pick = f"{leg.pickup_at.astimezone(tz):%H:%M}" if leg.pickup_at else "--:--"
    drop = f"{leg.dropoff_at.astimezone(tz):%H:%M}" if leg.dropoff_at else "--:--"
    done = " [done]" if leg.status in LEG_DRIVEN else ""
    at = leg.pickup_at or row.request.appointment_at
    until = leg.dropoff_at or at
    if leg.direction == "out":
        return [(at, f"{pick} pick up {who}, {home} {home_map}{done}"),
                (until, f"{drop} drop at {place.name}. {place.notes} {place_map}".rstrip())]
    return [(at, f"{pick} pick up {who} at {place.name}{done}"),
            (until, f"{drop} home: {home}")]


def roster_text(session: Session, scheme_id: int, day: date, tz: ZoneInfo) -> str:
    """Each driver's trips for the day, for a coordinator's chat."""
    rows = [r for r in legs_on(session, scheme_id, day, tz) if r.driver is not None
            and r.leg.status != LegStatus.CANCELLED]
    if not rows:
        return f"No trips planned for {day:%a} {day.day} {day:%b}."
    lines = [f"Roster for {day:%a} {day.day} {day:%b}:"]
    for row in rows:
        assert row.driver is not None
        when = f"{row.leg.pickup_at.astimezone(tz):%H:%M}" if row.leg.pickup_at else "--:--"
        lines.append(f"{when} {row.driver.name}: {row.resident.name} "
                     f"{'to' if row.leg.direction == 'out' else 'from'} {row.place.name} "
                     f"[{row.leg.status}]")
    return "\n".join(lines)


SOON = timedelta(days=30)  # warn this long before a check runs out


def problems_text(session: Session, scheme_id: int, on: date) -> str:
    """Drivers kept out of planning by an out-of-date check, or about to be ("" if none)."""
    lines = []
    drivers = session.exec(select(Person).where(
        Person.scheme_id == scheme_id, Person.role == "driver", Person.active == True)  # noqa: E712
        .order_by(col(Person.name))).all()
    for driver in drivers:
        checks = {"dbs_checked_on": driver.dbs_checked_on,
                  "licence_checked_on": driver.licence_checked_on,
                  "insurance_expires_on": driver.insurance_expires_on}
        now_out = checks_in_date(**checks, on=on)
        if now_out:
            lines.append(f"{driver.name}: {', '.join(now_out)}; not offered trips until "
                         "updated.")
        elif soon := checks_in_date(**checks, on=on + SOON):
            coming = (p.replace("out of date", "due").replace("expired", "expires")
                      for p in soon)
            lines.append(f"{driver.name}: {', '.join(coming)} within {SOON.days} days.")
    return "\n".join(["Drivers' checks:", *lines]) if lines else ""


def unassigned_text(session: Session, scheme_id: int, day: date, tz: ZoneInfo) -> str:
    """Requests for the day without an accepted driver, each with the reason."""
    start, end = day_bounds(day, tz)
    requests = session.exec(select(LiftRequest, Person).join(
        Person, col(Person.id) == LiftRequest.resident_id).where(
        LiftRequest.scheme_id == scheme_id, col(LiftRequest.appointment_at) >= start,
        col(LiftRequest.appointment_at) < end,
        col(LiftRequest.status).in_(REQUEST_WAITING))
        .order_by(col(LiftRequest.appointment_at))).all()
    if not requests:
        return f"Nothing unassigned for {day:%a} {day.day} {day:%b}."
    lines = [f"Unassigned for {day:%a} {day.day} {day:%b}:"]
    for request, resident in requests:
        waiting = session.exec(select(Offer).where(Offer.request_id == request.id,
                                                   Offer.status == OfferStatus.OPEN)).all()
        why = request.status_reason or ("offer waiting for an answer" if waiting
                                        else "not planned yet")
        lines.append(f"#{request.id} {request.appointment_at.astimezone(tz):%H:%M} "
                     f"{resident.name}: {why}")
    return "\n".join(lines)
