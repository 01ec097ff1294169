"""Dependencies the routes share."""

from typing import Annotated

from fastapi import Depends, Request

from desk_gateway.upstream import Upstream


async def tickets_service(request: Request) -> Upstream:
    upstream: Upstream = request.app.state.tickets
    return upstream


Tickets = Annotated[Upstream, Depends(tickets_service)]
