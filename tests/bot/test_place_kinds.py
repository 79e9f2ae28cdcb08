"""A scheme file's destinations of every kind read right to residents (pure)."""

from __future__ import annotations

from booking.intake.views import PlaceView
from bot.dialogue.book import place_labels
from bot.dialogue.wording import booking_example


def test_an_other_place_is_never_called_a_surgery() -> None:
    places = [PlaceView(1, "Cromer and District Hospital", "Cromer", "hospital"),
              PlaceView(2, "Aylsham Community Pharmacy", "Aylsham", "other"),
              PlaceView(3, "Sheringham Medical Practice", "Sheringham", "gp")]
    assert place_labels(places) == ["Cromer hospital", "Aylsham Community Pharmacy",
                                    "Sheringham surgery"]


def test_the_booking_example_is_the_schemes_own() -> None:
    places = [PlaceView(1, "Cromer and District Hospital", "Cromer", "hospital"),
              PlaceView(3, "Holt Medical Practice", "Holt", "gp")]
    assert booking_example(places) == '"Holt surgery Tuesday 10.40"'
    assert booking_example(places[:1]) == '"Cromer hospital Tuesday 10.40"'
    assert booking_example([]) == '"the surgery, Tuesday 10.40"'
