"""The notifications service: tells people about ticket events, by email and in-app.

Errors raised by the use cases and adapters derive from ``NotificationsError``:

- ``NotificationsError``
  - ``TemplateFailed``: a template would not render; nothing is sent, the log says why.
  - ``RecipientsUnavailable``: the tickets service could not name the recipients.
  - ``ReplyAddressUnavailable``: mail-ingest could not name the tenant's mailbox.
  - ``DeliveryFailed``: a mail server refused, timed out or could not be reached.
  - ``DeliveryInProgress``: another worker holds the delivery; try again later.
"""
