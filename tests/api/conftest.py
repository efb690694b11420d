from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    """The token endpoint's throttle counts in the cache, which outlives each test's database."""
    cache.clear()
    yield
    cache.clear()
