"""Settings read once from the environment, typed, with every problem reported at once."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar, cast

ModelVersion = Literal["v1", "v2"]
LogLevel = Literal["fatal", "error", "warn", "info", "debug", "trace", "silent"]

MODEL_VERSIONS: tuple[ModelVersion, ...] = ("v1", "v2")
LOG_LEVELS: tuple[LogLevel, ...] = ("fatal", "error", "warn", "info", "debug", "trace", "silent")


class ConfigError(Exception):
    """Raised at start-up when the environment does not satisfy the settings."""

    def __init__(self, problems: list[str]) -> None:
        # The same shape as the TypeScript services' message (libs/config).
        super().__init__("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    bind_address: str
    port: int
    ops_port: int
    model_version: ModelVersion
    app_version: str
    pod_name: str
    log_level: LogLevel
    shutdown_delay_ms: int
    shutdown_timeout_ms: int


T = TypeVar("T")


def _port(raw: str) -> int:
    if not re.fullmatch(r"\d+", raw):
        raise ValueError("must be a whole number")
    value = int(raw)
    if value > 65535:
        raise ValueError("must be 0-65535")
    return value


def _bind_address(raw: str) -> str:
    """An IP address or a host name, as the TypeScript services take it (libs/config)."""
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        pass
    label = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    if re.fullmatch(rf"{label}(?:\.{label})*", raw) and len(raw) <= 253:
        return raw
    raise ValueError("must be an IP address or a host name")


def _duration_ms(raw: str) -> int:
    if not re.fullmatch(r"\d+", raw):
        raise ValueError("must be a whole number of milliseconds")
    return int(raw)


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError("must be one of " + ", ".join(choices))
        return raw

    return parse


def _app_version(raw: str) -> str:
    if not re.fullmatch(r"v\d+(\.\d+){0,2}", raw):
        raise ValueError("must look like v1, v2.1 or v3.0.2")
    return raw


def _non_empty(raw: str) -> str:
    if not raw:
        raise ValueError("must not be empty")
    return raw


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Parses the environment (default os.environ); ConfigError names every bad variable."""
    source: Mapping[str, str] = os.environ if env is None else env
    problems: list[str] = []

    def read(name: str, parse: Callable[[str], T], default: str) -> T:
        raw = source.get(name)
        try:
            return parse(default if raw is None else raw)
        except ValueError as error:
            problems.append(f'{name}: {error} (got "{raw}")')
            return parse(default)

    settings = Settings(
        # npm start binds loopback (ADR 0107); a container binds every address.
        bind_address=read("BIND_ADDRESS", _bind_address, "0.0.0.0"),
        port=read("PORT", _port, "50052"),
        ops_port=read("OPS_PORT", _port, "9084"),
        model_version=cast(ModelVersion, read("MODEL_VERSION", _one_of(MODEL_VERSIONS), "v1")),
        app_version=read("APP_VERSION", _app_version, "v1"),
        pod_name=read("POD_NAME", _non_empty, "local"),
        log_level=cast(LogLevel, read("LOG_LEVEL", _one_of(LOG_LEVELS), "info")),
        shutdown_delay_ms=read("SHUTDOWN_DELAY_MS", _duration_ms, "5000"),
        shutdown_timeout_ms=read("SHUTDOWN_TIMEOUT_MS", _duration_ms, "10000"),
    )
    if problems:
        raise ConfigError(problems)
    return settings
