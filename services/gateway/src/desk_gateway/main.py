"""Composition root of the gateway."""

import contextlib
import uuid
from collections.abc import AsyncIterator

from desk_infra.health import health_router
from desk_infra.logs import bind_log_context, configure_logging
from desk_infra.problems import install_problem_handlers
from desk_infra.serving import serve
from desk_infra.settings import JwtSettings
from desk_infra.telemetry import (
    configure_tracing,
    instrument_http_app,
    instrument_http_client,
)
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from desk_gateway.auth import TokenVerifier
from desk_gateway.config import SERVICE, GatewaySettings
from desk_gateway.guards import TenantModules
from desk_gateway.routes import (
    comments,
    directory,
    inbox,
    mail,
    settings,
    sla,
    teams,
    ticket_sla,
    ticket_work,
    tickets,
)
from desk_gateway.upstream import Upstream

DESCRIPTION = """
The Support desk's API for the portal. Every call needs a bearer token (JWT) naming
the tenant, the user, their kind (operator or requester) and their permissions.
Errors are RFC 9457 problem details (`application/problem+json`).
"""


class RequestId:
    """Takes ``X-Request-ID`` (or makes one), logs with it, and sends it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given[:128] or uuid.uuid4().hex
        bind_log_context(correlation_id=request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"].append(
                    (b"x-request-id", request_id.encode("latin-1"))
                )
            await send(message)

        await self.app(scope, receive, send_with_id)


def create_app(config: GatewaySettings | None = None) -> FastAPI:
    config = config or GatewaySettings()
    upstreams = {
        name: Upstream(name, url, config.upstream_timeout)
        for name, url in config.upstream_urls().items()
    }
    tickets_upstream = upstreams["tickets"]

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for each in upstreams.values():
                await each.close()

    app = FastAPI(
        title="Support desk API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.upstreams = upstreams
    app.state.verifier = TokenVerifier(JwtSettings())
    app.state.modules = TenantModules(tickets_upstream, config.tenant_cache_seconds)
    install_problem_handlers(app)
    for module in (
        tickets,
        ticket_work,
        comments,
        settings,
        directory,
        inbox,
        mail,
        sla,
        ticket_sla,
        teams,
    ):
        app.include_router(module.router)

    async def tickets_ready() -> bool:
        answer = await tickets_upstream.call("GET", "/healthz", None)
        return answer.status == 200

    app.include_router(health_router(lambda: {"tickets": tickets_ready}))
    instrument_http_app(app, config)
    app.add_middleware(RequestId)
    return app


def app_factory() -> FastAPI:
    config = GatewaySettings()
    configure_logging(SERVICE, config.log_level, config.log_format)
    configure_tracing(SERVICE, config)
    instrument_http_client(config)
    return create_app(config)


def run() -> None:
    config = GatewaySettings()
    serve(
        "desk_gateway.main:app_factory",
        host=config.gateway_host,
        port=config.gateway_port,
        workers=config.gateway_workers,
    )
