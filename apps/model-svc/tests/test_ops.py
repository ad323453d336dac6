"""Health, reflection and the ops port (/livez, /readyz, /metrics) of a running model-svc."""

from __future__ import annotations

import re
import shutil
import subprocess

import grpc
import pytest
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from fig.model.v1 import model_pb2, model_pb2_grpc
from tests.harness import ModelSvc, health_status

T = 5
MODEL_SERVICE = "fig.model.v1.ModelService"


def test_health_serves_the_server_and_model_service(v1_channel: grpc.Channel) -> None:
    assert health_status(v1_channel, "") == health_pb2.HealthCheckResponse.SERVING
    assert health_status(v1_channel, MODEL_SERVICE) == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.RpcError) as raised:
        health_status(v1_channel, "fig.nothing.v1.Nothing")
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_lists_model_service_health_and_itself(v1_channel: grpc.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(v1_channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    # typeshed leaves the streaming call untyped.
    (answer,) = list(stub.ServerReflectionInfo(iter([request]), timeout=T))  # type: ignore[operator]
    names = {s.name for s in answer.list_services_response.service}
    assert names == {
        MODEL_SERVICE,
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    }


def test_livez_and_readyz_answer_with_json(v1: ModelSvc) -> None:
    assert v1.get("/livez").json() == {"status": "alive"}
    ready = v1.get("/readyz")
    assert ready.status == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["checks"]["model"]["ok"] is True
    assert v1.get("/nope").status == 404


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample, whatever the order of its labels."""
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match[3])
    raise AssertionError(f"no sample {name}{labels}")


def test_metrics_count_rpcs_labels_and_show_accuracy(
    v1: ModelSvc, v1_channel: grpc.Channel
) -> None:
    stub = model_pb2_grpc.ModelServiceStub(v1_channel)
    before = v1.get("/metrics").body.decode()
    stub.Score(model_pb2.ScoreRequest(text="I love this"), timeout=T)
    with pytest.raises(grpc.RpcError):
        stub.Score(model_pb2.ScoreRequest(text=""), timeout=T)
    accuracy = stub.Describe(model_pb2.DescribeRequest(), timeout=T).evaluation.accuracy
    after = v1.get("/metrics").body.decode()

    rpc = {"grpc_service": MODEL_SERVICE, "grpc_method": "Score"}
    ok_before = (
        metric(before, "grpc_server_handled_total", **rpc, grpc_code="OK")
        if ('grpc_code="OK"' in before)
        else 0.0
    )
    assert metric(after, "grpc_server_handled_total", **rpc, grpc_code="OK") == ok_before + 1
    assert metric(after, "grpc_server_handled_total", **rpc, grpc_code="INVALID_ARGUMENT") >= 1
    assert metric(after, "grpc_server_handling_seconds_count", **rpc, grpc_code="OK") >= 1
    positive = {"model": "v1", "label": "positive"}
    assert (
        metric(after, "fig_model_predictions_total", **positive)
        == metric(before, "fig_model_predictions_total", **positive) + 1
    )
    assert metric(after, "fig_model_predictions_total", model="v1", label="negative") >= 0
    assert metric(after, "fig_model_evaluation_accuracy", model="v1") == accuracy
    assert metric(after, "fig_build_info", service="model-svc", version="v1") == 1
    assert metric(after, "process_resident_memory_bytes") > 0


def test_metrics_pass_promtool_check(v1: ModelSvc, v1_channel: grpc.Channel) -> None:
    assert shutil.which("promtool"), "promtool missing: .ci/run installs Debian's prometheus"
    model_pb2_grpc.ModelServiceStub(v1_channel).Score(model_pb2.ScoreRequest(text="ok"), timeout=T)
    body = v1.get("/metrics").body
    check = subprocess.run(
        ["promtool", "check", "metrics"],  # noqa: S607 (installed by .ci/run, found on PATH)
        input=body,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert (check.returncode, check.stdout + check.stderr) == (0, b"")
