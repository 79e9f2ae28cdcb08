"""The clock, road travel times and geocoding chosen by the settings.

Kept apart from `lifts.app` (the web app, the bots, the PDF library) so that a CLI command
that needs only these does not pay for importing all of that (about a second per process).
"""

from __future__ import annotations

from datetime import UTC, datetime

from booking.geo.geocoder import Geocoder
from lifts.settings import Settings
from routing.travel import Cached, Haversine, Osrm, TravelProvider


def system_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


def geocoder(settings: Settings) -> Geocoder:
    """Locating homes: offline (the scheme's places, the postcode table), and postcodes.io too
    when GEOCODER=postcodes_io."""
    if settings.geocoder == "postcodes_io":
        from lifts.postcodes_io import PostcodesIo

        return Geocoder(PostcodesIo(settings.postcodes_io_url,
                                    timeout=settings.geocoder_timeout_seconds))
    return Geocoder()


def travel(settings: Settings) -> TravelProvider:
    """Road travel times: an OSRM server when configured, else the offline estimate."""
    if settings.osrm_base_url:
        return Cached(Osrm(settings.osrm_base_url))
    return Cached(Haversine(detour=settings.travel_detour_factor,
                            speed_kmh=settings.travel_speed_kmh))
