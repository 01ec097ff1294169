"""Every committed schema snapshot is still honoured, and the check itself works."""

import copy
import json
import uuid
from pathlib import Path
from typing import Any, ClassVar

import pytest
from helpdesk_contracts import EventData
from helpdesk_contracts.catalog import ALL_EVENTS, envelope_schema
from helpdesk_contracts.compat import breaking_changes
from pydantic import AwareDatetime, BaseModel

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
SNAPSHOTS = sorted(SCHEMAS.glob("*.json"))
CURRENT = {event.event_type: event for event in ALL_EVENTS}


def _snapshot(event_type: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{event_type}.json").read_text())
    return loaded


def test_every_event_type_has_a_snapshot() -> None:
    assert {path.stem for path in SNAPSHOTS} >= set(CURRENT)


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=[p.stem for p in SNAPSHOTS])
def test_current_schema_is_compatible_with_the_snapshot(snapshot: Path) -> None:
    event = CURRENT.get(snapshot.stem)
    assert event is not None, (
        f"{snapshot.stem} has a snapshot but is no longer in catalog.ALL_EVENTS; "
        "its consumers would stop receiving it. Retire it on purpose by deleting "
        "the snapshot."
    )

    problems = breaking_changes(
        json.loads(snapshot.read_text()), envelope_schema(event)
    )

    assert problems == [], (
        f"{snapshot.stem} changed incompatibly; a breaking change needs a new major "
        "version (a new event type):\n  " + "\n  ".join(problems)
    )


# The comparison itself, on small schemas and on deliberately broken events.


def _object(
    properties: dict[str, Any], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required)}


STRING = {"type": "string"}
NULLABLE_STRING = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}


def test_identical_schemas_are_compatible() -> None:
    for event in ALL_EVENTS:
        assert breaking_changes(envelope_schema(event), envelope_schema(event)) == []


def test_an_added_optional_field_is_compatible() -> None:
    old = _object({"a": STRING}, ("a",))
    new = _object({"a": STRING, "b": NULLABLE_STRING}, ("a",))

    assert breaking_changes(old, new) == []


def test_documentation_and_model_names_do_not_matter() -> None:
    old = {
        "$defs": {"Old": _object({"a": STRING}, ("a",))},
        "$ref": "#/$defs/Old",
    }
    new = {
        "$defs": {"New": {**_object({"a": STRING}, ("a",)), "description": "x"}},
        "$ref": "#/$defs/New",
        "title": "Renamed",
    }

    assert breaking_changes(old, new) == []


def test_a_removed_field_breaks() -> None:
    old = _object({"a": STRING, "b": NULLABLE_STRING}, ("a",))
    new = _object({"a": STRING}, ("a",))

    assert breaking_changes(old, new) == ["$.b: field removed"]


def test_a_newly_required_field_breaks() -> None:
    old = _object({"a": STRING, "b": NULLABLE_STRING}, ("a",))
    new = _object({"a": STRING, "b": NULLABLE_STRING, "c": STRING}, ("a", "b", "c"))

    assert breaking_changes(old, new) == [
        "$.b: field is now required",
        "$.c: new field is now required",
    ]


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        ({"type": "integer"}, STRING, "type changed from integer to string"),
        (STRING, NULLABLE_STRING, "type changed from string to null | string"),
        (NULLABLE_STRING, STRING, "type changed from null | string to string"),
        (
            {"type": "string", "format": "uuid"},
            STRING,
            "type changed from string(uuid) to string",
        ),
        ({}, STRING, "type changed from any to string"),
        (
            {"type": "string", "enum": ["a", "b"]},
            {"type": "string", "enum": ["a"]},
            "enumeration values removed: ['b']",
        ),
        (
            {"type": "string", "enum": ["a"]},
            {"type": "string", "enum": ["a", "b"]},
            "enumeration values added: ['b']",
        ),
        (
            {"type": "integer", "minimum": 0},
            {"type": "integer", "minimum": 1},
            "minimum changed from 0 to 1",
        ),
    ],
)
def test_a_changed_type_breaks(
    before: dict[str, Any], after: dict[str, Any], problem: str
) -> None:
    old = _object({"a": before}, ("a",))
    new = _object({"a": after}, ("a",))

    assert breaking_changes(old, new) == [f"$.a: {problem}"]


def test_changes_inside_lists_maps_and_nullable_models_are_found() -> None:
    item_old = _object({"id": STRING, "n": {"type": "integer"}}, ("id",))
    item_new = _object({"id": {"type": "integer"}}, ("id",))

    def document(item: dict[str, Any]) -> dict[str, Any]:
        return {
            "$defs": {"Item": item},
            **_object(
                {
                    "many": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
                    "by_key": {
                        "type": "object",
                        "additionalProperties": {"$ref": "#/$defs/Item"},
                    },
                    "maybe": {"anyOf": [{"$ref": "#/$defs/Item"}, {"type": "null"}]},
                }
            ),
        }

    assert breaking_changes(document(item_old), document(item_new)) == [
        "$.many[].id: type changed from string to integer",
        "$.many[].n: field removed",
        "$.by_key{}.id: type changed from string to integer",
        "$.by_key{}.n: field removed",
        "$.maybe.id: type changed from string to integer",
        "$.maybe.n: field removed",
    ]


def test_a_recursive_model_is_compared_once() -> None:
    node = _object({"name": STRING, "children": {"type": "array"}}, ("name",))
    node["properties"]["children"]["items"] = {"$ref": "#/$defs/Node"}
    old: dict[str, Any] = {"$defs": {"Node": node}, "$ref": "#/$defs/Node"}
    new = copy.deepcopy(old)
    new["$defs"]["Node"]["properties"]["name"] = {"type": "integer"}

    assert breaking_changes(old, new) == ["$.name: type changed from string to integer"]


class _Reason(BaseModel):
    code: str


class _DeletedAsPublished(EventData):
    event_type: ClassVar[str] = "widget.deleted.v1"
    aggregate_type: ClassVar[str] = "widget"

    widget_id: uuid.UUID
    deleted_at: AwareDatetime
    reason: _Reason | None = None


class _DeletedBroken(EventData):
    """The same event after three breaking edits and one compatible one."""

    event_type: ClassVar[str] = "widget.deleted.v1"
    aggregate_type: ClassVar[str] = "widget"

    widget_id: str
    reason: _Reason
    deleted_by: str
    note: str | None = None


def test_a_deliberately_broken_event_is_caught() -> None:
    problems = breaking_changes(
        envelope_schema(_DeletedAsPublished), envelope_schema(_DeletedBroken)
    )

    assert problems == [
        "$.data.widget_id: type changed from string(uuid) to string",
        "$.data.deleted_at: field removed",
        "$.data.reason: type changed from null | object to object",
        "$.data.reason: field is now required",
        "$.data.deleted_by: new field is now required",
    ]


def test_a_committed_snapshot_catches_a_removed_nested_field() -> None:
    snapshot = _snapshot("ticket.created.v1")
    shrunk = copy.deepcopy(snapshot)
    del shrunk["$defs"]["TicketSnapshot"]["properties"]["tags"]

    assert breaking_changes(snapshot, shrunk) == ["$.data.ticket.tags: field removed"]
