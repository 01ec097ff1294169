"""The SLA service's exception tree (see the package docstring)."""


class SlaError(Exception):
    """Base of the errors the SLA domain raises."""


class CalendarNeverOpens(SlaError):
    def __init__(self, after_year: int, years: int) -> None:
        super().__init__(
            f"the calendar has no opening hours in the {years} years after {after_year}"
        )
        self.after_year = after_year
        self.years = years


class NotFound(SlaError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key} does not exist")
        self.what = what
        self.key = key


class Forbidden(SlaError):
    def __init__(self, reason: str, permission: str | None = None) -> None:
        super().__init__(reason)
        self.permission = permission


class InvalidField(SlaError):
    """A field of a request is refused; ``field`` is its dotted path."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidFields(SlaError):
    """Several fields of a request are refused: (dotted path, reason) each."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in errors))
        self.errors = errors


class InUse(SlaError):
    """Something cannot be deleted while others refer to it."""

    def __init__(self, what: str, key: object, users: str) -> None:
        super().__init__(f"{what} {key} is used by {users}")
        self.what = what
        self.key = key


class VersionMismatch(SlaError):
    def __init__(self, what: str, expected: frozenset[int], current: int) -> None:
        wanted = ", ".join(str(v) for v in sorted(expected))
        super().__init__(
            f"the {what} is at version {current}, not {wanted}: reload and retry"
        )
        self.expected = expected
        self.current = current
