"""model-svc's own verdict on an environment, for the manifest tests (ADR 0105, 0114).

Reads {"env": {...}} as JSON on stdin and calls the service's load_settings
with it, through a mapping that records every variable the code asks for, so
the tests learn the variable names from the code itself. Prints JSON:
keys (every variable read), required (those an empty environment is refused
for), values (the parsed settings by variable name) or problems.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator, Mapping

from model_svc.config import ConfigError, load_settings


class Recording(Mapping[str, str]):
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.read: list[str] = []

    def __getitem__(self, key: str) -> str:
        if key not in self.read:
            self.read.append(key)
        return self.env[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.env)

    def __len__(self) -> int:
        return len(self.env)


def problem_names(error: ConfigError) -> list[str]:
    return [p.split(":", 1)[0] for p in error.problems]


def main() -> None:
    env = Recording(json.load(sys.stdin)["env"])
    try:
        settings = load_settings(env)
        values = {k.upper(): v for k, v in dataclasses.asdict(settings).items()}
        problems: list[str] = []
    except ConfigError as error:
        values, problems = {}, error.problems
    try:
        load_settings({})
        required: list[str] = []
    except ConfigError as error:
        required = problem_names(error)
    json.dump({"keys": env.read, "required": required, "values": values, "problems": problems}, sys.stdout)


main()
