"""How measures shows itself in the rest of Waypoint: navigation, and the improvements raised
from a concern on the concern's page (the nightly job is added in ``apps``)."""

from __future__ import annotations


def register() -> None:
    """Each page's menu entries, and the concern page's section."""
    from waypoint.monitoring.extension_points import add_concern_section

    __import__("waypoint.measures.views.dashboards", fromlist=["_"]).register_nav()
    __import__("waypoint.measures.views.library", fromlist=["_"]).register_nav()
    __import__("waypoint.measures.views.targets", fromlist=["_"]).register_nav()
    __import__("waypoint.measures.views.costs", fromlist=["_"]).register_nav()
    __import__("waypoint.measures.views.benchmarking", fromlist=["_"]).register_nav()
    __import__("waypoint.measures.views.evaluations", fromlist=["_"]).register_nav()
    __import__("waypoint.measures.views.appraisals", fromlist=["_"]).register_nav()
    __import__("waypoint.measures.views.improvements", fromlist=["_"]).register_nav()
    add_concern_section("measures/_concern_improvements.html")
