"""The generated benchmark set: reproducible from its seeds, in the Cordeau file format."""

from __future__ import annotations

from pathlib import Path

from lifts.bench.generate import names, write_all
from routing.cordeau import read
from tests.routing.conftest import DARP

GENERATED = DARP / "generated"


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    """Running the generator again writes the 20 committed files byte for byte."""
    paths = write_all(tmp_path)
    assert len(paths) == 20
    for path in paths:
        assert path.read_bytes() == (GENERATED / path.name).read_bytes(), path.name


def test_generated_instances_follow_the_description() -> None:
    """Each file reads as its size, 6 seats, ride limit 90, service 10, an 8-hour duration,
    points in the square, and half outbound (window at the drop-off) then half inbound."""
    for name, vehicles, requests, _series, _seed in names():
        instance = read(GENERATED / f"{name}.txt")
        problem = instance.problem
        assert (len(problem.vehicles), instance.n) == (vehicles, requests)
        assert all(v.seats == 6 and v.max_duration == 480_000 for v in problem.vehicles)
        assert all(max(abs(x), abs(y)) <= 10 for x, y in instance.coords)
        day = (0, 1_440_000)
        for k, request in enumerate(problem.requests):
            assert request.max_ride == 90_000 and request.seats == 1
            assert request.pickup.service == request.dropoff.service == 10_000
            outbound = k < requests // 2
            free, tight = ((request.pickup, request.dropoff) if outbound
                           else (request.dropoff, request.pickup))
            assert (free.earliest, free.latest) == day
            assert 15_000 <= tight.latest - tight.earliest <= 90_000
