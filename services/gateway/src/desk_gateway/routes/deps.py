"""Dependencies the routes share: the upstream services, by name."""

from typing import Annotated

from fastapi import Depends, Request

from desk_gateway.upstream import Upstream


def upstream(name: str) -> object:
    """A dependency giving the named upstream the gateway was configured with."""

    async def dependency(request: Request) -> Upstream:
        upstreams: dict[str, Upstream] = request.app.state.upstreams
        return upstreams[name]

    return Depends(dependency)


Tickets = Annotated[Upstream, upstream("tickets")]
Sla = Annotated[Upstream, upstream("sla")]
Notifications = Annotated[Upstream, upstream("notifications")]
Mail = Annotated[Upstream, upstream("mail")]
