"""Graceful shutdown: the same sequence and variables as the TypeScript services (ADR 0003)."""

from __future__ import annotations

import ipaddress
import signal
import subprocess
import sys
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2

from fig.model.v1 import model_pb2, model_pb2_grpc
from tests.harness import health_status, start_model_svc

T = 5


def test_sigterm_fails_readiness_and_health_while_still_serving_then_exits_0() -> None:
    svc = start_model_svc(SHUTDOWN_DELAY_MS="1500")
    try:
        with svc.channel() as channel:
            model = model_pb2_grpc.ModelServiceStub(channel)
            svc.signal(signal.SIGTERM)
            svc.wait_for_log("shutdown: readiness now failing")
            # Within SHUTDOWN_DELAY_MS: not ready, NOT_SERVING, alive, and still answering.
            assert svc.get("/readyz").status == 503
            assert svc.get("/readyz").json()["status"] == "draining"
            assert svc.get("/livez").status == 200
            for name in ("", "fig.model.v1.ModelService"):
                assert health_status(channel, name) == health_pb2.HealthCheckResponse.NOT_SERVING
            answer = model.Score(model_pb2.ScoreRequest(text="still here, great"), timeout=T)
            assert answer.sentiment.model == "v1"
        assert svc.wait_exit() == 0
        svc.wait_for_log("shutdown: done")
        messages = [line["msg"] for line in svc.lines]
        order = [
            "shutdown: readiness now failing",
            "shutdown: no longer accepting, draining in-flight work",
            "shutdown: done",
        ]
        assert [m for m in messages if m in order] == order
    finally:
        svc.stop()


def test_the_delay_is_waited_before_the_port_closes() -> None:
    svc = start_model_svc(SHUTDOWN_DELAY_MS="800")
    try:
        started = time.monotonic()
        svc.signal(signal.SIGTERM)
        assert svc.wait_exit() == 0
        assert time.monotonic() - started >= 0.8
    finally:
        svc.stop()


def test_a_second_signal_exits_at_once_with_130() -> None:
    svc = start_model_svc(SHUTDOWN_DELAY_MS="30000")
    try:
        svc.signal(signal.SIGTERM)
        svc.wait_for_log("shutdown: readiness now failing")
        svc.signal(signal.SIGINT)
        assert svc.wait_exit() == 130
    finally:
        svc.stop()


def test_after_shutdown_the_port_refuses_calls() -> None:
    svc = start_model_svc()
    try:
        address = svc.address
        svc.signal(signal.SIGTERM)
        assert svc.wait_exit() == 0
    finally:
        svc.stop()
    with grpc.insecure_channel(address) as channel:
        stub = model_pb2_grpc.ModelServiceStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            stub.Score(model_pb2.ScoreRequest(text="anyone?"), timeout=1)
        assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


def test_bad_settings_stop_the_start_with_one_message_naming_every_variable() -> None:
    env = {
        "BIND_ADDRESS": "not an address",
        "PORT": "http",
        "MODEL_VERSION": "v3",
        "SHUTDOWN_DELAY_MS": "-1",
        "LOG_LEVEL": "info",
    }
    run = subprocess.run(
        [sys.executable, "-m", "model_svc"],
        env={**env, "PATH": ""},
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert run.returncode == 1
    assert run.stdout == b""
    assert run.stderr.decode().splitlines() == [
        "Invalid configuration:",
        '  - BIND_ADDRESS: must be an IP address or a host name (got "not an address")',
        '  - PORT: must be a whole number (got "http")',
        '  - MODEL_VERSION: must be one of v1, v2 (got "v3")',
        '  - SHUTDOWN_DELAY_MS: must be a whole number of milliseconds (got "-1")',
    ]


def _listening_addresses(port: int) -> set[str]:
    """The local addresses TCP sockets listen on at this port (/proc/net/tcp and tcp6);
    an IPv4-mapped IPv6 address counts as its IPv4 address."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                local, state = row.split()[1], row.split()[3]
                hex_address, hex_port = local.split(":")
                if state != "0A" or int(hex_port, 16) != port:
                    continue
                # The kernel prints each 32-bit word in host (little-endian) order.
                raw = b"".join(
                    bytes.fromhex(hex_address[i : i + 8])[::-1]
                    for i in range(0, len(hex_address), 8)
                )
                address = ipaddress.ip_address(raw)
                mapped = getattr(address, "ipv4_mapped", None)
                found.add(str(mapped or address))
    return found


def test_bind_address_limits_both_ports_to_that_address() -> None:
    svc = start_model_svc(BIND_ADDRESS="127.0.0.1")
    try:
        assert _listening_addresses(svc.port) == {"127.0.0.1"}
        assert _listening_addresses(svc.ops_port) == {"127.0.0.1"}
        with svc.channel() as channel:
            assert health_status(channel, "") == health_pb2.HealthCheckResponse.SERVING
    finally:
        svc.stop()
