"""Writes for delivery, one module per area (programmes, engagements, agreements, interactions)."""
