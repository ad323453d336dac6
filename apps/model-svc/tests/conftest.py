"""Fixtures, and the per-project summary tools/test.mjs adds into npm test's closing line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from fig.model.v1 import model_pb2_grpc
from tests.harness import ModelSvc, start_model_svc

ROOT = Path(__file__).resolve().parents[3]
PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", params=["v1", "v2"])
def svc(request: pytest.FixtureRequest) -> Iterator[ModelSvc]:
    """One running model-svc per model version, shared by a module's tests."""
    running = start_model_svc(MODEL_VERSION=str(request.param))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def v1() -> Iterator[ModelSvc]:
    running = start_model_svc(MODEL_VERSION="v1")
    yield running
    running.stop()


@pytest.fixture
def stub(svc: ModelSvc) -> Iterator[model_pb2_grpc.ModelServiceStub]:
    with svc.channel() as channel:
        yield model_pb2_grpc.ModelServiceStub(channel)


@pytest.fixture
def v1_channel(v1: ModelSvc) -> Iterator[grpc.Channel]:
    with v1.channel() as channel:
        yield channel


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Writes {project, passed, failed, skipped} as tools/jest/summary-reporter.js does."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = getattr(reporter, "stats", {})
    summary = {
        "project": str(PROJECT.relative_to(ROOT)).replace("/", "-"),
        "passed": sum(1 for r in stats.get("passed", []) if r.when == "call"),
        # Errors in fixtures and collection count as failures, as a crashed
        # Jest suite does (numRuntimeErrorTestSuites).
        "failed": len(stats.get("failed", [])) + len(stats.get("error", [])),
        "skipped": len(stats.get("skipped", [])),
    }
    results = ROOT / "test-output" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{summary['project']}.json").write_text(json.dumps(summary))
