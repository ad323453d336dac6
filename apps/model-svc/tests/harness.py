"""Starts the real model-svc as a child process on free ports and talks to it over sockets."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from fig.model.v1 import model_pb2_grpc

# Generous: on a machine whose disk is saturated, importing grpcio, OpenTelemetry
# and prometheus-client was seen to take 20-35 s (with 0.4 s of CPU).
STARTUP_TIMEOUT_S = 90


def health_status(channel: grpc.Channel, service: str) -> int:
    """grpc.health.v1 Check for one service name."""
    stub = health_pb2_grpc.HealthStub(channel)
    request = health_pb2.HealthCheckRequest(service=service)
    # typeshed's HealthStub declares no methods.
    status: int = stub.Check(request, timeout=5).status  # type: ignore[attr-defined]
    return status


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ModelSvc:
    process: subprocess.Popen[bytes]
    port: int
    ops_port: int
    lines: list[dict[str, Any]] = field(default_factory=list)
    _buffer: bytes = b""
    _eof: bool = False

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(self.address)

    def stub(self, channel: grpc.Channel) -> model_pb2_grpc.ModelServiceStub:
        return model_pb2_grpc.ModelServiceStub(channel)

    def get(self, path: str) -> Response:
        url = f"http://127.0.0.1:{self.ops_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return Response(r.status, dict(r.headers), r.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read())

    def read_lines(self, timeout_s: float) -> None:
        """Collects the JSON log lines written so far (waiting at most timeout_s for more)."""
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if selector.select(timeout_s):
                chunk = os.read(self.process.stdout.fileno(), 65536)
                self._eof = not chunk
                self._buffer += chunk
        *complete, self._buffer = self._buffer.split(b"\n")
        self.lines.extend(json.loads(line) for line in complete if line.strip())

    def wait_for_log(self, message: str, timeout_s: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            for line in self.lines:
                if line.get("msg") == message:
                    return line
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._eof:
                raise AssertionError(f"no log line {message!r}; got {self.lines}")
            self.read_lines(min(remaining, 0.2))

    def signal(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    def wait_exit(self, timeout_s: float = 15) -> int:
        return self.process.wait(timeout_s)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        if self.process.stdout:
            self.process.stdout.close()


def start_model_svc(**env: str) -> ModelSvc:
    """model-svc with the given environment on ports the OS picks, once it logs that it listens."""
    child_env = {
        **os.environ,
        "PORT": "0",
        "OPS_PORT": "0",
        "SHUTDOWN_DELAY_MS": "0",
        "SHUTDOWN_TIMEOUT_MS": "2000",
        **env,
    }
    child_env.pop(
        "OTEL_EXPORTER_OTLP_ENDPOINT", None
    ) if "OTEL_EXPORTER_OTLP_ENDPOINT" not in env else None
    process = subprocess.Popen(
        [sys.executable, "-m", "model_svc"],
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    svc = ModelSvc(process=process, port=0, ops_port=0)
    try:
        listening = svc.wait_for_log("model-svc listening", STARTUP_TIMEOUT_S)
    except BaseException:
        svc.stop()
        raise
    svc.port = int(listening["port"])
    svc.ops_port = int(listening["opsPort"])
    return svc
