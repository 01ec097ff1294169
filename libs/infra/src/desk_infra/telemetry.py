"""OpenTelemetry tracing across HTTP, AMQP and SQL."""

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


def configure_tracing(service: str, settings: ServiceSettings) -> TracerProvider:
    """Install the global tracer provider; spans are exported if an endpoint is set."""
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service}),
        sampler=ParentBased(TraceIdRatioBased(_ratio(settings))),
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
    return provider


def _ratio(settings: ServiceSettings) -> float:
    if settings.otel_sample_ratio is not None:
        return settings.otel_sample_ratio
    return 1.0 if settings.otel_exporter_otlp_endpoint else 0.0


def instrument_http_app(app: FastAPI) -> None:
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz")


def instrument_http_client() -> None:
    """Trace outgoing calls (aiohttp) and send the trace context with them."""
    AioHttpClientInstrumentor().instrument()


def instrument_database() -> None:
    """Trace every asyncpg query (SQLAlchemy runs over asyncpg)."""
    instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]  # untyped lib
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()
