"""Tickets, topics, tenants and the directory: ``XCreate`` / ``XUpdate`` / ``XRead``."""

import uuid
from typing import Annotated, ClassVar, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from helpdesk_contracts.vocabulary import (
    ActorKind,
    AssigneeKind,
    Priority,
    TicketChannel,
    TicketStatus,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Subject = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=65_536)
]
TopicName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
TopicDescription = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500)
]
ExternalId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)
]
TenantId = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Patch(_Strict):
    """A partial update: fields in ``required`` may be left out but not set to null."""

    required: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_null_for_required(self) -> Self:
        nulled = sorted(
            f for f in self.model_fields_set & self.required if getattr(self, f) is None
        )
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null")
        return self


class AssigneeRef(_Strict):
    kind: AssigneeKind = AssigneeKind.USER
    id: ExternalId


class MapPin(_Strict):
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)


class TicketCreate(_Strict):
    subject: Subject
    description: Description
    status: TicketStatus = TicketStatus.OPEN
    priority: Priority = Priority.MEDIUM
    topic_id: uuid.UUID | None = None
    sub_topic_id: uuid.UUID | None = None
    requester_id: ExternalId | None = Field(
        default=None,
        description="Whom the ticket is for; operators log tickets on a requester's "
        "behalf. Defaults to the caller.",
    )
    member_id: ExternalId | None = None
    customer_id: ExternalId | None = None
    location_id: ExternalId | None = None
    map_pin: MapPin | None = None
    assignee: AssigneeRef | None = Field(default=None, description="Primary assignee.")


class TicketUpdate(_Patch):
    """Fields to change; a field set to null is cleared, a field left out is kept."""

    required = frozenset({"subject", "description", "status", "priority"})

    subject: Subject | None = None
    description: Description | None = None
    status: TicketStatus | None = None
    priority: Priority | None = None
    topic_id: uuid.UUID | None = None
    sub_topic_id: uuid.UUID | None = None
    requester_id: ExternalId | None = None
    member_id: ExternalId | None = None
    customer_id: ExternalId | None = None
    location_id: ExternalId | None = None
    map_pin: MapPin | None = None
    assignee: AssigneeRef | None = None


class TicketListQuery(BaseModel):
    """Filters, order and page of the Requests list (query parameters)."""

    model_config = ConfigDict(extra="forbid")

    status: list[TicketStatus] = []
    priority: list[Priority] = []
    topic_id: uuid.UUID | None = None
    sub_topic_id: uuid.UUID | None = None
    tag: list[Annotated[str, StringConstraints(max_length=100)]] = Field(
        default=[], description="Tickets carrying every one of these tags."
    )
    assigned_to_me: bool = Field(
        default=False, description="Assigned to the caller or one of their teams."
    )
    unassigned: bool = False
    q: str | None = Field(
        default=None,
        max_length=200,
        description="Words of the reference, subject, description or public "
        "comments; partial words and parts of references match too.",
    )
    sort: Literal["created_at", "-created_at"] = "-created_at"
    cursor: str | None = Field(
        default=None,
        max_length=200,
        description="``next_cursor`` or ``prev_cursor`` of a page of this list.",
    )
    limit: int = Field(default=50, ge=1, le=200)


class TagAdd(_Strict):
    tag: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)
    ]


class ActorRead(BaseModel):
    id: str
    kind: ActorKind


class TicketRead(BaseModel):
    id: uuid.UUID
    reference: str
    subject: str
    description: str
    status: TicketStatus
    priority: Priority
    channel: TicketChannel
    topic_id: uuid.UUID | None
    sub_topic_id: uuid.UUID | None
    requester_id: str | None
    requester_email: str | None = None
    """A requester the directory does not know, by address (mail from a stranger)."""
    requester_name: str | None = None
    created_by: ActorRead
    member_id: str | None
    customer_id: str | None
    location_id: str | None
    map_pin: MapPin | None
    primary_assignee: AssigneeRef | None
    additional_assignees: list[AssigneeRef]
    tags: list[str] = []
    created_at: AwareDatetime
    updated_at: AwareDatetime
    resolved_at: AwareDatetime | None
    resolved_by: str | None
    closed_at: AwareDatetime | None
    closed_by: str | None
    version: int


class TicketPage(BaseModel):
    """A page of the Requests list.

    ``total`` counts every match exactly up to ``TOTAL_EXACT_UP_TO`` (with ``q``,
    ``SEARCH_TOTAL_EXACT_UP_TO``); beyond, it is PostgreSQL's estimate and
    ``total_exact`` is false.
    """

    items: list[TicketRead]
    next_cursor: str | None = None
    prev_cursor: str | None = None
    total: int
    total_exact: bool = True


TOTAL_EXACT_UP_TO = 10_000
SEARCH_TOTAL_EXACT_UP_TO = 1_000


class AuditEntryRead(BaseModel):
    id: int
    ticket_id: uuid.UUID
    at: AwareDatetime
    actor: ActorRead
    action: str
    changes: dict[str, object]


class TopicCreate(_Strict):
    name: TopicName
    description: TopicDescription | None = None
    active: bool = True
    sort_order: int = Field(default=0, ge=-1_000_000, le=1_000_000)
    default_sla_id: uuid.UUID | None = None


class TopicUpdate(_Patch):
    required = frozenset({"name", "active", "sort_order"})

    name: TopicName | None = None
    description: TopicDescription | None = None
    active: bool | None = None
    sort_order: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    default_sla_id: uuid.UUID | None = None


class TopicRead(BaseModel):
    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    description: str | None
    active: bool
    sort_order: int
    default_sla_id: uuid.UUID | None
    sub_topics: list["TopicRead"] = []
    created_at: AwareDatetime
    updated_at: AwareDatetime


class TenantUpsert(_Strict):
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    owner_tenant_id: TenantId | None = None
    modules: list[
        Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
    ] = []


class TenantRead(BaseModel):
    id: str
    name: str
    owner_tenant_id: str | None
    modules: list[str]


DirectoryKind = Literal["users", "members", "customers", "locations"]


class DirectoryEntryUpsert(_Strict):
    id: ExternalId
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
    ]
    email: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)] | None
    ) = None
    account_id: ExternalId | None = Field(
        default=None, description="Financial account."
    )
    active: bool = True
    attributes: dict[str, str] = {}


class DirectoryImport(_Strict):
    entries: list[DirectoryEntryUpsert] = Field(max_length=10_000)


class DirectoryEntryRead(BaseModel):
    id: str
    kind: str
    name: str
    email: str | None
    account_id: str | None
    active: bool
    attributes: dict[str, str]


class ImportResult(BaseModel):
    created: int
    updated: int
