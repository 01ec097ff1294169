"""The tickets service: tenants, the directory, topics, tickets and their audit log.

Errors raised by the use cases derive from ``TicketsError``:

- ``TicketsError``
  - ``NotFound``: no such tenant, ticket, topic or directory entry (for this caller).
  - ``Forbidden``: the caller's permissions do not cover the change.
  - ``InvalidField``: a value is well-formed but not acceptable (unknown topic, ...).
  - ``VersionMismatch``: ``If-Match`` names a version that is no longer current.
  - ``InUse``: what is to be deleted is still assigned on unresolved tickets.
"""
