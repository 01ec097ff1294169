"""The AsyncAPI 3.0 document of the desk's events, and their JSON Schema snapshots.

Both are generated from the event classes in ``catalog.ALL_EVENTS`` and committed
under ``contracts/``; regenerate them after changing an event::

    uv run python -m helpdesk_contracts.asyncapi --write

Without options the module prints the document (``> contracts/asyncapi.yaml`` gives
the same file); ``--check`` exits 1 when the committed files are stale. Writing
refuses to replace a snapshot with an incompatible schema: a breaking change is a
new major version, hence a new event type and a new snapshot.

Needs the ``asyncapi`` extra: ``helpdesk-contracts[asyncapi]``.
"""

import argparse
import difflib
import importlib.metadata
import inspect
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

try:
    import yaml
    from faststream import FastStream
    from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange
    from faststream.specification import AsyncAPI
except ImportError as exc:  # pragma: no cover - only without the extra
    raise ImportError(
        "helpdesk_contracts.asyncapi needs the asyncapi extra: "
        "pip install 'helpdesk-contracts[asyncapi]'"
    ) from exc

from helpdesk_contracts.catalog import ALL_EVENTS, envelope_model, envelope_schema
from helpdesk_contracts.compat import breaking_changes
from helpdesk_contracts.envelope import EventData
from helpdesk_contracts.routing import EVENTS_EXCHANGE

REGENERATE = "uv run python -m helpdesk_contracts.asyncapi --write"
"""The command that rewrites the committed document and snapshots."""

CONTRACTS_DIR = Path(__file__).resolve().parents[2]
"""``contracts/`` of the source tree this module was loaded from."""

DOCUMENT_NAME = "asyncapi.yaml"
SCHEMAS_DIR_NAME = "schemas"

TITLE = "Support desk events"
DESCRIPTION = f"""\
Domain events of the Support desk, published on the `{EVENTS_EXCHANGE}` topic \
exchange with the event type as routing key (`<aggregate>.<fact>.v<major>`).

Every message is a CloudEvents 1.0 document in structured JSON mode (the envelope), \
with the extension attributes `tenantid`, `aggregatetype`, `aggregateid`, \
`aggregateversion`, `correlationid`, `causationid`, `traceparent` and `tracestate`; \
`type` is `com.supportdesk.` followed by the event type.

Delivery is at least once: a publisher that stops between the broker's confirm \
and clearing its outbox publishes the same message again, with the same `id`. \
Consumers dedupe on the envelope's `id`.

Compatibility: within a major version fields are only ever added, as optional \
fields, and consumers ignore fields they do not know. A breaking change is a new \
major version with its own event type and routing key, published alongside the old \
one while consumers migrate.

Generated from the helpdesk-contracts package; do not edit by hand."""

SERVER_URL = "amqp://localhost:5672/"
SERVER_DESCRIPTION = "The desk's RabbitMQ; its address is per deployment."

_CORRELATION = {
    "description": "Correlates the events of one request or workflow.",
    "location": "$message.payload#/correlationid",
}


def event_description(event: type[EventData]) -> str:
    """The class's own docstring, then where and how the event is published."""
    where = (
        f"CloudEvents type `{event.cloudevent_type()}`, aggregate "
        f"`{event.aggregate_type}`; routing key `{event.routing_key()}` on the "
        f"`{EVENTS_EXCHANGE}` exchange."
    )
    own = event.__dict__.get("__doc__")
    return f"{inspect.cleandoc(own)}\n\n{where}" if own else where


def build_app(events: Sequence[type[EventData]] = ALL_EVENTS) -> FastStream:
    """A FastStream app declaring one publisher per event type; it never connects."""
    broker = RabbitBroker(specification_url=SERVER_URL, description=SERVER_DESCRIPTION)
    exchange = RabbitExchange(EVENTS_EXCHANGE, type=ExchangeType.TOPIC, durable=True)
    for event in events:
        broker.publisher(
            exchange=exchange,
            routing_key=event.routing_key(),
            persist=True,
            mandatory=True,
            title=event.event_type,
            description=event_description(event),
            schema=envelope_model(event),
        )
    return FastStream(
        broker,
        specification=AsyncAPI(
            title=TITLE,
            version=importlib.metadata.version("helpdesk-contracts"),
            description=DESCRIPTION,
        ),
    )


def asyncapi_document(events: Sequence[type[EventData]] = ALL_EVENTS) -> Any:
    """The document as JSON-able data, corrected where FastStream's falls short.

    - FastStream lists channels in the order of a weak set of publishers, which is
      no order at all; here channels, operations and messages follow ``events``,
      and component schemas are sorted by name.
    - It names components ``ticket.created.v1:Message`` and
      ``Envelope[TicketCreated]``, where AsyncAPI 3.0 wants keys matching
      ``^[a-zA-Z0-9._-]+$``; they become ``ticket.created.v1_Message`` and
      ``Envelope_TicketCreated``, and every ``$ref`` follows.
    - Its correlation id is the AMQP ``correlation_id`` property; the desk's is the
      envelope's ``correlationid``, so messages point there instead.
    """
    _check_shared_definitions(events)
    document = build_app(events).schema.to_specification().to_jsonable()
    position = {event.event_type: i for i, event in enumerate(events)}

    def order(name: str) -> tuple[int, str]:
        event_type = name.removesuffix("_Message")
        return position.get(event_type, len(position)), name

    components = document["components"]
    for message in components["messages"].values():
        message["correlationId"] = dict(_CORRELATION)
    renamed = {
        section: _conforming_names(components[section])
        for section in ("messages", "schemas")
    }
    for section, names in renamed.items():
        components[section] = {names[k]: v for k, v in components[section].items()}
    document = _rewrite_refs(document, renamed)
    components = document["components"]
    document["channels"] = _sorted(document["channels"], order)
    document["operations"] = _sorted(document["operations"], order)
    components["messages"] = _sorted(components["messages"], order)
    components["schemas"] = _sorted(components["schemas"], None)
    return document


_COMPONENT_KEY = re.compile(r"^[a-zA-Z0-9._-]+$")
"""What AsyncAPI 3.0 allows as the key of a component."""


def _conforming_names(section: Mapping[str, Any]) -> dict[str, str]:
    """Each key of a components section and a name AsyncAPI allows for it."""
    names: dict[str, str] = {}
    for key in section:
        name = key
        if not _COMPONENT_KEY.match(key):
            name = re.sub(r"[^a-zA-Z0-9._-]+", "_", key).strip("_")
        if name in names.values() or (name != key and name in section):
            raise ValueError(f"component {key!r} and another both become {name!r}")
        names[key] = name
    return names


def _rewrite_refs(node: Any, renamed: Mapping[str, Mapping[str, str]]) -> Any:
    """``node`` with references to renamed components pointing at the new names."""
    if isinstance(node, list):
        return [_rewrite_refs(item, renamed) for item in node]
    if not isinstance(node, dict):
        return node
    rewritten = {key: _rewrite_refs(value, renamed) for key, value in node.items()}
    target = node.get("$ref")
    if isinstance(target, str) and target.startswith("#/components/"):
        section, _, name = target.removeprefix("#/components/").partition("/")
        name = unquote(name)
        if name in renamed.get(section, {}):
            rewritten["$ref"] = f"#/components/{section}/{renamed[section][name]}"
    return rewritten


def _sorted(
    mapping: Mapping[str, Any], key: Callable[[str], Any] | None
) -> dict[str, Any]:
    return {name: mapping[name] for name in sorted(mapping, key=key)}


def _check_shared_definitions(events: Sequence[type[EventData]]) -> None:
    """Fail where two events define different models under one name.

    FastStream merges every event's ``$defs`` into one ``components/schemas`` by
    model name, silently keeping the last one; a ``TicketSnapshot`` of ``v1`` and
    another of ``v2`` would document one of them wrongly.
    """
    seen: dict[str, tuple[str, Any]] = {}
    for event in events:
        for name, schema in envelope_schema(event).get("$defs", {}).items():
            first = seen.setdefault(name, (event.event_type, schema))
            if first[1] != schema:
                raise ValueError(
                    f"{first[0]} and {event.event_type} define different models "
                    f"named {name!r}; rename one so the AsyncAPI document keeps both"
                )


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings (the descriptions) as literal blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def render_document(events: Sequence[type[EventData]] = ALL_EVENTS) -> str:
    """The AsyncAPI document as committed: YAML, in a stable order."""
    return yaml.dump(
        asyncapi_document(events),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=88,
    )


def schema_snapshots(
    events: Sequence[type[EventData]] = ALL_EVENTS,
) -> dict[str, dict[str, Any]]:
    """The JSON Schema of every event in its envelope, by event type."""
    return {event.event_type: envelope_schema(event) for event in events}


def render_snapshot(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def expected_files(root: Path = CONTRACTS_DIR) -> dict[Path, str]:
    """Every generated file under ``root`` and the text it should hold."""
    files = {root / DOCUMENT_NAME: render_document()}
    for event_type, schema in schema_snapshots().items():
        files[root / SCHEMAS_DIR_NAME / f"{event_type}.json"] = render_snapshot(schema)
    return files


def stale_files(root: Path = CONTRACTS_DIR) -> dict[Path, str]:
    """The generated files that are missing or differ, with a unified diff each."""
    stale: dict[Path, str] = {}
    for path, text in expected_files(root).items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            stale[path] = "".join(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    f"{path.name} (committed)",
                    f"{path.name} (generated)",
                )
            )
    return stale


def incompatible_snapshots(root: Path = CONTRACTS_DIR) -> dict[str, list[str]]:
    """Committed snapshots the current schemas break, with what breaks them."""
    current = schema_snapshots()
    found: dict[str, list[str]] = {}
    for path in sorted((root / SCHEMAS_DIR_NAME).glob("*.json")):
        old = json.loads(path.read_text(encoding="utf-8"))
        new = current.get(path.stem)
        if new is None:
            found[path.stem] = ["event type removed from catalog.ALL_EVENTS"]
        elif problems := breaking_changes(old, new):
            found[path.stem] = problems
    return found


def write(root: Path = CONTRACTS_DIR) -> list[Path]:
    """Write the stale generated files under ``root``; return those written."""
    broken = {
        event_type: problems
        for event_type, problems in incompatible_snapshots(root).items()
        if event_type in {event.event_type for event in ALL_EVENTS}
    }
    if broken:
        raise IncompatibleChange(broken)
    written = []
    for path, text in expected_files(root).items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


class IncompatibleChange(Exception):
    def __init__(self, problems: Mapping[str, list[str]]) -> None:
        lines = [
            f"{event_type}: {problem}"
            for event_type, found in problems.items()
            for problem in found
        ]
        super().__init__(
            "the current schemas break their committed snapshots; a breaking change "
            "needs a new major version (a new event type):\n  " + "\n  ".join(lines)
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpdesk_contracts.asyncapi",
        description="Print, write or check the AsyncAPI document and the JSON "
        "Schema snapshots of the desk's events.",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--write",
        action="store_true",
        help=f"write {DOCUMENT_NAME} and {SCHEMAS_DIR_NAME}/<event type>.json "
        "under --root",
    )
    action.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the committed files are stale or a snapshot is broken",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=CONTRACTS_DIR,
        help="the contracts directory (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    root: Path = args.root
    installed = not (CONTRACTS_DIR / "pyproject.toml").is_file()
    if (args.write or args.check) and root == CONTRACTS_DIR and installed:
        parser.error("not loaded from the source tree: pass --root")

    if args.write:
        try:
            written = write(root)
        except IncompatibleChange as exc:
            print(exc, file=sys.stderr)
            return 1
        for path in written:
            print(f"wrote {path}", file=sys.stderr)
        return 0
    if args.check:
        failed = False
        for event_type, problems in incompatible_snapshots(root).items():
            failed = True
            for problem in problems:
                print(f"{event_type}: {problem}", file=sys.stderr)
        for path, diff in stale_files(root).items():
            failed = True
            print(f"{path} is stale:\n{diff}", file=sys.stderr)
        if failed:
            print(f"regenerate with: {REGENERATE}", file=sys.stderr)
        return 1 if failed else 0
    sys.stdout.write(render_document())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
