"""Settings from the environment (and an optional .env file), built once in the entry point."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_MARKERS = ("changethis", "change-me", "placeholder", "xxxx", "your-")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
MAKE_ONE = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def _strong(name: str, value: str) -> None:
    """Refuse a secret a guess could find: short, one kind of character, or a placeholder."""
    kinds = sum(any(test(c) for c in value) for test in (str.islower, str.isupper, str.isdigit,
                                                         lambda c: not c.isalnum()))
    lowered = value.lower()
    if len(value) < 32 or kinds < 2 or any(m in lowered for m in PLACEHOLDER_MARKERS):
        raise ValueError(f"{name.upper()} is too weak for production: use 32 or more random "
                         f"characters (e.g. {MAKE_ONE})")


class Settings(BaseSettings):
    """Every setting Lifts reads. `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", case_sensitive=False
    )

    app_env: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///lifts.db"
    public_base_url: str = ""
    log_level: str = "INFO"

    telegram_bot_token: str = ""
    telegram_webhook_secret: str = ""
    telegram_api_base_url: str = "https://api.telegram.org"

    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_api_base_url: str = "https://api.twilio.com"
    # WhatsApp through the same Twilio account: the approved WhatsApp sender's number
    # (+44…, or whatsapp:+44…); empty: WhatsApp off. Templates are scheme rules.
    twilio_whatsapp_from: str = ""
    # Calls (landlines, and people who prefer a call) come from this number; empty: from
    # TWILIO_FROM_NUMBER. Calls need PUBLIC_BASE_URL (Twilio fetches what to say from it).
    twilio_voice_from: str = ""

    scheme_timezone: str = "Europe/London"
    default_scheme: str = ""

    # Outbox: texts a second from each process (Twilio queues anything faster on a long code),
    # and how many processes `lifts serve --workers N` runs (the rates are shared among them).
    sms_rate_per_second: float = Field(1.0, gt=0, le=10000)
    telegram_rate_per_second: float = Field(30.0, gt=0, le=1000)
    workers: int = Field(1, ge=1, le=64)
    dispatch_every_seconds: float = Field(1.0, gt=0, le=300)
    # A message left 'sending' this long was orphaned by a crash and is sent again.
    outbox_claim_timeout_seconds: float = Field(300.0, ge=1, le=86400)

    # Locating homes: "offline" (the scheme's villages and postcode prefixes, and the postcode
    # table of `lifts geo import-postcodes`) or "postcodes_io" (also asks postcodes.io).
    geocoder: Literal["offline", "postcodes_io"] = "offline"
    postcodes_io_url: str = "https://api.postcodes.io"
    geocoder_timeout_seconds: float = Field(3.0, gt=0, le=60)

    planner_time_limit: float = Field(10.0, gt=0, le=600)
    travel_detour_factor: float = Field(1.3, ge=1.0, le=3.0)
    travel_speed_kmh: float = Field(45.0, gt=5, le=120)
    osrm_base_url: str = ""

    # The coordinators' console (/console/).
    # Signs the console's session cookie; 32+ random characters, required in production.
    # Empty in development: a random one per process (everyone signs in again on restart).
    session_secret: str = ""
    console_idle_minutes: int = Field(30, ge=1, le=24 * 60)
    console_refresh_seconds: int = Field(20, ge=1, le=600)  # how often the board redraws
    # Map tiles for the console's day map; empty: routes and markers on a plain background.
    map_tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_tile_attribution: str = "© OpenStreetMap contributors"

    @field_validator("scheme_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("public_base_url", "telegram_api_base_url", "twilio_api_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> Settings:
        if self.app_env != "production":
            return self
        for name in ("telegram_bot_token", "telegram_webhook_secret", "twilio_auth_token",
                     "twilio_account_sid"):
            value = getattr(self, name).lower()
            if value and any(marker in value for marker in PLACEHOLDER_MARKERS):
                raise ValueError(f"{name.upper()} still holds a placeholder; set a real value")
        _strong("session_secret", self.session_secret)
        if self.telegram_bot_token and self.public_base_url:
            _strong("telegram_webhook_secret", self.telegram_webhook_secret)
        if self.twilio_auth_token:
            _strong("twilio_auth_token", self.twilio_auth_token)
        if self.public_base_url and not self.public_base_url.startswith("https://"):
            raise ValueError("PUBLIC_BASE_URL must be an https:// address in production")
        if self.sms_enabled and not self.public_base_url:
            raise ValueError("PUBLIC_BASE_URL is required with SMS in production: Twilio signs "
                             "the public URL, and without it the Host header would decide it")
        return self

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {value!r}")
        return value.upper()

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a log line."""
        return tuple(s for s in (self.telegram_bot_token, self.telegram_webhook_secret,
                                 self.twilio_auth_token, self.session_secret) if s)

    @property
    def tz(self) -> ZoneInfo:
        """The scheme's time zone as a ZoneInfo."""
        return ZoneInfo(self.scheme_timezone)

    @property
    def telegram_enabled(self) -> bool:
        """Telegram is on when a bot token is set."""
        return bool(self.telegram_bot_token)

    @property
    def whatsapp_enabled(self) -> bool:
        """WhatsApp is on when the Twilio account and a WhatsApp sender are configured."""
        return bool(self.twilio_account_sid and self.twilio_auth_token
                    and self.twilio_whatsapp_from)

    @property
    def voice_enabled(self) -> bool:
        """Calls are on with the Twilio account, a number to call from and a public URL."""
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.public_base_url
                    and (self.twilio_voice_from or self.twilio_from_number))

    @property
    def sms_enabled(self) -> bool:
        """SMS is on when the Twilio account is configured."""
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from_number)
