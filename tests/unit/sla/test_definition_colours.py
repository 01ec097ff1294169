"""The colours of a definition's warning and breach: hex or named, stored as hex."""

import pytest
from helpdesk_contracts.api.colours import CSS_COLOURS
from helpdesk_contracts.api.sla import BreachPoint, WarningPoint
from PIL import ImageColor
from pydantic import ValidationError


def test_the_names_are_those_of_css() -> None:
    # Pillow carries the same CSS Color 4 table: an independent copy to check by.
    pillows = {
        name: str(colour).lower() for name, colour in ImageColor.colormap.items()
    }

    assert pillows == CSS_COLOURS


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("amber", "#ffbf00"),
        ("Amber", "#ffbf00"),
        ("crimson", "#dc143c"),
        ("RebeccaPurple", "#663399"),
        ("grey", "#808080"),
        ("#FFA000", "#ffa000"),
        ("#F00", "#f00"),
    ],
)
def test_a_colour_is_stored_as_lower_case_hex(written: str, stored: str) -> None:
    point = WarningPoint.model_validate({"value": 1, "unit": "hour", "colour": written})

    assert point.colour == stored


@pytest.mark.parametrize("written", ["reddish", "transparent", "#12345", "ff0000"])
def test_anything_else_is_refused_at_the_colour(written: str) -> None:
    with pytest.raises(ValidationError) as refused:
        BreachPoint.model_validate({"value": 1, "unit": "hour", "colour": written})

    [error] = refused.value.errors()
    assert error["loc"] == ("colour",)
    assert f"{written!r} is not a colour #rgb or #rrggbb" in error["msg"]
