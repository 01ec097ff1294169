"""The SLA service: business-hours calendars and the clocks that run on tickets.

Errors raised by the domain derive from ``SlaError``:

- ``SlaError``
  - ``CalendarNeverOpens``: a calendar has no opening hours in the years searched.
  - ``NotFound``: no calendar or definition with that id for the tenant (404).
  - ``Forbidden``: the caller lacks the permission (403).
  - ``InvalidField``: a field of a request is refused, named by its path (422).
  - ``InvalidFields``: several are, each named (422).
  - ``InUse``: a calendar still used by a definition cannot be deleted (409).
  - ``VersionMismatch``: ``If-Match`` names a version that is not current (412).

A calendar document that does not validate raises pydantic's ``ValidationError``,
whose locations name the offending field.
"""
