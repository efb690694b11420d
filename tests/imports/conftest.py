"""The delivery ``desk`` (a programme, clients and engagements) for the contact imports."""

from tests.delivery.conftest import desk  # noqa: F401 (a fixture, shared)
