"""OpenTelemetry tracing: W3C trace context from gRPC metadata, OTLP/HTTP export when configured."""

from __future__ import annotations

import os

import grpc
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.grpc import filters, server_interceptor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def start_tracing(*, service: str, version: str) -> TracerProvider | None:
    """The process's tracer provider, or None when OTEL_SDK_DISABLED=true.

    Spans are recorded even with no exporter so that logs still carry the
    caller's trace id; they leave the process only when
    OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set, as in
    libs/telemetry. OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER and the other
    standard variables are read by the SDK itself.
    """
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return None
    attributes: dict[str, str] = {"service.version": version}
    if not os.environ.get("OTEL_SERVICE_NAME"):
        attributes["service.name"] = service
    provider = TracerProvider(resource=Resource.create(attributes))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    ):
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def tracing_interceptor(provider: TracerProvider) -> grpc.ServerInterceptor:
    """Server spans joined to the caller's trace (traceparent), except for health and reflection."""
    untraced = filters.any_of(filters.health_check(), filters.service_prefix("grpc.reflection."))
    interceptor: grpc.ServerInterceptor = server_interceptor(  # type: ignore[no-untyped-call]
        tracer_provider=provider, filter_=filters.negate(untraced)
    )
    return interceptor
