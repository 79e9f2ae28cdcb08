"""Screenshots of the console for docs/: the board, the day map and a printed run sheet.

Seeds the demo scheme with a planned Thursday (fictional people), serves the real app on
127.0.0.1, signs in with Playwright on Debian's Chromium and saves PNGs:

    .venv/bin/python scripts/console_screenshots.py [--out docs]

The map has no tiles here (no internet): the routes and markers draw on the plain background,
as they would for a scheme without a tile server.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright
from sqlalchemy import Engine
from sqlmodel import col, select

from storage.db import make_engine, transaction
from storage.migrate import upgrade
from storage.tables import Person
from tests.web.browser import chromium_path, sign_in
from tests.web.support import COORDINATOR, running_site

NAMES = ["Margaret Alderson", "Harold Metcalfe", "Joan Thwaite", "Dorothy Kirkbride",
         "Arthur Blades", "Edna Fawcett", "Wilfred Harker", "Betty Calvert", "Norman Raw",
         "Irene Dinsdale", "Stanley Peacock", "Vera Iveson", "Cyril Hammond", "Olive Sunter",
         "Frank Bell", "Mabel Gill", "Ernest Routh", "Hilda Tennant", "Walter Lambert",
         "Elsie Spence"]


def friendly_names(engine: Engine) -> None:
    """The generated residents get plausible (fictional) names for the pictures."""
    with transaction(engine) as session:
        people = session.exec(select(Person).where(col(Person.name).startswith("Resident "))
                              .order_by(col(Person.id))).all()
        for person, name in zip(people, NAMES, strict=False):
            person.name = name
            session.add(person)


def main() -> None:
    """Take the three screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/shots.db")
        upgrade(engine)
        with running_site(engine, count=14) as site, sync_playwright() as playwright:
            friendly_names(engine)
            browser = playwright.chromium.launch(executable_path=chromium_path())
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="en-GB")
            sign_in(page, site.url, COORDINATOR)
            day = site.day.isoformat()
            page.goto(f"{site.url}/console/day/{day}")
            page.screenshot(path=str(args.out / "console-board.png"), full_page=True)
            page.goto(f"{site.url}/console/day/{day}/map")
            page.wait_for_selector("#map[data-drawn]")
            page.screenshot(path=str(args.out / "console-map.png"), full_page=True)
            page.goto(f"{site.url}/console/day/{day}/print")
            page.emulate_media(media="print")
            page.set_viewport_size({"width": 900, "height": 1100})
            page.locator("section.sheet").first.screenshot(
                path=str(args.out / "console-run-sheet.png"))
            browser.close()
        engine.dispose()
    for name in ("console-board.png", "console-map.png", "console-run-sheet.png"):
        print(args.out / name)


if __name__ == "__main__":
    main()
