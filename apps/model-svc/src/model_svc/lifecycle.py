"""The shutdown sequence of every Fig service (docs/adr/0003), as in libs/health."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType


class Lifecycle:
    """readiness fails and drain hooks run (gRPC health NOT_SERVING) -> wait
    SHUTDOWN_DELAY_MS while still serving -> stop accepting and finish in-flight
    calls within SHUTDOWN_TIMEOUT_MS -> cleanups (telemetry flush, ops port) in
    the order registered. Liveness stays green throughout."""

    def __init__(self, *, logger: logging.Logger, delay_ms: int, timeout_ms: int) -> None:
        self._logger = logger
        self._delay_ms = delay_ms
        self._timeout_ms = timeout_ms
        self._draining = threading.Event()
        self._drain_hooks: list[tuple[str, Callable[[], object]]] = []
        self._servers: list[tuple[str, Callable[[float], object]]] = []
        self._cleanups: list[tuple[str, Callable[[], object]]] = []

    @property
    def draining(self) -> bool:
        return self._draining.is_set()

    def on_drain(self, name: str, run: Callable[[], object]) -> Lifecycle:
        self._drain_hooks.append((name, run))
        return self

    def add_server(self, name: str, stop: Callable[[float], object]) -> Lifecycle:
        """`stop(budget_s)` refuses new work and returns once in-flight work is done or cut."""
        self._servers.append((name, stop))
        return self

    def add_cleanup(self, name: str, run: Callable[[], object]) -> Lifecycle:
        self._cleanups.append((name, run))
        return self

    def shutdown(self, reason: str) -> None:
        log = self._logger
        self._draining.set()
        log.info(
            "shutdown: readiness now failing",
            extra={"reason": reason, "delayMs": self._delay_ms, "timeoutMs": self._timeout_ms},
        )
        for name, hook in self._drain_hooks:
            self._safely("drain hook", name, hook)
        time.sleep(self._delay_ms / 1000)
        log.info("shutdown: no longer accepting, draining in-flight work")
        budget_s = self._timeout_ms / 1000
        stoppers = [
            threading.Thread(target=self._safely, args=("server", name, lambda s=stop: s(budget_s)))
            for name, stop in self._servers
        ]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()
        for name, cleanup in self._cleanups:
            self._safely("cleanup", name, cleanup)
        log.info("shutdown: done")

    def _safely(self, kind: str, name: str, run: Callable[[], object]) -> None:
        try:
            run()
        except Exception:
            self._logger.exception(f"shutdown: {kind} failed", extra={"step": name})


class Signals:
    """SIGTERM and SIGINT, caught from construction on (so a signal sent while the
    service starts is not lost): the first starts the shutdown, a second exits
    at once with 130."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._received: list[str] = []
        self._signalled = threading.Event()
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self._received:
            self._logger.warning("second signal: exiting now", extra={"signal": name})
            os._exit(130)
        self._received.append(name)
        self._signalled.set()

    def wait_then_shut_down(self, lifecycle: Lifecycle) -> None:
        # Short waits: the main thread runs signal handlers only between them.
        while not self._signalled.wait(0.2):
            pass
        lifecycle.shutdown(self._received[0])
