"""model-svc's composition root: parse settings, build everything, listen, wait for a signal."""

from __future__ import annotations

import os
import sys
import threading
import traceback

from model_svc.config import ConfigError, Settings, load_settings
from model_svc.evaluation import evaluate, load_examples
from model_svc.lifecycle import Lifecycle, Signals
from model_svc.logs import create_logger
from model_svc.metrics import Metrics
from model_svc.models import create_model
from model_svc.ops import OpsServer
from model_svc.server import ModelServer
from model_svc.service import ModelService
from model_svc.telemetry import start_tracing, tracing_interceptor

SERVICE = "model-svc"


def run(settings: Settings) -> None:
    logger = create_logger(
        service=SERVICE,
        version=settings.app_version,
        pod=settings.pod_name,
        level=settings.log_level,
    )

    def crash(args: threading.ExceptHookArgs) -> None:
        # Nothing limps on after an unexpected error: log it and let the orchestrator restart us.
        logger.critical(
            "uncaught exception in a thread",
            exc_info=(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback),
        )
        os._exit(1)

    threading.excepthook = crash
    signals = Signals(logger)
    provider = start_tracing(service=SERVICE, version=settings.app_version)

    model = create_model(settings.model_version)
    evaluation = evaluate(model, load_examples())
    metrics = Metrics(service=SERVICE, version=settings.app_version, model=model.version)
    metrics.set_accuracy(evaluation.accuracy)

    service = ModelService(model=model, evaluation=evaluation, metrics=metrics, logger=logger)
    server = ModelServer(
        service,
        interceptors=[tracing_interceptor(provider)] if provider else [],
        logger=logger,
    )
    lifecycle = Lifecycle(
        logger=logger,
        delay_ms=settings.shutdown_delay_ms,
        timeout_ms=settings.shutdown_timeout_ms,
    )
    ops = OpsServer(
        registry=metrics.registry,
        is_draining=lambda: lifecycle.draining,
        is_serving=lambda: True,
    )
    port = server.listen(settings.port, settings.bind_address)
    ops_port = ops.listen(settings.ops_port, settings.bind_address)

    lifecycle.on_drain("grpc health", server.drain).add_server("grpc", server.stop)
    if provider is not None:
        lifecycle.add_cleanup("telemetry", provider.shutdown)
    lifecycle.add_cleanup("ops", ops.close)
    logger.info(
        "model-svc listening",
        extra={
            "port": port,
            "opsPort": ops_port,
            "model": model.version,
            "implementation": model.implementation,
            "accuracy": round(evaluation.accuracy, 4),
        },
    )
    signals.wait_then_shut_down(lifecycle)


def main() -> None:
    try:
        settings = load_settings()
    except ConfigError as error:
        sys.stderr.write(f"{error}\n")
        sys.exit(1)
    try:
        run(settings)
    except Exception:
        sys.stderr.write(traceback.format_exc())
        sys.exit(1)
    sys.exit(0)
