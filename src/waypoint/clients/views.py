"""Pages for clients (being built: see the issue "Clients, programmes, engagements...")."""

from __future__ import annotations

from typing import Any

from waypoint.clients import selectors
from waypoint.clients.models import Client
from waypoint.clients.tables import ClientTable
from waypoint.core.viewkit import PolicyListView


class ClientListView(PolicyListView):
    policy_model = Client
    template_name = "clients/client_list.html"
    table_class = ClientTable
    filterset_class = None

    def get_queryset(self) -> Any:
        return selectors.clients_for(user=self.request.user)
