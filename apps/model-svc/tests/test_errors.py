"""Bad requests: INVALID_ARGUMENT with ErrorInfo and BadRequest details, as the store answers."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from fig.model.v1 import model_pb2, model_pb2_grpc
from tests.harness import ModelSvc

T = 5


@pytest.fixture(scope="module")
def stub1(v1: ModelSvc) -> model_pb2_grpc.ModelServiceStub:
    return model_pb2_grpc.ModelServiceStub(v1.channel())


def failure(
    call: object,
) -> tuple[grpc.RpcError, list[tuple[str, str]], error_details_pb2.ErrorInfo]:
    """Runs a call that must fail: the error, its (field, reason) violations, its ErrorInfo."""
    with pytest.raises(grpc.RpcError) as raised:
        call()  # type: ignore[operator]
    error = raised.value
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None, "no grpc-status-details-bin trailer"
    info = error_details_pb2.ErrorInfo()
    violations: list[tuple[str, str]] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            detail.Unpack(info)
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violations += [(v.field, v.reason) for v in bad.field_violations]
    return error, violations, info


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "REQUIRED"),
        (" \t\u3000 ", "REQUIRED"),
        ("x" * 281, "TOO_LONG"),
        ("line\nbreak", "CONTROL_CHARACTERS"),
        ("bell\u0007", "CONTROL_CHARACTERS"),
    ],
)
def test_a_bad_text_is_invalid_argument_naming_the_field(
    stub1: model_pb2_grpc.ModelServiceStub, text: str, reason: str
) -> None:
    error, violations, info = failure(
        lambda: stub1.Score(model_pb2.ScoreRequest(text=text), timeout=T)
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations == [("text", reason)]
    assert (info.reason, info.domain) == ("VALIDATION_FAILED", "model.fig.dev")
    assert info.metadata["message"].startswith("text ")


def test_length_is_counted_in_code_points_as_people_count(
    stub1: model_pb2_grpc.ModelServiceStub,
) -> None:
    # 280 emoji are 560 UTF-16 units and 1120 bytes, but 280 characters.
    sentiment = stub1.Score(model_pb2.ScoreRequest(text="\U0001f600" * 280), timeout=T).sentiment
    assert sentiment.model == "v1"


def test_a_batch_reports_every_bad_text_by_index_at_once(
    stub1: model_pb2_grpc.ModelServiceStub,
) -> None:
    texts = ["fine", "", "ok", "x" * 281]
    error, violations, _ = failure(
        lambda: stub1.ScoreBatch(model_pb2.ScoreBatchRequest(texts=texts), timeout=T)
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations == [("texts[1]", "REQUIRED"), ("texts[3]", "TOO_LONG")]
    assert "texts[1]" in (error.details() or "")


@pytest.mark.parametrize(("count", "reason"), [(0, "REQUIRED"), (65, "TOO_MANY")])
def test_a_batch_holds_one_to_sixty_four_texts(
    stub1: model_pb2_grpc.ModelServiceStub, count: int, reason: str
) -> None:
    request = model_pb2.ScoreBatchRequest(texts=["good"] * count)
    _, violations, _ = failure(lambda: stub1.ScoreBatch(request, timeout=T))
    assert violations == [("texts", reason)]
    assert (
        len(
            stub1.ScoreBatch(model_pb2.ScoreBatchRequest(texts=["good"] * 64), timeout=T).sentiments
        )
        == 64
    )
