"""The infrastructure's small exception tree."""


class InfraError(Exception):
    """Base of the errors raised by ``desk_infra``."""


class PublishFailed(InfraError):
    """The broker refused, returned or did not confirm a message."""


class NotReady(InfraError):
    """A dependency of the service does not answer."""
