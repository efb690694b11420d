"""How measures shows itself in the rest of Waypoint: navigation and the nightly job."""

from __future__ import annotations


def register() -> None:
    """Nothing yet beyond the scheduled rebuild (see ``tasks``); pages register here."""
    __import__("waypoint.measures.views.dashboards", fromlist=["_"]).register_nav()
    __import__("waypoint.measures.views.library", fromlist=["_"]).register_nav()
    __import__("waypoint.measures.views.targets", fromlist=["_"]).register_nav()
    __import__("waypoint.measures.views.costs", fromlist=["_"]).register_nav()
    __import__("waypoint.measures.views.benchmarking", fromlist=["_"]).register_nav()
    __import__("waypoint.measures.views.evaluations", fromlist=["_"]).register_nav()
    __import__("waypoint.measures.views.appraisals", fromlist=["_"]).register_nav()
    __import__("waypoint.measures.views.improvements", fromlist=["_"]).register_nav()
