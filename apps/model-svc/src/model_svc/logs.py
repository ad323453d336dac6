"""JSON log lines shaped like the TypeScript services' pino output, with trace and span ids."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

TRACE = 5
_LEVELS = {
    "fatal": logging.CRITICAL,
    "error": logging.ERROR,
    "warn": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": TRACE,
    "silent": logging.CRITICAL + 10,
}
# pino's level labels, so one log query reads every service.
_LABELS = {
    logging.CRITICAL: "fatal",
    logging.ERROR: "error",
    logging.WARNING: "warn",
    logging.INFO: "info",
    logging.DEBUG: "debug",
    TRACE: "trace",
}
# Attributes every LogRecord has; anything else came in through `extra=`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def __init__(self, base: dict[str, str]) -> None:
        super().__init__()
        self._base = base

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "level": _LABELS.get(record.levelno, record.levelname.lower()),
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")[
                :-6
            ]
            + "Z",
            **self._base,
        }
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            line["trace_id"] = trace.format_trace_id(context.trace_id)
            line["span_id"] = trace.format_span_id(context.span_id)
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line["err"] = {
                "type": type(error).__name__,
                "message": str(error),
                "stack": self.formatException(record.exc_info),
            }
        line["msg"] = record.getMessage()
        return json.dumps(line, default=str, separators=(",", ":"), ensure_ascii=False)


def create_logger(*, service: str, version: str, pod: str, level: str) -> logging.Logger:
    logger = logging.getLogger(service)
    logger.handlers.clear()
    logger.propagate = False
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter({"service": service, "version": version, "pod": pod}))
    logger.addHandler(handler)
    logger.setLevel(_LEVELS[level])
    return logger
