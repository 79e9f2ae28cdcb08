"""A test world: the Wensleydale demo scheme, a fixed clock, settings pointing at the fakes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from lifts.seed import seed_demo
from lifts.settings import Settings
from storage.db import transaction

LONDON = ZoneInfo("Europe/London")
PUBLIC_URL = "https://lifts.example.org"
TWILIO_TOKEN = "test-auth-token-0123456789"
TWILIO_SID = "AC" + "0" * 32
SCHEME_NUMBER = "+447911123000"
WEBHOOK_SECRET = "test-secret_ABC-123"
BOT_TOKEN = "123456:TEST-token"


def monday_morning() -> datetime:
    """Next Monday 09:30 London time, in UTC: weekday names in tests then mean fixed dates."""
    today = datetime.now(LONDON).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return datetime.combine(monday, time(9, 30), tzinfo=LONDON).astimezone(UTC)


def seed(engine: Engine, now: datetime) -> None:
    """Load the demo scheme with the SMS number the tests send to."""
    with transaction(engine) as session:
        seed_demo(session, now=now, sms_number=SCHEME_NUMBER)


def settings(engine: Engine, *, telegram_url: str = "", twilio_url: str = "") -> Settings:
    """Settings for a test: real values for our code, fakes' URLs for the providers."""
    values: dict[str, str] = {
        "database_url": engine.url.render_as_string(hide_password=False),
        "public_base_url": PUBLIC_URL,
        "twilio_auth_token": TWILIO_TOKEN,
    }
    if telegram_url:
        values.update(telegram_bot_token=BOT_TOKEN, telegram_webhook_secret=WEBHOOK_SECRET,
                      telegram_api_base_url=telegram_url)
    if twilio_url:
        values.update(twilio_account_sid=TWILIO_SID, twilio_from_number=SCHEME_NUMBER,
                      twilio_api_base_url=twilio_url)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]
