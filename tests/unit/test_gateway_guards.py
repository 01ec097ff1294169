"""The gateway lets through to ticket reads whom the tickets service would serve."""

import pytest
from desk_gateway.auth import Principal
from desk_gateway.guards import ticket_reader
from desk_infra.problems import Problem
from desk_tickets.domain import access
from helpdesk_contracts.permissions import Permission
from helpdesk_contracts.vocabulary import ActorKind

from tests.unit.builders import TENANT, make_actor


async def _status(who: Principal) -> int:
    """200 when the guard lets the caller through, else its problem's status."""
    try:
        await ticket_reader(who)
    except Problem as refused:
        return refused.status
    return 200


@pytest.mark.parametrize("permission", [p.value for p in Permission])
async def test_an_operator_reads_tickets_exactly_when_the_service_shows_them(
    permission: str,
) -> None:
    held = frozenset({permission})
    who = Principal(TENANT, "ann", ActorKind.OPERATOR, held)

    status = await _status(who)

    served = access.can_view_any(make_actor("ann", permissions=held))
    assert status == (200 if served else 403)


async def test_delete_all_alone_reads_tickets() -> None:
    held = frozenset({Permission.REQUEST_DELETE_ALL.value})

    assert await _status(Principal(TENANT, "ann", ActorKind.OPERATOR, held)) == 200


async def test_requesters_read_their_own_tickets_whatever_they_hold() -> None:
    rita = Principal(TENANT, "rita", ActorKind.REQUESTER, frozenset())

    assert await _status(rita) == 200
