"""The service's exception tree (see the package docstring)."""


class NotificationsError(Exception):
    """Base of the errors the notifications service raises."""


class TemplateFailed(NotificationsError):
    """A template would not render: the reason is in the message; nothing is sent."""


class RecipientsUnavailable(NotificationsError):
    """The tickets service could not say who the recipients are (retried)."""


class ReplyAddressUnavailable(NotificationsError):
    """mail-ingest could not say where the tenant's replies go (retried)."""


class DeliveryFailed(NotificationsError):
    """A mail server refused, timed out or could not be reached (retried)."""


class DeliveryInProgress(NotificationsError):
    """Another worker is sending this delivery now; the event is retried later."""
