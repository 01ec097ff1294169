"""Dependencies the routes share: the upstream services, by name, and the
``If-Match`` a change passes on to the service that owns the resource."""

from typing import Annotated

from desk_infra.etags import etag, parse_if_match
from fastapi import Depends, Header, Request

from desk_gateway.upstream import Upstream


def upstream(name: str) -> object:
    """A dependency giving the named upstream the gateway was configured with."""

    async def dependency(request: Request) -> Upstream:
        upstreams: dict[str, Upstream] = request.app.state.upstreams
        return upstreams[name]

    return Depends(dependency)


async def if_match_headers(
    if_match: Annotated[str | None, Header()] = None,
) -> dict[str, str]:
    """The ``If-Match`` header to send on, in the form the services read; none
    when the caller accepts any version. A malformed one is refused here (412)."""
    versions = parse_if_match(if_match)
    if versions is None:
        return {}
    return {"if-match": ", ".join(etag(v) for v in sorted(versions))}


Tickets = Annotated[Upstream, upstream("tickets")]
Sla = Annotated[Upstream, upstream("sla")]
Notifications = Annotated[Upstream, upstream("notifications")]
Mail = Annotated[Upstream, upstream("mail")]
IfMatch = Annotated[dict[str, str], Depends(if_match_headers)]
