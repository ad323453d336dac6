"""One trace across languages: a traceparent sent by a TypeScript caller is joined here."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from fig.model.v1 import model_pb2, model_pb2_grpc
from tests.harness import health_status, start_model_svc

T = 5


class Collector:
    """A stand-in OTLP/HTTP receiver on a free port, keeping every span posted to /v1/traces."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, trace_pb2.Span]] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                request = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
                for resource_spans in request.resource_spans:
                    service = next(
                        a.value.string_value
                        for a in resource_spans.resource.attributes
                        if a.key == "service.name"
                    )
                    for scope in resource_spans.scope_spans:
                        collector.spans += [(service, span) for span in scope.spans]
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def wait_for(self, trace_id: bytes, timeout_s: float = 10) -> list[tuple[str, trace_pb2.Span]]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [(s, span) for s, span in self.spans if span.trace_id == trace_id]
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no span of trace {trace_id.hex()}; got {len(self.spans)} spans")


@pytest.fixture
def collector() -> Iterator[Collector]:
    running = Collector()
    yield running
    running.httpd.shutdown()
    running.httpd.server_close()


def test_a_call_with_traceparent_is_a_child_span_exported_over_otlp(collector: Collector) -> None:
    svc = start_model_svc(
        OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint,
        OTEL_BSP_SCHEDULE_DELAY="50",
        LOG_LEVEL="debug",
    )
    try:
        trace_id, parent_id = secrets.token_bytes(16), secrets.token_bytes(8)
        traceparent = f"00-{trace_id.hex()}-{parent_id.hex()}-01"
        with svc.channel() as channel:
            # Probes are not traced: they would bury real traffic.
            health_status(channel, "")
            stub = model_pb2_grpc.ModelServiceStub(channel)
            stub.Score(
                model_pb2.ScoreRequest(text="lovely"),
                metadata=(("traceparent", traceparent),),
                timeout=T,
            )
            with pytest.raises(grpc.RpcError):
                stub.Score(
                    model_pb2.ScoreRequest(text=""),
                    metadata=(("traceparent", traceparent),),
                    timeout=T,
                )
        spans = collector.wait_for(trace_id)
        service, span = spans[0]
        assert service == "model-svc"
        assert span.name == "/fig.model.v1.ModelService/Score"
        assert span.kind == trace_pb2.Span.SPAN_KIND_SERVER
        assert span.parent_span_id == parent_id
        # The log line of the rejected call carries the same trace.
        rejected = svc.wait_for_log("request rejected")
        assert rejected["trace_id"] == trace_id.hex()
        assert len(rejected["span_id"]) == 16
        assert not [s for s in collector.spans if "Health" in s[1].name]
    finally:
        svc.stop()
