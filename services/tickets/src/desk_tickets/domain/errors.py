"""The tickets service's exception tree (see the package docstring)."""


class TicketsError(Exception):
    """Base of the errors the use cases raise."""


class NotFound(TicketsError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key} does not exist")
        self.what = what
        self.key = key


class Forbidden(TicketsError):
    def __init__(self, reason: str, permission: str | None = None) -> None:
        super().__init__(reason)
        self.permission = permission


class InvalidField(TicketsError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class VersionMismatch(TicketsError):
    def __init__(self, what: str, expected: frozenset[int], current: int) -> None:
        wanted = ", ".join(str(v) for v in sorted(expected))
        super().__init__(
            f"the {what} is at version {current}, not {wanted}: reload and retry"
        )
        self.expected = expected
        self.current = current


def require_version(what: str, current: int, accepted: frozenset[int] | None) -> None:
    """Refuse a change made against another version than ``current``, the one
    ``If-Match`` names; ``None`` (no ``If-Match``, or ``*``) accepts any."""
    if accepted is not None and current not in accepted:
        raise VersionMismatch(what, accepted, current)


class InUse(TicketsError):
    """Removing something that live tickets still refer to."""

    def __init__(self, what: str, key: object, reason: str) -> None:
        super().__init__(f"{what} {key} {reason}")
        self.what = what
        self.key = key
