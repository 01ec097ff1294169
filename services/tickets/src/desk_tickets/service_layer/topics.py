"""Use cases on topics and sub-topics (Settings, Support, Topics)."""

import uuid
from typing import Any

from helpdesk_contracts.api.tickets import TopicCreate, TopicRead, TopicUpdate
from sqlalchemy import Row

from desk_tickets.domain.errors import InvalidField, NotFound
from desk_tickets.service_layer.unit_of_work import UnitOfWork


def _read(row: Row[Any], children: list[TopicRead] | None = None) -> TopicRead:
    return TopicRead.model_validate({**row._mapping, "sub_topics": children or []})


async def list_topics(
    uow: UnitOfWork, tenant_id: str, *, active_only: bool
) -> list[TopicRead]:
    """Topics in sort order, each with its sub-topics in sort order."""
    async with uow:
        rows = await uow.topics.all(tenant_id, active_only=active_only)
    children: dict[uuid.UUID, list[TopicRead]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(_read(row))
    return [_read(row, children.get(row.id)) for row in rows if row.parent_id is None]


async def get_topic(uow: UnitOfWork, tenant_id: str, topic_id: uuid.UUID) -> TopicRead:
    async with uow:
        row = await uow.topics.get(tenant_id, topic_id)
        if row is None:
            raise NotFound("topic", topic_id)
        subs = [
            r
            for r in await uow.topics.all(tenant_id, active_only=False)
            if r.parent_id == topic_id
        ]
    return _read(row, [_read(s) for s in subs])


async def create_topic(
    uow: UnitOfWork,
    tenant_id: str,
    cmd: TopicCreate,
    parent_id: uuid.UUID | None = None,
) -> TopicRead:
    async with uow:
        if await uow.tenants.get(tenant_id) is None:
            raise NotFound("tenant", tenant_id)
        if parent_id is not None:
            parent = await uow.topics.get(tenant_id, parent_id)
            if parent is None:
                raise NotFound("topic", parent_id)
            if parent.parent_id is not None:
                raise InvalidField("parent_id", "sub-topics cannot have sub-topics")
        row = await uow.topics.add(
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "parent_id": parent_id,
                **cmd.model_dump(),
            }
        )
        await uow.commit()
    return _read(row)


async def change_topic(
    uow: UnitOfWork, tenant_id: str, topic_id: uuid.UUID, cmd: TopicUpdate
) -> TopicRead:
    async with uow:
        if await uow.topics.get(tenant_id, topic_id) is None:
            raise NotFound("topic", topic_id)
        values = cmd.model_dump(include=cmd.model_fields_set)
        if values:
            await uow.topics.change(topic_id, values)
            await uow.commit()
    return await get_topic(uow, tenant_id, topic_id)
