"""Scheme rules (settings with sensible defaults) and the pure decisions made from them.

Standard library and pydantic only: no storage, no channels. Every function takes `now`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from booking import calendar as service_calendar
from booking.gsm import SINGLE, is_gsm7, septets

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The window a resident is told to be ready in, around the planned pickup.
PICKUP_WINDOW_BEFORE = timedelta(minutes=5)
PICKUP_WINDOW_AFTER = timedelta(minutes=10)


class SchemeRules(BaseModel):
    """The rules a coordinator can tune; `lifts scheme set KEY VALUE` validates against this."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    timezone: str = "Europe/London"
    service_days: list[str] = Field(default_factory=lambda: list(WEEKDAYS[:5]))
    open_on_bank_holidays: bool = False  # England and Wales bank holidays (booking/calendar.py)
    service_start: time = time(8, 0)
    service_end: time = time(18, 30)
    booking_notice_hours: int = Field(48, ge=0, le=24 * 14)
    booking_horizon_days: int = Field(56, ge=1, le=365)
    planning_cutoff: time = time(17, 0)  # on the day before the trip
    arrive_early_min_minutes: int = Field(10, ge=0, le=120)
    arrive_early_max_minutes: int = Field(20, ge=0, le=180)
    appointment_minutes_gp: int = Field(15, ge=5, le=240)
    appointment_minutes_hospital: int = Field(60, ge=5, le=480)
    driver_wait_free_minutes: int = Field(90, ge=0, le=480)
    max_ride_factor: float = Field(1.5, ge=1.0, le=5.0)
    max_ride_extra_minutes: int = Field(10, ge=0, le=120)
    reminder_day_before_at: time = time(18, 0)
    reminder_before_pickup_minutes: int = Field(60, ge=0, le=600)
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(8, 0)
    offer_expiry_minutes: int = Field(120, ge=5, le=24 * 60)
    early_warning_hours: int = Field(24, ge=0, le=24 * 7)
    mileage_rate_pence: int = Field(45, ge=0, le=200)
    mileage_rate_after_pence: int = Field(25, ge=0, le=200)
    mileage_threshold_miles: int = Field(10_000, ge=0)
    extra_passenger_pence: int = Field(5, ge=0, le=100)
    retention_days: int = Field(365, ge=30, le=3650)
    # Spread trips and miles across willing drivers over the last four weeks
    # (booking/planning/fairness.py; the trade-off measured in docs/benchmarks.md).
    fairness: Literal["off", "gentle", "strong"] = "gentle"
    # A newcomer who joins by message waits for a coordinator's yes before booking (off: a
    # village scheme knows its residents, and a lift to the GP should not wait on paperwork).
    approve_new_residents: bool = False
    # The short FAQ residents get by text: one SMS segment each (GSM-7, at most 160 characters).
    faq_cost: str = ("There's no fare: our drivers are volunteers. A donation towards petrol "
                     "is welcome but never expected.")
    faq_dogs: str = ("Assistance dogs are always welcome: tell us when you book. We can't "
                     "usually take pets.")
    faq_covers: str = ("We give lifts to GP and hospital appointments for people who can't "
                       "get there another way.")
    faq_volunteer: str = ("Thank you! We're always glad of new drivers. A coordinator will "
                          "ring you to talk it through.")
    # WhatsApp: the Content SIDs (HX + 32 hex) of the approved templates for what we send
    # first (outside the 24-hour session); empty: that kind goes by the notice template,
    # and with no template at all by SMS. See docs/whatsapp-and-calls.md for their texts.
    whatsapp_template_confirmation: str = ""
    whatsapp_template_reminder: str = ""
    whatsapp_template_unserved: str = ""
    whatsapp_template_offer: str = ""
    whatsapp_template_notice: str = ""
    # Calls to landlines and to people who prefer a call: only in these hours (local time),
    # retried once this many minutes after no answer; 3 on the keypad rings the office
    # (the scheme's office_phone).
    call_hours_start: time = time(9, 0)
    call_hours_end: time = time(19, 0)
    call_retry_minutes: int = Field(30, ge=5, le=24 * 60)

    @field_validator("whatsapp_template_confirmation", "whatsapp_template_reminder",
                     "whatsapp_template_unserved", "whatsapp_template_offer",
                     "whatsapp_template_notice")
    @classmethod
    def _content_sid(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"HX[0-9a-fA-F]{32}", value):
            raise ValueError("a Twilio Content SID is HX followed by 32 hex digits")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except ZoneInfoNotFoundError as exc:  # a KeyError, which pydantic would not catch
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("faq_cost", "faq_dogs", "faq_covers", "faq_volunteer")
    @classmethod
    def _one_text(cls, value: str) -> str:
        # Sent as it stands, so it must be one plain SMS: no curly quotes, no emoji.
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be empty")
        if not is_gsm7(value):
            bad = "".join(sorted({c for c in value if not is_gsm7(c)}))
            raise ValueError(f"use plain characters only (not {bad!r})")
        if septets(value) > SINGLE:
            raise ValueError(f"at most {SINGLE} characters (one text message)")
        return value

    @field_validator("service_days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        days = [d.strip().lower()[:3] for d in value if d.strip()]
        bad = [d for d in days if d not in WEEKDAYS]
        if bad or not days:
            raise ValueError(f"service_days must be a list of {', '.join(WEEKDAYS)}")
        return sorted(set(days), key=WEEKDAYS.index)

    @model_validator(mode="after")
    def _consistent(self) -> SchemeRules:
        # Each value can be fine alone and the pair still impossible: an inverted arrival
        # window or service day would quietly refuse or mis-plan every trip.
        if self.arrive_early_min_minutes > self.arrive_early_max_minutes:
            raise ValueError("arrive_early_min_minutes must not exceed arrive_early_max_minutes")
        if self.service_start >= self.service_end:
            raise ValueError("service_start must be before service_end")
        if self.call_hours_start >= self.call_hours_end:
            raise ValueError("call_hours_start must be before call_hours_end")
        return self

    @property
    def tz(self) -> ZoneInfo:
        """The scheme's time zone."""
        return ZoneInfo(self.timezone)


def rules_from(stored: dict[str, Any]) -> SchemeRules:
    """Rules from a scheme's stored JSON (unknown keys from older versions are ignored)."""
    known = {k: v for k, v in stored.items() if k in SchemeRules.model_fields}
    return SchemeRules.model_validate(known)


def set_rule(stored: dict[str, Any], key: str, raw: str) -> dict[str, Any]:
    """Stored rules with `key` set from text; raises ValueError with a readable message."""
    if key not in SchemeRules.model_fields:
        raise ValueError(f"unknown setting {key!r}; known: {', '.join(SchemeRules.model_fields)}")
    value: Any = raw
    if key == "service_days":
        value = raw.replace(",", " ").split()
    merged = {**rules_from(stored).model_dump(mode="json"), key: value}
    try:
        return SchemeRules.model_validate(merged).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"{key}: {first['msg']}") from exc


class Verdict(Enum):
    """What the scheme's rules say about an appointment time."""

    OK = "ok"
    PAST = "past"
    NOT_SERVICE_DAY = "not_service_day"
    OUTSIDE_HOURS = "outside_hours"
    BEYOND_HORIZON = "beyond_horizon"
    SHORT_NOTICE = "short_notice"  # allowed, but the coordinator must look at it
    CLOSED = "closed"  # a bank holiday or one of the scheme's closure dates


Closures = Mapping[date, str]  # a scheme's own closure dates and why (booking/closures.py)
NO_CLOSURES: Closures = MappingProxyType({})


def judge_appointment(appointment: datetime, now: datetime, rules: SchemeRules,
                      closures: Closures = NO_CLOSURES) -> Verdict:
    """Whether a lift to an appointment at `appointment` can be booked at `now`."""
    local = appointment.astimezone(rules.tz)
    last_day = now.astimezone(rules.tz).date() + timedelta(days=rules.booking_horizon_days)
    if appointment <= now:
        return Verdict.PAST
    # Too far ahead is refused whatever the weekday: asking for another day would be pointless.
    if local.date() > last_day:
        return Verdict.BEYOND_HORIZON
    if WEEKDAYS[local.weekday()] not in rules.service_days:
        return Verdict.NOT_SERVICE_DAY
    if closed_reason(local.date(), rules, closures) is not None:
        return Verdict.CLOSED
    if not rules.service_start <= local.time() <= rules.service_end:
        return Verdict.OUTSIDE_HOURS
    if appointment - now < timedelta(hours=rules.booking_notice_hours):
        return Verdict.SHORT_NOTICE
    return Verdict.OK


def closed_reason(day: date, rules: SchemeRules, closures: Closures = NO_CLOSURES) -> str | None:
    """Why the scheme is closed on `day` (a bank holiday's name, a closure's reason), or None."""
    return service_calendar.closed_reason(day, closures,
                                          bank_holidays=not rules.open_on_bank_holidays)


def is_open_day(day: date, rules: SchemeRules, closures: Closures = NO_CLOSURES) -> bool:
    """Whether lifts run on `day`: a service day, not a holiday or closure."""
    return service_calendar.is_open(day, rules.service_days, closures,
                                    bank_holidays=not rules.open_on_bank_holidays)


def next_open_day(day: date, rules: SchemeRules, closures: Closures = NO_CLOSURES) -> date | None:
    """The first day after `day` that lifts run (None if none within a month)."""
    return service_calendar.next_open(day, rules.service_days, closures,
                                      bank_holidays=not rules.open_on_bank_holidays)


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The aware instant of a wall-clock time on a day (DST-safe: zoneinfo folds)."""
    return datetime.combine(day, at, tzinfo=tz)


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def confirm_by(appointment: datetime, now: datetime, rules: SchemeRules) -> datetime:
    """When the resident will hear who is driving: the planning cut-off, plus offer time.

    Planning runs at the cut-off on the day before; drivers then have the offer expiry to
    answer. If the cut-off has already passed (short notice), it is as soon as offers are
    answered from now.
    """
    tz = rules.tz
    day_before = appointment.astimezone(tz).date() - timedelta(days=1)
    cutoff = local_instant(day_before, rules.planning_cutoff, tz)
    start = max(cutoff, now)
    return start + timedelta(minutes=rules.offer_expiry_minutes)


def warning_deadline(appointment: datetime, rules: SchemeRules) -> datetime:
    """When a resident with no driver yet is told so, to make other plans: the scheme's
    early-warning hours before, but never before the plan and the drivers' answers are in
    (the cut-off the day before, plus the offer expiry)."""
    day_before = appointment.astimezone(rules.tz).date() - timedelta(days=1)
    answered = local_instant(day_before, rules.planning_cutoff, rules.tz) + timedelta(
        minutes=rules.offer_expiry_minutes)
    return max(appointment - timedelta(hours=rules.early_warning_hours), answered)


def in_quiet_hours(instant: datetime, rules: SchemeRules) -> bool:
    """True when `instant` falls in the quiet hours (which may wrap past midnight)."""
    local = instant.astimezone(rules.tz).time()
    start, end = rules.quiet_hours_start, rules.quiet_hours_end
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def after_quiet_hours(instant: datetime, rules: SchemeRules) -> datetime:
    """The first instant at or after `instant` outside the quiet hours."""
    if not in_quiet_hours(instant, rules):
        return instant
    tz = rules.tz
    local = instant.astimezone(tz)
    day = local.date() if local.time() < rules.quiet_hours_end else local.date() + timedelta(1)
    return local_instant(day, rules.quiet_hours_end, tz)


def in_call_hours(instant: datetime, rules: SchemeRules) -> bool:
    """True when the scheme may ring people at `instant` (local calling hours)."""
    local = instant.astimezone(rules.tz).time()
    return rules.call_hours_start <= local < rules.call_hours_end


def next_call_hours(instant: datetime, rules: SchemeRules) -> datetime:
    """The first instant at or after `instant` inside the calling hours."""
    if in_call_hours(instant, rules):
        return instant
    local = instant.astimezone(rules.tz)
    day = local.date() if local.time() < rules.call_hours_start else local.date() + timedelta(1)
    return local_instant(day, rules.call_hours_start, rules.tz)


@dataclass(frozen=True)
class ArrivalWindow:
    """When the passenger should arrive at the destination."""

    earliest: datetime
    latest: datetime


def arrival_window(appointment: datetime, rules: SchemeRules) -> ArrivalWindow:
    """Arrive 10–20 minutes (scheme setting) before the appointment."""
    return ArrivalWindow(
        earliest=appointment - timedelta(minutes=rules.arrive_early_max_minutes),
        latest=appointment - timedelta(minutes=rules.arrive_early_min_minutes),
    )
