"""The SLA service: business-hours calendars and the clocks that run on tickets.

Errors raised by the domain derive from ``SlaError``:

- ``SlaError``
  - ``CalendarNeverOpens``: a calendar has no opening hours in the years searched.

A calendar document that does not validate raises pydantic's ``ValidationError``,
whose locations name the offending field.
"""
