"""``/v1/topics``: topics and sub-topics (Settings, Support, Topics)."""

import uuid
from typing import Annotated

from desk_infra.problems import problem_responses
from fastapi import APIRouter, Depends, Response
from helpdesk_contracts.api.tickets import TopicCreate, TopicRead, TopicUpdate
from helpdesk_contracts.permissions import Permission

from desk_gateway.auth import Principal
from desk_gateway.guards import SupportUser, requires
from desk_gateway.routes.deps import Tickets

router = APIRouter(
    prefix="/v1/topics",
    tags=["topics"],
    responses=problem_responses(401, 403, 422, 502, 503, 504),
)

TopicAdmin = Annotated[Principal, Depends(requires(Permission.SETTINGS_TOPICS))]


@router.get("", response_model=list[TopicRead])
async def list_topics(
    who: SupportUser, tickets: Tickets, active_only: bool = False
) -> Response:
    """Topics in sort order with their sub-topics; ``active_only`` for new tickets."""
    params = {"active_only": "true" if active_only or who.is_requester else "false"}
    return await tickets.forward("GET", "/v1/topics", who, params=params)


@router.post("", response_model=TopicRead, status_code=201)
async def create_topic(
    body: TopicCreate, who: TopicAdmin, tickets: Tickets
) -> Response:
    payload = body.model_dump_json(exclude_unset=True).encode()
    return await tickets.forward("POST", "/v1/topics", who, json_body=payload)


@router.get("/{topic_id}", response_model=TopicRead)
async def get_topic(
    topic_id: uuid.UUID, who: SupportUser, tickets: Tickets
) -> Response:
    return await tickets.forward("GET", f"/v1/topics/{topic_id}", who)


@router.patch("/{topic_id}", response_model=TopicRead)
async def change_topic(
    topic_id: uuid.UUID, body: TopicUpdate, who: TopicAdmin, tickets: Tickets
) -> Response:
    """Deactivating hides a topic from new tickets; existing tickets keep it."""
    payload = body.model_dump_json(exclude_unset=True).encode()
    return await tickets.forward(
        "PATCH", f"/v1/topics/{topic_id}", who, json_body=payload
    )


@router.post("/{topic_id}/sub-topics", response_model=TopicRead, status_code=201)
async def create_sub_topic(
    topic_id: uuid.UUID, body: TopicCreate, who: TopicAdmin, tickets: Tickets
) -> Response:
    payload = body.model_dump_json(exclude_unset=True).encode()
    return await tickets.forward(
        "POST", f"/v1/topics/{topic_id}/sub-topics", who, json_body=payload
    )
