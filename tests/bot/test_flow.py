"""Table tests of the pure dialogue: `bot.dialogue.flow.step(snapshot, inbound) -> Outcome`.

No database: each case builds a Snapshot in memory (the Wensleydale places, a fixed Monday
09:30 in London), plays one or more messages, carrying state and data from step to step as
the inbox would, and checks where the conversation ends up, what was said and what was done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.intake.effects import (
    AlertCoordinator,
    CancelLift,
    JoinResident,
    RequestLift,
    SetSmsOptOut,
)
from booking.intake.views import LiftView, PersonView, PlaceView, Snapshot
from booking.privacy.notice import NOTICE_VERSION
from booking.rules import SchemeRules
from bot.dialogue.flow import step
from bot.messages import Inbound, Outcome
from lifts.demo_scheme import SETTLEMENTS, SITES
from tests.support.world import monday_morning

LONDON = ZoneInfo("Europe/London")
NOW = monday_morning()  # a Monday 09:30 in London, as an aware UTC instant
TODAY = NOW.astimezone(LONDON).date()
PLACES = tuple(PlaceView(n, s.name, s.town, s.kind, s.aliases)
               for n, s in enumerate(SITES, start=1))
PLACE_ID = {p.name: p.id for p in PLACES}
LEYBURN = PLACE_ID["Leyburn Medical Practice"]
HAWES = PLACE_ID["Central Dales Practice, Hawes"]
AYSGARTH = PLACE_ID["Central Dales Practice, Aysgarth"]
FRIARAGE = PLACE_ID["Friarage Hospital"]
SETTLEMENT_VIEWS = tuple(PlaceView(100 + n, s.name, s.name, "settlement")
                         for n, s in enumerate(SETTLEMENTS, start=1))
MIDDLEHAM = next(v.id for v in SETTLEMENT_VIEWS if v.name == "Middleham")
WENSLEY = next(v.id for v in SETTLEMENT_VIEWS if v.name == "Wensley")

EDITH = PersonView(7, "resident", "Edith Bainbridge", "+447911123401", "walking_aid", False,
                   False)
DRIVER = PersonView(20, "driver", "Margaret Allen", "+447911123601", "unaided", False, False)
COORDINATOR = PersonView(1, "coordinator", "Pat Coordinator", "+447911123499", "unaided",
                         False, False)
SMS_ADDRESS = "+447911123401"
TELEGRAM_CHAT = "5550001"
VERIFIED = "+447911123420"

PLACE_OPTIONS = tuple(f"place:{p.id}" for p in PLACES)
MOBILITY = ("mob:unaided", "mob:walking_aid", "mob:folding_wheelchair", "mob:wheelchair_vehicle")
YES_NO = ("yes", "no")
MENU = ("menu:book", "menu:list", "menu:cancel", "menu:help")
RETURNS = ("ret:wait", "ret:collect_later", "ret:one_way")
CHANGES = ("change:place", "change:day", "change:time", "change:return", "change:companion",
           "change:stop")


def day(offset: int) -> str:
    """The ISO date `offset` days from the test's Monday."""
    return (TODAY + timedelta(days=offset)).isoformat()


def at(offset: int, hour: int, minute: int = 0) -> datetime:
    """The aware UTC instant of a London wall-clock time `offset` days from the Monday."""
    local = datetime.combine(TODAY + timedelta(days=offset), time(hour, minute), tzinfo=LONDON)
    return local.astimezone(UTC)


def day_words(offset: int) -> str:
    """How the bot writes a day: 'Thu 3 Dec'."""
    d = TODAY + timedelta(days=offset)
    return f"{d:%a} {d.day} {d:%b}"


THU, WED, TUE, FRI = 3, 2, 1, 4
FAR = TODAY + timedelta(weeks=12)
LIFT_THU = LiftView(11, "Leyburn Medical Practice", at(THU, 10, 40), "requested", "wait")
LIFT_NEXT_TUE = LiftView(12, "Friarage Hospital", at(8, 14), "confirmed", "collect_later",
                         "Margaret")
LIFT_EARLIER_TODAY = LiftView(10, "Reeth Medical Centre", at(0, 8), "requested", "wait")

JOIN_DATA: dict[str, Any] = {"name": "Mary Kettlewell", "address": "4 Chapel Row, Middleham",
                             "settlement_id": MIDDLEHAM, "postcode": "DL8 4PU",
                             "verified_phone": None}
THU_DRAFT: dict[str, Any] = {"place": LEYBURN, "day": day(THU), "time": "10:40",
                             "return": "wait", "short_notice": False}
TUE_HOSPITAL_DRAFT: dict[str, Any] = {"place": FRIARAGE, "day": day(TUE), "time": "14:00",
                                      "return": "wait", "short_notice": True}


def snapshot(state: str = "idle", data: dict[str, Any] | None = None,
             person: PersonView | None = EDITH, channel: str = "sms",
             lifts: Sequence[LiftView] = ()) -> Snapshot:
    """A snapshot of the Wensleydale scheme on the test's Monday morning."""
    address = TELEGRAM_CHAT if channel == "telegram" else SMS_ADDRESS
    return Snapshot(now=NOW, scheme_name="Wensleydale Lifts", rules=SchemeRules(),
                    channel=channel, address=address, person=person, places=PLACES,
                    settlements=SETTLEMENT_VIEWS, lifts=tuple(lifts), state=state,
                    data=dict(data or {}))


Said = str | Inbound


@dataclass(frozen=True)
class Case:
    """One conversation: what is said from where, and how it must end."""

    name: str
    says: tuple[Said, ...]
    state: str  # where the conversation ends up
    words: tuple[str, ...] = ()  # in the last step's replies (case-insensitive)
    options: tuple[str, ...] | None = None  # offered by the last reply; None: not checked
    effects: tuple[Any, ...] = ()  # every effect of the whole conversation: a value or a type
    start: str = "idle"
    data: dict[str, Any] = field(default_factory=dict)
    person: PersonView | None = EDITH
    channel: str = "sms"
    lifts: tuple[LiftView, ...] = ()
    draft: dict[str, Any] | None = None  # keys the final draft must hold
    absent: tuple[str, ...] = ()  # words that must not appear in the last replies


def play(case: Case) -> tuple[list[Outcome], list[Any]]:
    """Run a case's messages through `step`, carrying state and data like the inbox does."""
    state, data = case.start, dict(case.data)
    outcomes: list[Outcome] = []
    effects: list[Any] = []
    for said in case.says:
        inbound = said if isinstance(said, Inbound) else Inbound(text=said)
        outcome = step(snapshot(state, data, case.person, case.channel, case.lifts), inbound)
        outcomes.append(outcome)
        effects.extend(outcome.effects)
        state, data = outcome.state, outcome.data
    return outcomes, effects


def _matches(expected: Any, actual: Any) -> bool:
    return isinstance(actual, expected) if isinstance(expected, type) else expected == actual


JOIN_CASES = [
    Case("sms newcomer is greeted and asked their name", ("hello",), "join_name",
         ("Wensleydale Lifts", "full name"), person=None),
    Case("name in lower case is tidied", ("edith bainbridge",), "join_address",
         ("Thanks, Edith", "home address"), start="join_name", person=None),
    Case("a number is not a name", ("12345",), "join_name", ("didn't catch",),
         start="join_name", data={}, person=None),
    Case("address without postcode asks for the postcode", ("2 Church Lane, Wensley",),
         "join_postcode", ("postcode",), start="join_address", data={"name": "Edith B"},
         person=None, draft=None),
    Case("address with its postcode skips the postcode question",
         ("4 Chapel Row, Middleham DL8 4PU",), "join_mobility", ("get about",), MOBILITY,
         start="join_address", data={"name": "Mary Kettlewell"}, person=None),
    Case("postcode in odd spacing is understood", ("dl84hx",), "join_mobility", (), MOBILITY,
         start="join_postcode", data={"name": "Edith B", "address": "2 Church Lane"},
         person=None),
    Case("unknown postcode offers a way out, and '1' takes it", ("don't know", "1"),
         "join_mobility", (), MOBILITY, start="join_postcode",
         data={"name": "Edith B", "address": "2 Church Lane"}, person=None),
    Case("mobility by number", ("2",), "join_companion", ("come with you",), YES_NO,
         start="join_mobility", data={**JOIN_DATA, "options": list(MOBILITY)}, person=None),
    Case("mobility in words", ("I have a walking stick",), "join_companion", (), YES_NO,
         start="join_mobility", data=JOIN_DATA, person=None),
    Case("a forged mobility button is asked again", (Inbound(choice="mob:jetpack"),),
         "join_mobility", ("choose",), MOBILITY, start="join_mobility", data=JOIN_DATA,
         person=None),
    Case("mobility nonsense is asked again", ("banana",), "join_mobility", ("choose",),
         MOBILITY, start="join_mobility", data=JOIN_DATA, person=None),
    Case("companion yes moves on to the dog", ("yes",), "join_dog", ("assistance dog",),
         YES_NO, start="join_companion", data=JOIN_DATA, person=None),
    Case("a vague dog answer is asked again", ("maybe",), "join_dog", ("yes or no",), YES_NO,
         start="join_dog", data=JOIN_DATA, person=None),
    Case("no consent saves nothing", ("no",), "idle", ("nothing has been saved",),
         start="join_consent", data={**JOIN_DATA, "mobility": "unaided"}, person=None),
    Case("whole sms join ends with JoinResident",
         ("Hi", "Mary Kettlewell", "4 Chapel Row, Middleham", "DL8 4PU", "2", "no", "yes",
          "yes"),
         "idle", ("all set", "Mary"),
         effects=(JoinResident("Mary Kettlewell", "4 Chapel Row, Middleham", "DL8 4PU",
                               MIDDLEHAM, "walking_aid", False, True, None,
                               notice_version=NOTICE_VERSION),),
         person=None),
    Case("telegram newcomer is asked to share their contact", ("hello",), "join_contact",
         ("Share my phone number",), person=None, channel="telegram"),
    Case("telegram typing instead of sharing asks again", ("Mary",), "join_contact",
         ("Share my phone number",), start="join_contact", person=None, channel="telegram"),
    Case("whole telegram join keeps the verified phone",
         (Inbound(contact_shared=True), "George Alderson", "Town Foot, Hawes", "DL8 3NT",
          Inbound(choice="mob:folding_wheelchair"), Inbound(choice="yes"),
          Inbound(choice="no"), Inbound(choice="yes")),
         "idle", ("all set", "George"),
         effects=(JoinResident("George Alderson", "Town Foot, Hawes", "DL8 3NT",
                               next(v.id for v in SETTLEMENT_VIEWS if v.name == "Hawes"),
                               "folding_wheelchair", True, False, VERIFIED,
                               notice_version=NOTICE_VERSION),),
         start="join_contact", data={"verified_phone": VERIFIED}, person=None,
         channel="telegram"),
    Case("a booking sent before joining is read back once joined",
         ("Lift to Leyburn surgery Thursday 10.40 please", "Mary Kettlewell",
          "4 Chapel Row, Middleham DL8 4PU", "1", "no", "no", "yes"),
         "book_confirm", ("all set", "Leyburn Medical Practice", day_words(THU), "10:40"),
         YES_NO, effects=(JoinResident,), person=None,
         draft={"place": LEYBURN, "day": day(THU), "time": "10:40"}),
    Case("thanks from an unknown sender starts joining politely", ("thanks",), "join_name",
         ("Hello", "full name"), person=None, absent=("welcome",)),
    Case("a known resident stuck in joining is welcomed back", ("hi",), "idle",
         ("found your details",), MENU, start="join_name"),
]

BOOK_CASES = [
    Case("one message is read back", ("Lift to Leyburn surgery Thursday 10.40 please",),
         "book_confirm",
         ("Leyburn Medical Practice", day_words(THU), "10:40", "waits and brings you home"),
         YES_NO, draft={"place": LEYBURN, "day": day(THU), "time": "10:40"}),
    Case("one message and yes books the lift",
         ("Lift to Leyburn surgery Thursday 10.40 please", "yes"), "idle",
         (day_words(THU), "who is driving"),
         effects=(RequestLift(LEYBURN, at(THU, 10, 40), "wait", False),)),
    Case("a vague booking offers every place", ("I need a lift",), "book_place",
         ("Where",), PLACE_OPTIONS),
    Case("'2' picks the second place offered", ("I need a lift", "2"), "book_day",
         ("What day",), draft={"place": HAWES}),
    Case("step by step with numbers and words",
         ("can i get a ride to the doctors", "2", "wed", "half two", "1"), "idle",
         (day_words(WED),),
         effects=(RequestLift(HAWES, at(WED, 14, 30), "wait", False),)),
    Case("an ambiguous place offers just the candidates",
         ("lift to central dales practice thursday 10am",), "book_place",
         ("Which of these",), (f"place:{HAWES}", f"place:{AYSGARTH}")),
    Case("a day given when asked the time changes the day", ("thursday",), "book_time",
         ("What time",), start="book_time",
         data={"draft": {"place": LEYBURN, "day": day(WED)}},
         draft={"place": LEYBURN, "day": day(THU)}),
    Case("a time given when asked the day is kept", ("10.40",), "book_day", ("What day",),
         start="book_day", data={"draft": {"place": HAWES}},
         draft={"place": HAWES, "time": "10:40"}),
    Case("'no, it's Wednesday' at the read-back corrects the day", ("no, it's Wednesday",),
         "book_confirm", (day_words(WED), "10:40"), YES_NO, start="book_confirm",
         data={"draft": THU_DRAFT, "options": list(YES_NO)},
         draft={"day": day(WED), "time": "10:40"}),
    Case("a correction that clears short notice", ("no, it's Wednesday", "yes"), "idle",
         ("who is driving",), start="book_confirm",
         data={"draft": TUE_HOSPITAL_DRAFT, "options": list(YES_NO)},
         effects=(RequestLift(FRIARAGE, at(WED, 14), "wait", False),)),
    Case("no at the read-back offers the change menu", ("no",), "book_change",
         ("What needs changing",), CHANGES, start="book_confirm",
         data={"draft": THU_DRAFT, "options": list(YES_NO)}),
    Case("change the day by number then give a new one", ("no", "2", "friday", "yes"),
         "idle", (day_words(FRI),), start="book_confirm",
         data={"draft": THU_DRAFT, "options": list(YES_NO)},
         effects=(RequestLift(LEYBURN, at(FRI, 10, 40), "wait", False),)),
    Case("change the time by button", (Inbound(choice="change:time"), "2pm"), "book_confirm",
         (day_words(THU), "14:00"), YES_NO, start="book_change", data={"draft": THU_DRAFT}),
    Case("change the place", (Inbound(choice="change:place"),), "book_place", ("Where",),
         PLACE_OPTIONS, start="book_change", data={"draft": THU_DRAFT}),
    Case("change the way home", (Inbound(choice="change:return"), "3"), "book_confirm",
         ("a lift there only",), YES_NO, start="book_change", data={"draft": THU_DRAFT}),
    Case("stop from the change menu books nothing", (Inbound(choice="change:stop"),), "idle",
         ("Nothing has been booked",), start="book_change", data={"draft": THU_DRAFT}),
    Case("cancel while booking stops the booking", ("cancel",), "idle",
         ("Nothing has been booked",), start="book_time", data={"draft": {"place": LEYBURN}}),
    Case("a hospital asks about the way home", ("lift to friarage thursday 2pm",),
         "book_return", ("Hospital", "get home"), RETURNS,
         draft={"place": FRIARAGE, "day": day(THU), "time": "14:00"}),
    Case("a hospital lift collected later", ("lift to friarage thursday 2pm", "2", "yes"),
         "idle", (day_words(THU),),
         effects=(RequestLift(FRIARAGE, at(THU, 14), "collect_later", False),)),
    Case("a GP lift never asks about the way home", ("lift to reeth surgery friday 3pm",),
         "book_confirm", ("waits and brings you home",), YES_NO),
    Case("'1' at the read-back means yes", ("1",), "idle", ("who is driving",),
         start="book_confirm", data={"draft": THU_DRAFT, "options": list(YES_NO)},
         effects=(RequestLift(LEYBURN, at(THU, 10, 40), "wait", False),)),
    Case("'3' at a yes/no read-back is not an answer", ("3",), "book_confirm",
         ("yes or no",), YES_NO, start="book_confirm",
         data={"draft": THU_DRAFT, "options": list(YES_NO)}),
    Case("thanks at the read-back books nothing", ("thanks",), "book_confirm",
         ("yes or no",), YES_NO, start="book_confirm",
         data={"draft": THU_DRAFT, "options": list(YES_NO)}),
]

REFUSAL_CASES = [
    Case("earlier today has passed", ("lift to leyburn today 9am",), "book_day",
         ("already passed", "What day"), draft={"place": LEYBURN}),
    Case("a past year has passed", ("lift to leyburn 2 March 2020 10am",), "book_day",
         ("already passed",)),
    Case("Saturday is not a service day", ("lift to leyburn saturday 10am",), "book_day",
         ("only go out on", "Mon, Tue, Wed, Thu, Fri"), draft={"place": LEYBURN, "time": "10:00"}),
    Case("7am is outside service hours", ("lift to leyburn thursday 7am",), "book_time",
         ("08:00 to 18:30",), draft={"place": LEYBURN, "day": day(THU)}),
    Case("twelve weeks ahead is beyond the horizon",
         (f"lift to leyburn {FAR.day} {FAR:%B} {FAR.year} 10am",), "idle", ("8 weeks",)),
    Case("31st February does not exist", ("lift to leyburn 31st February 10am",), "book_day",
         ("no such date",)),
    Case("tomorrow is short notice, said honestly", ("lift to leyburn tomorrow 10am", "yes"),
         "idle", ("short notice", "coordinator"),
         effects=(RequestLift(LEYBURN, at(TUE, 10), "wait", True),),
         absent=("who is driving by",)),
    Case("a read-back confirmed after the day has gone books nothing", ("yes",), "book_day",
         ("already passed",), start="book_confirm",
         data={"draft": {**THU_DRAFT, "day": day(-1)}, "options": list(YES_NO)}),
    Case("a read-back confirmed late is re-judged as short notice", ("yes",), "idle",
         ("short notice",), start="book_confirm",
         data={"draft": {**THU_DRAFT, "day": day(TUE)}, "options": list(YES_NO)},
         effects=(RequestLift(LEYBURN, at(TUE, 10, 40), "wait", True),)),
]

CANCEL_CASES = [
    Case("cancel with one lift asks to confirm it", ("cancel",), "cancel_confirm",
         (day_words(THU), "Leyburn"), YES_NO, lifts=(LIFT_THU,)),
    Case("cancel with one lift and yes", ("cancel my lift", "yes"), "idle", ("cancelled",),
         effects=(CancelLift(11),), lifts=(LIFT_THU,)),
    Case("cancel then no keeps the lift", ("cancel", "no"), "idle", ("nothing has been",),
         lifts=(LIFT_THU,)),
    Case("cancel with several lifts lists only upcoming ones", ("I can't make it",),
         "cancel_pick", ("Which lift",), ("lift:11", "lift:12"),
         lifts=(LIFT_EARLIER_TODAY, LIFT_THU, LIFT_NEXT_TUE)),
    Case("cancel the second of several by number", ("cancel", "2", "yes"), "idle",
         (day_words(8),), effects=(CancelLift(12),), lifts=(LIFT_THU, LIFT_NEXT_TUE)),
    Case("cancel with nothing booked", ("cancel",), "idle", ("nothing to cancel",)),
    Case("my lifts lists them with their status", ("my lifts",), "idle",
         ("11: ", "Leyburn surgery", "12: ", "Friarage Hospital", "(confirmed)", "(waiting)",
          "CANCEL and its number"), lifts=(LIFT_THU, LIFT_NEXT_TUE), absent=("Reeth",)),
    Case("my lifts with none booked", ("have I got any lifts",), "idle", ("no lifts booked",)),
    Case("menu number 2 lists lifts", ("hello", "2"), "idle",
         ("Your lift:", "waiting for a driver", "CANCEL 11"),
         lifts=(LIFT_THU,)),
]

KEYWORD_CASES = [
    Case("HELP alerts a coordinator", ("HELP",), "idle", ("coordinator",),
         effects=(AlertCoordinator,)),
    Case("asking for a human mid-booking alerts a coordinator and keeps the booking",
         ("can someone ring me", "thursday"), "book_time", ("What time",),
         effects=(AlertCoordinator,), start="book_day", data={"draft": {"place": LEYBURN}},
         draft={"place": LEYBURN, "day": day(THU)}),
    Case("menu number 4 is help", ("hello", "4"), "idle", ("coordinator",),
         effects=(AlertCoordinator,)),
    Case("STOP opts out of texts", ("STOP",), "idle", ("START",),
         effects=(SetSmsOptOut(True),)),
    Case("STOP works mid-join", ("stop",), "idle", ("START",),
         effects=(SetSmsOptOut(True),), start="join_address", data={"name": "Mary K"},
         person=None),
    Case("START opts back in", ("START",), "idle", ("Welcome back",), MENU,
         effects=(SetSmsOptOut(False),)),
    Case("thanks outside a flow is answered kindly", ("thanks",), "idle", ("welcome",)),
    Case("ok outside a flow is answered kindly", ("ok",), "idle", ("welcome",)),
    Case("thanks for a past lift does not book", ("Thanks for the lift on Tuesday",), "idle",
         ("welcome",)),
    Case("a thumbs up does not book", ("\U0001f44d",), "idle", ("welcome",)),
    Case("hello offers the menu", ("hello",), "idle", ("Hello Edith",), MENU),
    Case("a menu number books", ("hello", "1"), "book_place", ("Where",), PLACE_OPTIONS),
    Case("nonsense gets the menu", ("purple monkey dishwasher",), "idle",
         ("didn't understand",), MENU),
    Case("a driver's chit-chat gets the driver menu, never a booking",
         ("lift to leyburn thursday 10am",), "idle", ("Hello Margaret", "PICKED UP"),
         person=DRIVER),
    Case("a coordinator's hello lists the commands", ("hello",), "idle",
         ("Hello Pat", "/roster"), person=COORDINATOR),
]

CASES = JOIN_CASES + BOOK_CASES + REFUSAL_CASES + CANCEL_CASES + KEYWORD_CASES


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_conversation(case: Case) -> None:
    """Each conversation ends in the expected state, saying and doing what it should."""
    outcomes, effects = play(case)
    for outcome in outcomes:
        assert outcome.replies and all(r.text.strip() for r in outcome.replies)
    last = outcomes[-1]
    said = " ".join(r.text for r in last.replies).lower()
    assert last.state == case.state, said
    for word in case.words:
        assert word.lower() in said
    for word in case.absent:
        assert word.lower() not in said
    if case.options is not None:
        assert tuple(o.value for o in last.replies[-1].options) == case.options
        assert last.data.get("options", []) == list(case.options)
    assert len(effects) == len(case.effects), effects
    for expected, actual in zip(case.effects, effects, strict=True):
        assert _matches(expected, actual), actual
    if case.draft is not None:
        draft = last.data.get("draft", {})
        assert {k: draft.get(k) for k in case.draft} == case.draft


def test_there_are_enough_cases() -> None:
    """The table covers at least forty conversations."""
    assert len(CASES) >= 40


@pytest.mark.parametrize("text", ["thank you for taking me to the surgery",
                                  "thanks, the doctor was lovely",
                                  "Cheers Margaret, got home fine from the hospital"])
def test_thanks_mentioning_the_doctor_does_not_start_a_booking(text: str) -> None:
    """A thank-you that mentions the surgery is answered kindly, not taken as a new booking."""
    outcome = step(snapshot(), Inbound(text=text))
    assert outcome.state == "idle"
    assert "welcome" in outcome.replies[0].text.lower()


def test_booked_appointment_is_aware_utc() -> None:
    """RequestLift carries an aware UTC instant equal to the London wall time asked for."""
    _, effects = play(Case("", ("Lift to Leyburn surgery Thursday 10.40 please", "yes"), ""))
    (lift,) = effects
    assert isinstance(lift, RequestLift)
    assert lift.appointment_at.tzinfo is UTC
    local = lift.appointment_at.astimezone(LONDON)
    assert (local.date(), local.hour, local.minute) == (TODAY + timedelta(days=THU), 10, 40)


def test_telegram_join_asks_for_contact_button() -> None:
    """On Telegram, the first reply to a newcomer shows the share-contact button (SMS never)."""
    outcome = step(snapshot(person=None, channel="telegram"), Inbound(text="hello"))
    assert outcome.replies[-1].request_contact
    outcome = step(snapshot(person=None, channel="sms"), Inbound(text="hello"))
    assert not any(r.request_contact for r in outcome.replies)


def test_help_alert_names_the_sender_and_channel() -> None:
    """The coordinator alert for HELP says who asked and how to reach them."""
    outcome = step(snapshot(), Inbound(text="HELP"))
    (alert,) = outcome.effects
    assert isinstance(alert, AlertCoordinator)
    assert "Edith Bainbridge" in alert.reason and SMS_ADDRESS in alert.reason


@pytest.mark.parametrize("choice", ["place:abc", "place:", "place:\u00b2", "lift:x", "ret:",
                                    "ret:xyz", "change:nope", "mob:", "menu:nothing", "",
                                    "x" * 300])
@pytest.mark.parametrize(("state", "data"), [
    ("book_place", {"draft": {}}),
    ("book_return", {"draft": {"place": FRIARAGE, "day": day(THU), "time": "14:00"}}),
    ("cancel_pick", {"options": ["lift:11", "lift:12"]}),
    ("book_confirm", {"draft": THU_DRAFT}),
    ("idle", {}),
])
def test_odd_button_values_never_crash(choice: str, state: str, data: dict[str, Any]) -> None:
    """A stale or forged button value (Telegram callback data) gets a reply, not an error."""
    outcome = step(snapshot(state, data, lifts=(LIFT_THU, LIFT_NEXT_TUE)),
                   Inbound(choice=choice))
    assert outcome.replies and outcome.replies[0].text.strip()
    assert not any(isinstance(e, (RequestLift, CancelLift)) for e in outcome.effects)


# --- properties: whatever arrives, step answers -----------------------------------------

RESIDENT_STATES: list[tuple[str, dict[str, Any]]] = [
    ("idle", {}),
    ("idle", {"options": list(MENU)}),
    ("book_place", {"draft": {}, "options": list(PLACE_OPTIONS)}),
    ("book_place", {"draft": {"place_options": [HAWES, AYSGARTH], "day": day(THU)},
                    "options": [f"place:{HAWES}", f"place:{AYSGARTH}"]}),
    ("book_day", {"draft": {"place": LEYBURN}}),
    ("book_time", {"draft": {"place": LEYBURN, "day": day(THU)}}),
    ("book_return", {"draft": {"place": FRIARAGE, "day": day(THU), "time": "14:00"},
                     "options": list(RETURNS)}),
    ("book_confirm", {"draft": THU_DRAFT, "options": list(YES_NO)}),
    ("book_change", {"draft": THU_DRAFT, "options": list(CHANGES)}),
    ("cancel_pick", {"options": ["lift:11", "lift:12"]}),
    ("cancel_confirm", {"lift": 11, "options": list(YES_NO)}),
    ("book_companion", {"draft": THU_DRAFT, "options": list(YES_NO)}),
    ("change_pick", {"said": "make it 11", "options": ["lift:11", "lift:12"]}),
    ("change_when", {"lift": 11}),
    ("change_confirm", {"lift": 11, "at": "2026-12-10T11:00:00+00:00",
                        "options": list(YES_NO)}),
    ("change_confirm", {"lift": 11, "at": "not a time"}),
    ("answer_news", {"lifts": [11, 12, "x"], "options": list(YES_NO)}),
    ("answer_other", {"options": list(YES_NO)}),
]
JOIN_STATES: list[tuple[str, dict[str, Any]]] = [
    ("idle", {}),
    ("join_contact", {}),
    ("join_contact", {"verified_phone": VERIFIED}),
    ("join_name", {"verified_phone": None}),
    ("join_address", {"name": "Mary Kettlewell"}),
    ("join_postcode", {"name": "Mary Kettlewell", "address": "4 Chapel Row",
                       "options": ["postcode:unknown"]}),
    ("join_mobility", {**JOIN_DATA, "options": list(MOBILITY)}),
    ("join_companion", {**JOIN_DATA, "mobility": "unaided", "options": list(YES_NO)}),
    ("join_dog", {**JOIN_DATA, "mobility": "unaided", "companion": False}),
    ("join_consent", {**JOIN_DATA, "mobility": "unaided", "companion": False, "dog": False,
                      "pending": "lift to leyburn thursday 10.40", "options": list(YES_NO)}),
    ("book_confirm", {"draft": THU_DRAFT}),  # a stranger whose conversation was left mid-way
]

_WORDS = st.sampled_from([
    "lift", "to", "leyburn", "hawes", "friarage", "tues", "thursday", "3rd", "31st feb",
    "10.40", "half ten", "2pm", "07:00", "yes", "no", "cancel", "help", "stop", "start",
    "thanks", "ok", "my lifts", "DL8 5EP", "1", "2", "99", "\U0001f44d", "\U0001f600",
    "\u274c", "\x00", "\x1b[2J", "\u200b", "\ufeff", "'", "\"", "\n", "\t", "€", "ä",
])
TEXTS = st.one_of(
    st.text(max_size=80),
    st.lists(_WORDS, max_size=12).map(" ".join),
    st.text(alphabet=st.characters(max_codepoint=0x1f), max_size=40),
    st.from_regex(r"\A\(?\d{1,4}[).]?\Z"),
    st.text(min_size=1, max_size=12).map(lambda s: (s * 5000)[:5000]),
    st.lists(_WORDS, min_size=1, max_size=5).map(lambda w: (" ".join(w) + " ") * 400),
)
CHOICES = st.one_of(st.none(), st.sampled_from(
    [*MENU, *PLACE_OPTIONS, *YES_NO, *RETURNS, *CHANGES, *MOBILITY, "lift:11", "lift:99",
     "postcode:unknown", "place:999"]))
PROPERTY = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _answers(outcome: Outcome) -> None:
    assert isinstance(outcome.state, str) and outcome.state
    assert outcome.replies
    assert all(isinstance(r.text, str) and r.text.strip() for r in outcome.replies)


@PROPERTY
@given(where=st.sampled_from(RESIDENT_STATES), text=TEXTS, choice=CHOICES,
       channel=st.sampled_from(["sms", "telegram"]))
def test_any_text_from_a_resident_gets_an_answer(where: tuple[str, dict[str, Any]], text: str,
                                                 choice: str | None, channel: str) -> None:
    """Whatever a known resident sends, in any state, step answers and names a state."""
    state, data = where
    snap = snapshot(state, data, EDITH, channel, (LIFT_THU, LIFT_NEXT_TUE))
    _answers(step(snap, Inbound(text=text)))
    _answers(step(snap, Inbound(text=text, choice=choice)))


@PROPERTY
@given(where=st.sampled_from(JOIN_STATES), text=TEXTS, choice=CHOICES,
       channel=st.sampled_from(["sms", "telegram"]))
def test_any_text_from_a_stranger_gets_an_answer(where: tuple[str, dict[str, Any]], text: str,
                                                 choice: str | None, channel: str) -> None:
    """Whatever an unknown sender sends, in any state, step answers and never books."""
    state, data = where
    for inbound in (Inbound(text=text), Inbound(text=text, choice=choice)):
        outcome = step(snapshot(state, data, None, channel), inbound)
        _answers(outcome)
        assert not any(isinstance(e, (RequestLift, CancelLift)) for e in outcome.effects)


def test_thanks_that_asks_for_another_lift_books() -> None:
    """A thank-you that goes on to ask for another lift does start a booking."""
    outcome = step(snapshot(), Inbound(text="thanks, can I book another lift to Hawes?"))
    assert outcome.state.startswith("book_")
