"""Settings refuse what would be unsafe in production, each with one line saying the fix."""

from __future__ import annotations

from typing import Any

import pytest

from lifts.settings import Settings

STRONG = "Q3v9-xK2pL7mN4rT8wZ1bC6dF0gH5jS2aE"  # 34 characters, four kinds
TWILIO = {"twilio_account_sid": "AC" + "1" * 32, "twilio_from_number": "+447911123000",
          "twilio_auth_token": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}


def _production(**values: Any) -> Settings:
    base: dict[str, Any] = {"app_env": "production", "session_secret": STRONG}
    return Settings(_env_file=None, **(base | values))  # type: ignore[call-arg]


@pytest.mark.parametrize(("field", "weak"), [
    ("telegram_webhook_secret", "a"),
    ("telegram_webhook_secret", "password"),
    ("telegram_webhook_secret", "k" * 40),  # long, but one kind of character
    ("twilio_auth_token", "test"),
    ("session_secret", "short-but-mixed-1"),
])
def test_weak_secrets_are_refused_in_production(field: str, weak: str) -> None:
    """A short or one-kind secret is refused, naming the setting and how to make one."""
    values: dict[str, Any] = {"telegram_bot_token": "123456:" + "A" * 35,
                              "public_base_url": "https://lifts.example.org",
                              "telegram_webhook_secret": STRONG, **TWILIO, field: weak}
    with pytest.raises(ValueError, match=f"{field.upper()} is too weak") as refused:
        _production(**values)
    assert "secrets.token_urlsafe" in str(refused.value)


def test_production_wants_https_and_a_public_url_for_sms() -> None:
    """http:// is refused, and so is SMS without PUBLIC_BASE_URL (the Host header would
    otherwise decide which URL the Twilio signature is checked against)."""
    with pytest.raises(ValueError, match="https"):
        _production(public_base_url="http://lifts.example.org")
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL is required"):
        _production(**TWILIO)
    ok = _production(public_base_url="https://lifts.example.org", **TWILIO)
    assert ok.sms_enabled and STRONG in ok.secrets


def test_development_accepts_what_a_newcomer_has() -> None:
    """No tokens, no public URL, short test secrets: fine outside production."""
    settings = Settings(_env_file=None, telegram_webhook_secret="a")  # type: ignore[call-arg]
    assert settings.app_env == "development"


def test_an_unknown_log_level_is_a_clear_error() -> None:
    """LOG_LEVEL=LOUD is refused with the levels there are."""
    with pytest.raises(ValueError, match="LOG_LEVEL must be one of DEBUG, INFO"):
        Settings(_env_file=None, log_level="LOUD")  # type: ignore[call-arg]
    assert Settings(_env_file=None, log_level="debug").log_level == "DEBUG"  # type: ignore[call-arg]
