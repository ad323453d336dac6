"""model-svc's gRPC server without listening: ModelService, health and reflection."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from fig.model.v1 import model_pb2_grpc
from model_svc.service import SERVICE_NAME, ModelService

SERVER_OPTIONS = [
    # Ping idle connections so a vanished client (node gone, no FIN) is noticed.
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    # Recycle connections so clients re-resolve DNS and spread onto replicas
    # that became ready after they connected: 30 s, as store-svc (ADR 0121).
    ("grpc.max_connection_age_ms", 30_000),
    ("grpc.max_connection_age_grace_ms", 30_000),
    # The largest valid request is 64 texts of 280 code points (< 72 KiB).
    ("grpc.max_receive_message_length", 128 * 1024),
    ("grpc.max_send_message_length", 1024 * 1024),
]
HEALTH_SERVICE_NAME = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name


class ModelServer:
    def __init__(
        self,
        service: ModelService,
        *,
        interceptors: list[grpc.ServerInterceptor],
        logger: logging.Logger,
        workers: int = 16,
    ) -> None:
        self._logger = logger
        self.server = grpc.server(
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rpc"),
            interceptors=interceptors,
            options=SERVER_OPTIONS,
        )
        model_pb2_grpc.add_ModelServiceServicer_to_server(service, self.server)
        self.health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, HEALTH_SERVICE_NAME, reflection.SERVICE_NAME), self.server
        )
        # The model is loaded before the server is built, so there is nothing
        # left to wait for: both names serve once the port is bound.
        for name in ("", SERVICE_NAME):
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)

    def listen(self, port: int, host: str = "0.0.0.0") -> int:
        """Binds and starts; returns the port (the OS picks one for 0)."""
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        bound = self.server.add_insecure_port(address)
        if bound == 0:
            raise OSError(f"could not bind gRPC port {host}:{port}")
        self.server.start()
        return bound

    def drain(self) -> None:
        """Shutdown step 1: health NOT_SERVING for every name, while calls are still served."""
        self.health.enter_graceful_shutdown()

    def stop(self, budget_s: float) -> None:
        """Step 2: refuse new calls and let in-flight ones finish within the budget;
        grpc cancels whatever is still running when it is spent."""
        self.server.stop(grace=budget_s).wait()
