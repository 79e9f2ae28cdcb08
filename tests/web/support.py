"""The console under test: a planned day in the demo scheme, a second scheme beside it, accounts
for both, the real app under uvicorn, and a plain HTTP client that signs in like a browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import httpx
from sqlalchemy import Engine
from sqlmodel import select

from booking.accounts import create_account
from booking.intake.effects import RequestLift
from booking.intake.residents import request_lift
from booking.rules import local_instant
from lifts.app import asgi, build
from lifts.seed import DEMO_COORDINATOR_PHONE
from storage.db import transaction
from storage.tables import Person, Place, Scheme
from tests.support.live import live_server
from tests.support.world import LONDON, planned_thursday, settings

PASSWORD = "correct horse battery"
COORDINATOR = "pat@wensleydale.example"  # coordinator of the demo scheme (scheme A)
ADMIN = "alex@wensleydale.example"  # admin of the demo scheme
OTHER = "sam@swaledale.example"  # coordinator of the second scheme (scheme B) only


@dataclass
class Clock:
    """The app's clock, which a test may move on."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Site:
    """The running app and what it was seeded with."""

    url: str
    engine: Engine
    clock: Clock
    day: date  # the planned Thursday
    other_request: int  # a request of scheme B
    other_person: int  # a resident of scheme B
    other_driver: int  # a driver of scheme B
    requests: list[int] = field(default_factory=list)  # scheme A's requests that day


def seed_site(engine: Engine, count: int = 12, seed_: int = 3) -> tuple[Clock, date, int, int,
                                                                          int]:
    """The demo scheme with a planned Thursday, a small second scheme, and three accounts."""
    now, thursday = planned_thursday(engine, count, seed_)
    with transaction(engine) as session:
        other = Scheme(slug="swaledale", name="Swaledale Lifts", rules={})
        session.add(other)
        session.flush()
        sid = other.id or 0
        place = Place(scheme_id=sid, kind="gp", name="Reeth Surgery", town="Reeth",
                      lat=54.389, lon=-1.944)
        home = Place(scheme_id=sid, kind="settlement", name="Gunnerside", town="Gunnerside",
                     lat=54.379, lon=-2.076)
        resident = Person(scheme_id=sid, role="resident", name="Mary Other",
                          phone="+447911770001", address="1 Low Row, Gunnerside",
                          lat=home.lat, lon=home.lon, consent_at=now)
        driver = Person(scheme_id=sid, role="driver", name="Derek Other",
                        phone="+447911770002", address="Gunnerside", lat=home.lat,
                        lon=home.lon, consent_at=now)
        session.add_all([place, home, resident, driver])
        session.flush()
        request = request_lift(session, resident, RequestLift(
            place.id or 0, local_instant(thursday, time(11, 0), LONDON), "wait", False),
            now=now, channel="sms")
        demo = session.exec(select(Scheme).where(Scheme.slug == "wensleydale")).one()
        create_account(session, email=COORDINATOR, name="Pat Coordinator",
                       role="coordinator", password=PASSWORD, scheme_ids=[demo.id or 0],
                       phone=DEMO_COORDINATOR_PHONE, now=now)
        create_account(session, email=ADMIN, name="Alex Admin", role="admin",
                       password=PASSWORD, scheme_ids=[demo.id or 0], now=now)
        create_account(session, email=OTHER, name="Sam Other", role="coordinator",
                       password=PASSWORD, scheme_ids=[sid], now=now)
        ids = (request.id or 0, resident.id or 0, driver.id or 0)
    return Clock(now), thursday, *ids


# Tiles from a closed port on this machine: the map must draw without them (no internet here).
NO_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


@contextmanager
def running_site(engine: Engine, count: int = 12, *, refresh_seconds: int = 20
                 ) -> Iterator[Site]:
    """The seeded world served by the real app (no scheduler, fixed clock)."""
    clock, day, other_request, other_person, other_driver = seed_site(engine, count)
    config = settings(engine).model_copy(update={"map_tile_url": NO_TILES,
                                                 "console_refresh_seconds": refresh_seconds})
    lifts = build(config, clock=clock, engine=engine, polling=False)
    with live_server(asgi(lifts, run_scheduler=False)) as url:
        yield Site(url, engine, clock, day, other_request, other_person, other_driver)


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Client:
    """A plain HTTP client that keeps cookies and the page's CSRF token, as a browser does."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, follow_redirects=False, timeout=30)
        self.csrf = ""

    def get(self, path: str, **kw: object) -> httpx.Response:
        """GET a page and remember its form token."""
        response = self.http.get(path, **kw)  # type: ignore[arg-type]
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict[str, str] | None = None, *,
             csrf: bool = True, **kw: object) -> httpx.Response:
        """POST a form, with the token of the last page unless `csrf` is False."""
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf", self.csrf)
        return self.http.post(path, data=form, **kw)  # type: ignore[arg-type]

    def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        """Sign in through the form."""
        self.get("/console/login")
        return self.post("/console/login", {"email": email, "password": password})

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


def signed_in(url: str, email: str) -> Client:
    """A client signed in as `email` (fails the test if that does not work)."""
    client = Client(url)
    response = client.login(email)
    assert response.status_code == 303, response.text
    client.get("/console/")
    return client


def later(site: Site, minutes: float) -> None:
    """Move the app's clock on."""
    site.clock.now = site.clock.now + timedelta(minutes=minutes)
