"""Invitation codes: used exactly once even by two joiners at the same moment, and guessing
is throttled per sender and for everyone; /for speaks only for residents."""

from __future__ import annotations

import threading
from datetime import timedelta
from itertools import count

from sqlalchemy import Engine
from sqlmodel import Session, select

from booking.domain.outcomes import Refused
from booking.intake import drivers, effects
from booking.intake.inbox import Envelope, Handled, handle
from bot.dialogue.flow import step
from bot.messages import Inbound
from storage.db import transaction
from storage.tables import CodeAttempt, Person, Scheme
from tests.support.world import SCHEME_NUMBER, monday_morning, seed

NOW = monday_morning()
_ids = count(1)


def _invite(engine: Engine) -> str:
    with transaction(engine) as session:
        scheme = session.exec(select(Scheme)).one()
        return drivers.new_invitation(session, scheme, name="New Driver", now=NOW).code


def _text(engine: Engine, sender: str, text: str) -> Handled:
    handled = handle(engine, Envelope("sms", sender, f"SMinv{next(_ids):05d}",
                                      to_number=SCHEME_NUMBER), now=NOW,
                     decide=lambda snap: step(snap, Inbound(text=text)))
    assert handled is not None
    return handled


def _join(code: str) -> effects.JoinDriver:
    return effects.JoinDriver(code, "New Driver", "Leyburn", None, "red Kia", 4, False, False,
                              True, NOW.date(), NOW.date(), NOW.date() + timedelta(days=300))


def test_two_joiners_with_one_code_make_one_driver(any_engine: Engine) -> None:
    """Both confirm at the same moment: one becomes a driver, the other is told the code is
    no longer valid (once, 6 of 6 races made two drivers)."""
    seed(any_engine, NOW)
    code = _invite(any_engine)
    barrier, results = threading.Barrier(2), ["", ""]

    def join(i: int) -> None:
        barrier.wait()
        try:
            with transaction(any_engine) as session:
                drivers.join_driver(session, _join(code), now=NOW, channel="sms",
                                    address=f"+4479111240{i:02d}", telegram_user_id=None)
            results[i] = "joined"
        except Refused as refused:
            results[i] = str(refused)

    threads = [threading.Thread(target=join, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == sorted(["joined", drivers.BAD_CODE])
    with Session(any_engine) as session:
        assert len(session.exec(select(Person).where(Person.name == "New Driver")).all()) == 1


def test_wrong_codes_lock_the_sender_out(engine: Engine) -> None:
    """Five wrong codes from one phone, then even the right one waits a quarter of an hour;
    another phone can still join."""
    seed(engine, NOW)
    code = _invite(engine)
    guesser = "+447911124100"
    for n in range(drivers.SENDER_FAILURES):
        assert "isn't valid" in (_text(engine, guesser, f"JOIN ZZZZ{n:02d}").refused or "")
    locked = _text(engine, guesser, f"JOIN {code}")
    assert "Too many wrong codes" in (locked.refused or "")
    welcome = _text(engine, "+447911124101", f"JOIN {code}")
    assert welcome.refused is None
    with Session(engine) as session:
        tries = session.exec(select(CodeAttempt)).all()
    assert [t.ok for t in tries] == [False] * drivers.SENDER_FAILURES + [True]
    assert all(len(t.sender_hash) == 64 and "7911" not in t.sender_hash for t in tries)


def test_a_flood_of_guesses_pauses_every_code(engine: Engine) -> None:
    """Wrong codes from many numbers: after the global limit nobody can join for a while."""
    seed(engine, NOW)
    code = _invite(engine)
    for n in range(drivers.ALL_FAILURES):
        _text(engine, f"+4479112{n:05d}", f"JOIN QQQQ{n % 100:02d}")
    paused = _text(engine, "+447911124199", f"JOIN {code}")
    assert "paused" in (paused.refused or "")


def test_for_speaks_only_for_residents(engine: Engine) -> None:
    """A coordinator's /for with a driver's number is refused: it once let a coordinator
    answer an offer in the driver's name."""
    seed(engine, NOW)
    with Session(engine) as session:
        driver = session.exec(select(Person).where(Person.role == "driver")).first()
        assert driver is not None and driver.phone
    handled = handle(engine, Envelope("sms", driver.phone, "SMfor1", to_number=SCHEME_NUMBER,
                                      on_behalf=True), now=NOW,
                     decide=lambda snap: step(snap, Inbound(text="yes")))
    assert handled is not None
    assert handled.refused == ("That number is one of the scheme's drivers: /for is only for "
                               "residents.")
