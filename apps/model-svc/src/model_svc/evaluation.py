"""Fig's labelled evaluation set: one file, read by the TypeScript and the Python models."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from model_svc.models import LABELS, Label, SentimentModel

# libs/sentiment owns the file; the image keeps it at the same place relative
# to the service's sources, so this path holds in the repository and in the image.
EVALUATION_SET = Path(__file__).resolve().parents[4] / "libs/sentiment/src/evaluation-set.json"


@dataclass(frozen=True)
class Example:
    text: str
    label: Label


@dataclass(frozen=True)
class Evaluation:
    total: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def load_examples(path: Path = EVALUATION_SET) -> list[Example]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    examples: list[Example] = []
    for i, item in enumerate(raw):
        label = item["label"]
        # A typo in a hand-edited label must fail loudly, not count as a miss.
        if label not in LABELS:
            raise ValueError(f'{path.name}[{i}]: unknown label "{label}"')
        examples.append(Example(text=str(item["text"]), label=cast(Label, label)))
    return examples


def evaluate(model: SentimentModel, examples: list[Example]) -> Evaluation:
    correct = sum(1 for e in examples if model.score(e.text).label == e.label)
    return Evaluation(total=len(examples), correct=correct)
