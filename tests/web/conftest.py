"""Fixtures for the console: the running site on the test's database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.web.support import Site, running_site


@pytest.fixture
def site(engine: Engine) -> Iterator[Site]:
    """The demo scheme's planned Thursday and a second scheme, served by the real app."""
    with running_site(engine) as running:
        yield running
