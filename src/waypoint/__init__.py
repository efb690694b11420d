"""Waypoint: business support delivery and service performance monitoring."""

__version__ = "0.1.0"
