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
