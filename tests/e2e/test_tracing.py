"""With an exporter configured, one trace follows a request through the desk.

A small OTLP/HTTP receiver stands in for the collector; the gateway, the tickets
service and the relay export to it, and their spans share the request's trace.
"""

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)

from tests.conftest import free_port, unique
from tests.e2e.conftest import DATABASE, Desk

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


class Receiver:
    """Collects (service name, trace id, span name) of every exported span."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the handler's API
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.collect(body)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def services_in(self, trace_id: str, expected: int) -> set[str]:
        """The services that exported spans of ``trace_id``, waiting up to 20 s."""
        deadline = time.monotonic() + 20
        while True:
            found = {service for service, trace, _ in self.spans if trace == trace_id}
            if len(found) >= expected or time.monotonic() > deadline:
                return found
            time.sleep(0.25)

    def collect(self, body: bytes) -> None:
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            attributes = {
                a.key: a.value.string_value for a in resource_spans.resource.attributes
            }
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    self.spans.append(
                        (
                            attributes.get("service.name", ""),
                            span.trace_id.hex(),
                            span.name,
                        )
                    )


@pytest.fixture
def traced_desk(desk: Desk) -> Iterator[tuple[Desk, Receiver]]:
    receiver = Receiver()
    tickets_port, gateway_port = free_port(), free_port()
    env = {
        **desk.env,
        "DESK_OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        "DESK_TICKETS_DATABASE": DATABASE,
        "DESK_TICKETS_PORT": str(tickets_port),
        "DESK_GATEWAY_PORT": str(gateway_port),
        "DESK_TICKETS_URL": f"http://127.0.0.1:{tickets_port}",
    }
    traced = Desk(
        env, f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{tickets_port}"
    )
    desk.kill("relay")  # so that the traced relay is the one to publish
    try:
        traced.start("traced-tickets", "desk-tickets", f"{traced.tickets}/readyz")
        traced.start("traced-relay", "desk-tickets-relay")
        traced.start("traced-gateway", "desk-gateway", f"{traced.gateway}/readyz")
        yield traced, receiver
    finally:
        traced.stop_all()
        receiver.server.shutdown()
        receiver.server.server_close()
        desk.start("relay", "desk-tickets-relay")


def test_a_request_is_one_trace_from_gateway_to_broker(
    traced_desk: tuple[Desk, Receiver],
) -> None:
    desk, receiver = traced_desk
    tenant = unique("traced")
    desk.cli("token", "--tenant", tenant, "--user", "alice")
    token = desk.token(tenant, "alice", "support:request:update:all")

    answer = httpx.post(
        desk.gateway + "/v1/tickets",
        json={"subject": "traced", "description": "d"},
        headers={
            "authorization": f"Bearer {token}",
            "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01",
        },
        timeout=10,
    )
    services = receiver.services_in(TRACE_ID, expected=3)  # exports run every 5 s

    assert answer.status_code == 201, answer.text
    assert services == {"gateway", "tickets", "tickets-relay"}
