"""OpenTelemetry tracing across HTTP, AMQP and SQL, on when spans are exported.

``DESK_OTEL_EXPORTER_OTLP_ENDPOINT`` turns it on (``DESK_OTEL_TRACING`` forces it
either way). Off, no instrumentation runs at all: requests still carry the
gateway's ``X-Request-ID`` as ``correlation_id`` into every log line and event.
"""

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from desk_infra.settings import ServiceSettings


def configure_tracing(service: str, settings: ServiceSettings) -> None:
    """Install the tracer provider and instrument SQL, when tracing is on."""
    if not settings.tracing:
        return
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service}),
        sampler=ParentBased(TraceIdRatioBased(settings.otel_sample_ratio)),
    )
    if settings.otel_exporter_otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter,
        )

        endpoint = settings.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint))
        )
    trace.set_tracer_provider(provider)
    instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]  # untyped lib
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


def instrument_http_app(app: FastAPI, settings: ServiceSettings) -> None:
    if settings.tracing:
        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz")


def instrument_http_client(settings: ServiceSettings) -> None:
    """Trace outgoing calls (aiohttp) and send the trace context with them."""
    if settings.tracing:
        AioHttpClientInstrumentor().instrument()
