"""Pages for diagnostics (filled in by the diagnostics work)."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []
