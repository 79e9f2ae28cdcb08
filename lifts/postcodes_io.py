"""postcodes.io (https://postcodes.io, open data, no key) as the core's `PostcodeLookup`:
used only when GEOCODER=postcodes_io. A slow or broken service never stops a join: after
GEOCODER_TIMEOUT_SECONDS it answers 'unavailable' and the offline steps carry on."""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx

from booking.geo.geocoder import PostcodeAnswer

log = logging.getLogger(__name__)


class PostcodesIo:
    """GET /postcodes/{postcode}: 200 with latitude and longitude, 404 when there is none."""

    def __init__(self, base_url: str, *, timeout: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def lookup(self, postcode: str) -> PostcodeAnswer:
        """Where the postcode is; 'unknown' if postcodes.io has no such postcode."""
        try:
            response = httpx.get(f"{self.base_url}/postcodes/{quote(postcode)}",
                                 timeout=self.timeout)
        except httpx.HTTPError as exc:
            log.warning("postcodes.io unavailable: %s", type(exc).__name__)  # no postcode logged
            return PostcodeAnswer("unavailable")
        if response.status_code == 404:
            return PostcodeAnswer("unknown")
        try:
            if response.status_code != 200:
                raise ValueError(response.status_code)
            result = response.json()["result"]
            lat, lon = result["latitude"], result["longitude"]
        except (ValueError, KeyError, TypeError):
            log.warning("postcodes.io answered %s without a location", response.status_code)
            return PostcodeAnswer("unavailable")
        if lat is None or lon is None:  # a real postcode without a grid reference
            return PostcodeAnswer("unknown")
        return PostcodeAnswer("found", float(lat), float(lon))
