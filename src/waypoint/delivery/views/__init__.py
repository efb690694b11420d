"""Delivery pages, one module per area; each module exposes ``urlpatterns``."""
