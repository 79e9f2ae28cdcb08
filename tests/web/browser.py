"""Browser helpers: Debian's Chromium for Playwright, sign-in through the form, and axe-core
run inside the page (served same-origin, so the console's CSP stays on)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route

from tests.web.support import PASSWORD

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
AXE_URL = "/console/static/__axe-under-test.js"  # answered by the test, never by the app
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def chromium_path() -> str:
    """CHROMIUM if set, else Debian's binary, else its wrapper (see .ci/run)."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/lib/chromium/chromium",
                      "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("No Chromium found: `apt-get install chromium`, or set CHROMIUM")


def sign_in(page: Page, url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a coordinator would."""
    page.goto(f"{url}/console/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def serve_axe(page: Page) -> None:
    """Answer AXE_URL from the vendored file, so the page can load it as its own script."""

    def fulfil(route: Route) -> None:
        route.fulfill(path=str(AXE), content_type="application/javascript")

    page.route(f"**{AXE_URL}", fulfil)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA violations on the page as it is now."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]
