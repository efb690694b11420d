"""Pages for mentoring (filled in by the mentoring work)."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []
