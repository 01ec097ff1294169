"""The envelope every event travels in: a structured-mode CloudEvents 1.0 document.

Extension attributes carry what the desk needs beyond CloudEvents: the tenant, the
aggregate and its version, and correlation and trace context.
"""

import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

TYPE_PREFIX = "com.supportdesk."


class EventData(BaseModel):
    """Base of every event payload; subclasses name their type and routing key."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    """The fact and its major version, for example ``ticket.created.v1``."""

    aggregate_type: ClassVar[str]

    @classmethod
    def cloudevent_type(cls) -> str:
        return TYPE_PREFIX + cls.event_type

    @classmethod
    def routing_key(cls) -> str:
        return cls.event_type


DataT = TypeVar("DataT", bound=EventData)

_PARAMETRISED: dict[type[EventData], type["Envelope[Any]"]] = {}


def envelope_of(data_type: type[DataT]) -> type["Envelope[DataT]"]:
    """``Envelope[data_type]``, built once per type (pydantic's lookup is slow)."""
    model = _PARAMETRISED.get(data_type)
    if model is None:
        model = _PARAMETRISED[data_type] = Envelope[data_type]  # type: ignore[valid-type]
    return model


def new_event_id() -> uuid.UUID:
    """A UUIDv7: random, but ordered by creation time, which keeps indexes compact."""
    millis = time.time_ns() // 1_000_000
    value = (millis & ((1 << 48) - 1)) << 80
    value |= int.from_bytes(os.urandom(10), "big") & ((1 << 80) - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return uuid.UUID(int=value)


class Envelope(BaseModel, Generic[DataT]):
    """A CloudEvent in structured JSON mode, with the desk's extension attributes."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: str = "1.0"
    id: uuid.UUID = Field(default_factory=new_event_id)
    type: str
    source: str
    time: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = None
    datacontenttype: str = "application/json"
    dataschema: str | None = None
    tenantid: str
    aggregatetype: str
    aggregateid: str
    aggregateversion: int = Field(ge=0)
    correlationid: str | None = None
    causationid: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None
    data: DataT

    @classmethod
    def wrap(
        cls,
        data: DataT,
        *,
        source: str,
        tenant_id: str,
        aggregate_id: str,
        aggregate_version: int,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        traceparent: str | None = None,
        tracestate: str | None = None,
        **extra: Any,
    ) -> "Envelope[DataT]":
        """Put ``data`` in an envelope, deriving type and subject from it."""
        return envelope_of(type(data))(
            type=data.cloudevent_type(),
            source=source,
            subject=aggregate_id,
            tenantid=tenant_id,
            aggregatetype=data.aggregate_type,
            aggregateid=aggregate_id,
            aggregateversion=aggregate_version,
            correlationid=correlation_id,
            causationid=causation_id,
            traceparent=traceparent,
            tracestate=tracestate,
            data=data,
            **extra,
        )

    @property
    def routing_key(self) -> str:
        return self.data.routing_key()

    def to_json(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def parse(cls, body: bytes | str) -> Self:
        return cls.model_validate_json(body)
