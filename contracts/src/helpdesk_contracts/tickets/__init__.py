"""Ticket events, one module per major version."""
