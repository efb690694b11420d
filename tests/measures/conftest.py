"""Measures tests work on delivery's ``desk``: the cast plus a programme, clients and
engagements."""

from tests.delivery.conftest import desk  # noqa: F401  (the fixture, for every test here)
