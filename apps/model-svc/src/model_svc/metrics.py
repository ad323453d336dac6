"""Prometheus metrics on a registry of the service's own, named like the TypeScript services'."""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)

from model_svc.models import LABELS, Sentiment

# libs/health latencyBuckets, so dashboards compare the services like for like.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

# prom-client emits no *_created series; neither do we, so one query fits both.
disable_created_metrics()  # type: ignore[no-untyped-call]


class Metrics:
    """RED per RPC, build info, and per model version the labels given and its accuracy."""

    def __init__(self, *, service: str, version: str, model: str) -> None:
        self.registry = CollectorRegistry()
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)
        registry = self.registry
        Gauge(
            "fig_build_info",
            "Constant 1, labelled with the running service and version",
            ["service", "version"],
            registry=registry,
        ).labels(service, version).set(1)
        rpc_labels = ["grpc_service", "grpc_method", "grpc_code"]
        self._handled = Counter(
            "grpc_server_handled_total",
            "RPCs completed, by method and status code",
            rpc_labels,
            registry=registry,
        )
        self._duration = Histogram(
            "grpc_server_handling_seconds",
            "RPC latency until the status was sent, by method and status code",
            rpc_labels,
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._in_flight = Gauge(
            "grpc_server_in_flight",
            "RPCs started and not yet completed",
            ["grpc_service", "grpc_method"],
            registry=registry,
        )
        self._predictions = Counter(
            "fig_model_predictions_total",
            "Texts scored, by model version and label given",
            ["model", "label"],
            registry=registry,
        )
        self._accuracy = Gauge(
            "fig_model_evaluation_accuracy",
            "Share of Fig's labelled evaluation set the model labels correctly (0-1)",
            ["model"],
            registry=registry,
        )
        self._model = model
        # Every label from the start, so a rate over a fresh replica is 0, not absent.
        for label in LABELS:
            self._predictions.labels(model, label)

    def start_rpc(self, service: str, method: str) -> Callable[[str], None]:
        """Starts timing one call; the function returned records its outcome (a code name)."""
        started = time.perf_counter()
        in_flight = self._in_flight.labels(service, method)
        in_flight.inc()

        def done(code: str) -> None:
            in_flight.dec()
            self._handled.labels(service, method, code).inc()
            self._duration.labels(service, method, code).observe(time.perf_counter() - started)

        return done

    def count(self, sentiment: Sentiment) -> None:
        self._predictions.labels(sentiment.model, sentiment.label).inc()

    def set_accuracy(self, accuracy: float) -> None:
        self._accuracy.labels(self._model).set(accuracy)
