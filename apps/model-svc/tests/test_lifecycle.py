"""Graceful shutdown: the same sequence and variables as the TypeScript services (ADR 0003)."""

from __future__ import annotations

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
    env = {"PORT": "http", "MODEL_VERSION": "v3", "SHUTDOWN_DELAY_MS": "-1", "LOG_LEVEL": "info"}
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
        '  - PORT: must be a whole number (got "http")',
        '  - MODEL_VERSION: must be one of v1, v2 (got "v3")',
        '  - SHUTDOWN_DELAY_MS: must be a whole number of milliseconds (got "-1")',
    ]
