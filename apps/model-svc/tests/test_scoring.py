"""Score, ScoreBatch and Describe, over gRPC against the running service, for each model version."""

from __future__ import annotations

from fig.model.v1 import model_pb2, model_pb2_grpc
from tests.harness import ModelSvc

T = 5  # seconds; every call has a deadline so nothing can hang
POSITIVE = model_pb2.SENTIMENT_LABEL_POSITIVE
NEUTRAL = model_pb2.SENTIMENT_LABEL_NEUTRAL
NEGATIVE = model_pb2.SENTIMENT_LABEL_NEGATIVE


def score(stub: model_pb2_grpc.ModelServiceStub, text: str) -> model_pb2.Sentiment:
    return stub.Score(model_pb2.ScoreRequest(text=text), timeout=T).sentiment


def test_labels_clear_texts_and_names_the_version_that_scored(
    stub: model_pb2_grpc.ModelServiceStub, svc: ModelSvc
) -> None:
    describe = stub.Describe(model_pb2.DescribeRequest(), timeout=T)
    good = score(stub, "What a wonderful, lovely day")
    bad = score(stub, "Terrible, awful service")
    plain = score(stub, "We came by train")
    assert (good.label, bad.label, plain.label) == (POSITIVE, NEGATIVE, NEUTRAL)
    assert 0.05 <= good.score <= 1
    assert -1 <= bad.score <= -0.05
    assert plain.score == 0
    assert {good.model, bad.model, plain.model} == {describe.model}


def test_scores_the_trimmed_text_rounded_to_four_decimals(
    stub: model_pb2_grpc.ModelServiceStub,
) -> None:
    padded = score(stub, "  \u00a0 great fun\t ")
    assert padded == score(stub, "great fun")
    assert round(padded.score, 4) == padded.score


def test_v2_reads_negation_and_v1_does_not(stub: model_pb2_grpc.ModelServiceStub) -> None:
    sentiment = score(stub, "I didn't enjoy the tour at all.")
    # v1 (AFINN) has no negation rule by design; v2 (VADER) has.
    assert sentiment.label == (POSITIVE if sentiment.model == "v1" else NEGATIVE)


def test_a_batch_answers_in_order_exactly_as_single_calls(
    stub: model_pb2_grpc.ModelServiceStub,
) -> None:
    texts = ["I love it", "I hate it", "It is a chair", " so much fun "]
    batch = stub.ScoreBatch(model_pb2.ScoreBatchRequest(texts=texts), timeout=T)
    assert list(batch.sentiments) == [score(stub, t) for t in texts]


def test_describe_names_the_model_and_its_accuracy_on_the_shared_set(
    stub: model_pb2_grpc.ModelServiceStub,
) -> None:
    d = stub.Describe(model_pb2.DescribeRequest(), timeout=T)
    expected = {"v1": ("AFINN-165", "afinn "), "v2": ("VADER", "vaderSentiment ")}[d.model]
    assert d.name == expected[0]
    assert d.implementation.startswith(expected[1])
    assert d.implementation.endswith("(Python)")
    # The evaluation set is libs/sentiment's file (156 examples when this was written).
    assert d.evaluation.total >= 100
    assert 0 < d.evaluation.correct <= d.evaluation.total
    assert d.evaluation.accuracy == d.evaluation.correct / d.evaluation.total
