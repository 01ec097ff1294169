"""The committed AsyncAPI document and schema snapshots are what the code generates."""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from helpdesk_contracts import EventData
from helpdesk_contracts.asyncapi import (
    DOCUMENT_NAME,
    REGENERATE,
    SCHEMAS_DIR_NAME,
    IncompatibleChange,
    asyncapi_document,
    main,
    render_document,
    stale_files,
    write,
)
from helpdesk_contracts.catalog import ALL_EVENTS
from helpdesk_contracts.routing import EVENTS_EXCHANGE
from pydantic import BaseModel

CONTRACTS = Path(__file__).resolve().parents[1]


def _stale(kind: str, paths: dict[Path, str]) -> str:
    diffs = "\n".join(diff[:3000] for diff in paths.values())
    names = ", ".join(str(path.relative_to(CONTRACTS)) for path in paths)
    return f"{kind} stale: {names}\nregenerate with: {REGENERATE}\n{diffs}"


def test_committed_document_is_what_the_code_generates() -> None:
    stale = {p: d for p, d in stale_files(CONTRACTS).items() if p.name == DOCUMENT_NAME}
    assert not stale, _stale("the AsyncAPI document is", stale)


def test_committed_schema_snapshots_are_what_the_code_generates() -> None:
    stale = {
        p: d
        for p, d in stale_files(CONTRACTS).items()
        if p.parent.name == SCHEMAS_DIR_NAME
    }
    assert not stale, _stale("schema snapshots are", stale)


def test_printing_gives_the_committed_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert capsys.readouterr().out == render_document()


def test_one_channel_and_operation_per_event_type() -> None:
    document = yaml.safe_load(render_document())
    event_types = [event.event_type for event in ALL_EVENTS]

    assert document["asyncapi"] == "3.0.0"
    assert list(document["channels"]) == event_types
    assert list(document["operations"]) == event_types
    for event in ALL_EVENTS:
        channel = document["channels"][event.event_type]
        assert channel["address"] == event.routing_key()
        exchange = channel["bindings"]["amqp"]["exchange"]
        assert (exchange["name"], exchange["type"]) == (EVENTS_EXCHANGE, "topic")
        operation = document["operations"][event.event_type]
        assert operation["action"] == "send"
        assert operation["bindings"]["amqp"]["cc"] == [event.routing_key()]
        message = document["components"]["messages"][f"{event.event_type}_Message"]
        assert message["correlationId"]["location"] == (
            "$message.payload#/correlationid"
        )
        payload = message["payload"]["$ref"]
        assert payload == f"#/components/schemas/Envelope_{event.__name__}"
        schema = document["components"]["schemas"][f"Envelope_{event.__name__}"]
        assert schema["properties"]["data"] == {
            "$ref": f"#/components/schemas/{event.__name__}"
        }


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def test_component_names_are_valid_and_every_reference_resolves() -> None:
    document = yaml.safe_load(render_document())
    for section in ("messages", "schemas"):
        for name in document["components"][section]:
            assert re.fullmatch(r"[a-zA-Z0-9._-]+", name), name
    references = set(_references(document))

    assert references
    for reference in references:
        assert reference.startswith("#/"), reference
        node = document
        for part in reference[2:].split("/"):
            assert part in node, f"{reference} does not resolve"
            node = node[part]


def _counted() -> type[EventData]:
    class Detail(BaseModel):
        count: int

    class ThingCounted(EventData):
        event_type: ClassVar[str] = "thing.counted.v1"
        aggregate_type: ClassVar[str] = "thing"

        detail: Detail

    return ThingCounted


def _totalled() -> type[EventData]:
    class Detail(BaseModel):
        total: int

    class ThingTotalled(EventData):
        event_type: ClassVar[str] = "thing.totalled.v1"
        aggregate_type: ClassVar[str] = "thing"

        detail: Detail

    return ThingTotalled


def test_models_of_one_name_but_different_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="different models named 'Detail'"):
        asyncapi_document((_counted(), _totalled()))


def test_write_creates_every_file_then_nothing_is_stale(tmp_path: Path) -> None:
    written = write(tmp_path)

    assert tmp_path / DOCUMENT_NAME in written
    assert len(written) == 1 + len(ALL_EVENTS)
    assert stale_files(tmp_path) == {}
    assert write(tmp_path) == []


def test_write_refuses_to_replace_a_snapshot_with_a_breaking_schema(
    tmp_path: Path,
) -> None:
    event = ALL_EVENTS[0]
    snapshot = tmp_path / SCHEMAS_DIR_NAME / f"{event.event_type}.json"
    snapshot.parent.mkdir()
    old = json.loads((CONTRACTS / SCHEMAS_DIR_NAME / snapshot.name).read_text())
    old["properties"]["legacy"] = {"type": "string"}
    snapshot.write_text(json.dumps(old))

    with pytest.raises(IncompatibleChange, match=r"\$\.legacy: field removed"):
        write(tmp_path)
    assert json.loads(snapshot.read_text()) == old
    assert not (tmp_path / DOCUMENT_NAME).exists()


def test_check_fails_and_names_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert REGENERATE in capsys.readouterr().err
