"""Fixtures for the console: the running site on the test's database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page
from sqlalchemy import Engine

from tests.web.browser import chromium_path, serve_axe
from tests.web.support import Site, running_site


@pytest.fixture
def site(engine: Engine) -> Iterator[Site]:
    """The demo scheme's planned Thursday and a second scheme, served by the real app."""
    with running_site(engine) as running:
        yield running


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """One headless Chromium for the session: Debian's (Playwright cannot download its own)."""
    return {**browser_type_launch_args, "executable_path": chromium_path(), "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A desk-sized window; downloads allowed; the console's CSP left on."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900},
            "accept_downloads": True, "locale": "en-GB"}


@pytest.fixture
def live_site(engine: Engine) -> Iterator[Site]:
    """Like `site`, with the board redrawing every second (to watch it refresh)."""
    with running_site(engine, refresh_seconds=1) as running:
        yield running


@pytest.fixture
def console_page(page: Page) -> Page:
    """A browser page that fails the test on any script error or CSP violation."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error"
            and "Content Security Policy" in msg.text else None)
    serve_axe(page)
    page.problems = problems  # type: ignore[attr-defined]
    return page
