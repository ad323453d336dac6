"""fig.model.v1.ModelService over one SentimentModel."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import grpc

from fig.model.v1 import model_pb2, model_pb2_grpc
from model_svc.evaluation import Evaluation
from model_svc.metrics import Metrics
from model_svc.models import Sentiment, SentimentModel
from model_svc.status import to_grpc_status
from model_svc.validation import AppError, valid_text, valid_texts

SERVICE_NAME = model_pb2.DESCRIPTOR.services_by_name["ModelService"].full_name

_LABELS = {
    "positive": model_pb2.SENTIMENT_LABEL_POSITIVE,
    "neutral": model_pb2.SENTIMENT_LABEL_NEUTRAL,
    "negative": model_pb2.SENTIMENT_LABEL_NEGATIVE,
}

Req = TypeVar("Req")
Res = TypeVar("Res")


class ModelService(model_pb2_grpc.ModelServiceServicer):
    def __init__(
        self,
        *,
        model: SentimentModel,
        evaluation: Evaluation,
        metrics: Metrics,
        logger: logging.Logger,
    ) -> None:
        self._model = model
        self._evaluation = evaluation
        self._metrics = metrics
        self._logger = logger

    def _score(self, text: str) -> model_pb2.Sentiment:
        sentiment: Sentiment = self._model.score(text)
        self._metrics.count(sentiment)
        return model_pb2.Sentiment(
            label=_LABELS[sentiment.label], score=sentiment.score, model=sentiment.model
        )

    def _unary(
        self,
        method: str,
        request: Req,
        context: grpc.ServicerContext,
        handle: Callable[[Req], Res],
    ) -> Res:
        """Common behaviour of every call, as in store-svc's rpc.ts: work whose
        deadline has passed is not started; AppErrors become coded statuses with
        details; anything else is logged and answered INTERNAL; every call is
        counted and timed."""
        done = self._metrics.start_rpc(SERVICE_NAME, method)
        remaining = context.time_remaining()
        if not context.is_active() or (remaining is not None and remaining <= 0):
            done("DEADLINE_EXCEEDED")
            context.abort(
                grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline passed before the call was started"
            )
        try:
            response = handle(request)
        except AppError as error:
            status = to_grpc_status(error)
            self._logger.debug(
                "request rejected",
                extra={
                    "method": method,
                    "code": error.code,
                    "fields": [f.field for f in error.fields],
                },
            )
            done(status.code.name)
            context.abort_with_status(status)
        except Exception:
            self._logger.exception("unhandled error in RPC", extra={"method": method})
            status = to_grpc_status(AppError("INTERNAL", "Something went wrong on our side"))
            done(status.code.name)
            context.abort_with_status(status)
        done("OK")
        return response

    def Score(  # noqa: N802 (the generated servicer's method names)
        self, request: model_pb2.ScoreRequest, context: grpc.ServicerContext
    ) -> model_pb2.ScoreResponse:
        return self._unary(
            "Score",
            request,
            context,
            lambda r: model_pb2.ScoreResponse(sentiment=self._score(valid_text(r.text))),
        )

    def ScoreBatch(  # noqa: N802
        self, request: model_pb2.ScoreBatchRequest, context: grpc.ServicerContext
    ) -> model_pb2.ScoreBatchResponse:
        return self._unary(
            "ScoreBatch",
            request,
            context,
            lambda r: model_pb2.ScoreBatchResponse(
                sentiments=[self._score(t) for t in valid_texts(list(r.texts))]
            ),
        )

    def Describe(  # noqa: N802
        self, request: model_pb2.DescribeRequest, context: grpc.ServicerContext
    ) -> model_pb2.DescribeResponse:
        evaluation = self._evaluation
        return self._unary(
            "Describe",
            request,
            context,
            lambda _: model_pb2.DescribeResponse(
                model=self._model.version,
                name=self._model.name,
                implementation=self._model.implementation,
                evaluation=model_pb2.Evaluation(
                    total=evaluation.total,
                    correct=evaluation.correct,
                    accuracy=evaluation.accuracy,
                ),
            ),
        )
