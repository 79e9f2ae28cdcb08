"""Travel providers: offline haversine, OSRM against a local fake server, caching."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from routing.travel import Cached, Haversine, Osrm

LEYBURN, HAWES = (54.309, -1.828), (54.304, -2.197)


class _FakeOsrm(BaseHTTPRequestHandler):
    """Answers /table/v1/driving/... with a fixed 2x2 table, and records the paths."""

    paths: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.paths.append(self.path)
        body = {"code": "Ok", "durations": [[0, 1500.2], [1490, 0]],
                "distances": [[0, 24000.4], [23900.6, 0]]}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture
def osrm_url() -> Iterator[str]:
    """A fake OSRM server on 127.0.0.1 in a thread."""
    server = HTTPServer(("127.0.0.1", 0), _FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_haversine_is_plausible() -> None:
    """Leyburn to Hawes (about 24 km as the crow flies) at 45 km/h with detour 1.3."""
    m = Haversine().matrices([LEYBURN, HAWES])
    assert 28_000 < m.distances[0, 1] < 34_000
    assert m.durations[0, 1] == pytest.approx(m.distances[0, 1] / 12.5, rel=0.01)
    assert m.durations[0, 0] == 0


def test_osrm_client_reads_table(osrm_url: str) -> None:
    """The OSRM client asks for lon,lat pairs and rounds seconds up, metres to nearest."""
    _FakeOsrm.paths.clear()
    m = Osrm(osrm_url).matrices([LEYBURN, HAWES])
    assert m.durations.tolist() == [[0, 1501], [1490, 0]]
    assert m.distances.tolist() == [[0, 24000], [23901, 0]]
    assert _FakeOsrm.paths[0].startswith("/table/v1/driving/-1.828000,54.309000;")


def test_cache_asks_once(osrm_url: str) -> None:
    """A cached provider does not ask again for pairs it knows."""
    _FakeOsrm.paths.clear()
    cached = Cached(Osrm(osrm_url))
    first = cached.matrices([LEYBURN, HAWES])
    again = cached.matrices([HAWES, LEYBURN])
    assert len(_FakeOsrm.paths) == 1
    assert again.durations[0, 1] == first.durations[1, 0]
