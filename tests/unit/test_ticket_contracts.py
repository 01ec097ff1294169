"""The API's request bodies for tickets and topics: what they refuse."""

from typing import Any

import pytest
from helpdesk_contracts.api.tickets import (
    TicketCreate,
    TicketUpdate,
    TopicCreate,
    TopicUpdate,
)
from helpdesk_contracts.vocabulary import TicketStatus
from pydantic import BaseModel, ValidationError

VALID: dict[str, Any] = {"subject": "Printer on fire", "description": "Smoke."}


def refusal(model: type[BaseModel], data: dict[str, Any]) -> list[tuple[str, str]]:
    """The (location, error type) of each complaint ``model`` makes about ``data``."""
    with pytest.raises(ValidationError) as refused:
        model.model_validate(data)
    return [
        (".".join(str(p) for p in e["loc"]), e["type"]) for e in refused.value.errors()
    ]


def test_a_minimal_ticket_gets_the_guides_defaults() -> None:
    ticket = TicketCreate.model_validate(
        {"subject": "  Printer on fire ", "description": " Smoke. "}
    )

    assert ticket.subject == "Printer on fire"
    assert ticket.description == "Smoke."
    assert ticket.status is TicketStatus.OPEN
    assert ticket.priority == "medium"


@pytest.mark.parametrize("field", ["subject", "description"])
@pytest.mark.parametrize("value", ["", "   ", "\n\t"])
def test_a_blank_subject_or_description_is_refused(field: str, value: str) -> None:
    errors = refusal(TicketCreate, {**VALID, field: value})

    assert errors == [(field, "string_too_short")]


@pytest.mark.parametrize("field", ["subject", "description"])
def test_a_missing_subject_or_description_is_refused(field: str) -> None:
    data = {k: v for k, v in VALID.items() if k != field}

    errors = refusal(TicketCreate, data)

    assert errors == [(field, "missing")]


def test_a_subject_longer_than_255_is_refused() -> None:
    TicketCreate.model_validate({**VALID, "subject": "x" * 255})

    errors = refusal(TicketCreate, {**VALID, "subject": "x" * 256})

    assert errors == [("subject", "string_too_long")]


def test_a_topic_name_of_100_characters_is_the_longest() -> None:
    TopicCreate.model_validate({"name": "x" * 100})

    errors = refusal(TopicCreate, {"name": "x" * 101})

    assert errors == [("name", "string_too_long")]


def test_a_topic_name_cannot_be_renamed_past_100_characters() -> None:
    errors = refusal(TopicUpdate, {"name": "x" * 101})

    assert errors == [("name", "string_too_long")]


@pytest.mark.parametrize(
    ("pin", "field"),
    [
        ({"latitude": 91, "longitude": 0}, "latitude"),
        ({"latitude": -91, "longitude": 0}, "latitude"),
        ({"latitude": 0, "longitude": 180.5}, "longitude"),
        ({"latitude": 0, "longitude": -181}, "longitude"),
        ({"latitude": "nan", "longitude": 0}, "latitude"),
        ({"latitude": 0}, "longitude"),
    ],
)
def test_a_map_pin_off_the_globe_is_refused(pin: dict[str, Any], field: str) -> None:
    errors = refusal(TicketCreate, {**VALID, "map_pin": pin})

    assert [loc for loc, _ in errors] == [f"map_pin.{field}"]


def test_the_poles_and_the_date_line_are_on_the_globe() -> None:
    ticket = TicketCreate.model_validate(
        {**VALID, "map_pin": {"latitude": 90, "longitude": -180}}
    )

    assert ticket.map_pin is not None
    assert (ticket.map_pin.latitude, ticket.map_pin.longitude) == (90, -180)


@pytest.mark.parametrize("field", ["subject", "description", "status", "priority"])
def test_an_update_cannot_null_a_required_field(field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        TicketUpdate.model_validate({field: None})

    assert f"{field} cannot be null" in str(refused.value)


@pytest.mark.parametrize(
    "field",
    [
        "topic_id",
        "sub_topic_id",
        "requester_id",
        "member_id",
        "customer_id",
        "location_id",
        "map_pin",
        "assignee",
    ],
)
def test_an_update_may_clear_an_optional_field(field: str) -> None:
    update = TicketUpdate.model_validate({field: None})

    assert update.model_fields_set == {field}
    assert getattr(update, field) is None


def test_an_update_leaving_fields_out_sets_nothing() -> None:
    update = TicketUpdate.model_validate({})

    assert update.model_fields_set == set()


def test_an_update_refuses_a_blank_subject() -> None:
    errors = refusal(TicketUpdate, {"subject": "  "})

    assert errors == [("subject", "string_too_short")]


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (TicketCreate, {**VALID, "reference": "SR-2024-0001"}),
        (TicketUpdate, {"version": 3}),
        (TicketCreate, {**VALID, "map_pin": {"latitude": 1, "longitude": 2, "z": 3}}),
        (TicketCreate, {**VALID, "assignee": {"id": "bob", "primary": True}}),
        (TopicCreate, {"name": "Billing", "parent_id": None}),
    ],
    ids=["create", "update", "map pin", "assignee", "topic"],
)
def test_unknown_fields_are_refused(
    model: type[BaseModel], data: dict[str, Any]
) -> None:
    errors = refusal(model, data)

    assert [kind for _, kind in errors] == ["extra_forbidden"]
