"""The ops port: /livez, /readyz and /metrics, on a port of their own as in every Fig service."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


class OpsServer:
    def __init__(
        self,
        *,
        registry: CollectorRegistry,
        is_draining: Callable[[], bool],
        is_serving: Callable[[], bool],
    ) -> None:
        self._registry = registry
        self._is_draining = is_draining
        self._is_serving = is_serving
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def readiness(self) -> tuple[int, dict[str, Any]]:
        """The same report shape as libs/health's runChecks."""
        serving = self._is_serving()
        checks = {"model": {"ok": serving, "critical": True, "ms": 0}}
        if self._is_draining():
            return 503, {"status": "draining", "checks": checks}
        return (
            (200, {"status": "ready", "checks": checks})
            if serving
            else (
                503,
                {"status": "not-ready", "checks": checks},
            )
        )

    def listen(self, port: int, host: str = "0.0.0.0") -> int:
        ops = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, status: int, body: object) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("cache-control", "no-store")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/livez":
                    return self._json(200, {"status": "alive"})
                if path == "/readyz":
                    return self._json(*ops.readiness())
                if path == "/metrics":
                    payload = generate_latest(ops._registry)
                    self.send_response(200)
                    self.send_header("content-type", CONTENT_TYPE_LATEST)
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                    return None
                return self._json(404, {"error": {"code": "NOT_FOUND", "message": "No such route"}})

            do_HEAD = do_GET  # noqa: N815

            def _refuse(self) -> None:
                self._json(405, {"error": {"code": "METHOD_NOT_ALLOWED", "message": "Use GET"}})

            do_POST = do_PUT = do_DELETE = do_PATCH = _refuse  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Probes and scrapes are not logged (they would bury everything else)."""

        server_class = ThreadingHTTPServer
        if ":" in host:  # an IPv6 address needs an IPv6 socket

            class ServerV6(ThreadingHTTPServer):
                address_family = socket.AF_INET6

            server_class = ServerV6
        self._httpd = server_class((host, port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="ops", daemon=True)
        self._thread.start()
        return int(self._httpd.server_address[1])

    def close(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
