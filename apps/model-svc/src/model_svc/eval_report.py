"""`npm run eval:sentiment`: every implementation's accuracy side by side on the one
evaluation set, and the parity between the TypeScript and Python models per version.

The TypeScript side comes from libs/sentiment's eval CLI (`--predictions`), so
both languages are measured on the same file in the same run. Exits 1 when v2
does not beat v1 in either language.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from model_svc.config import MODEL_VERSIONS
from model_svc.evaluation import EVALUATION_SET, Example, load_examples
from model_svc.models import Sentiment, create_model

ROOT = EVALUATION_SET.parents[3]
TS_CLI = ROOT / "dist/libs/sentiment/eval-cli.js"
# Scores are rounded to 4 decimals in both languages; anything closer is equal.
SCORE_EPSILON = 0.00005


@dataclass(frozen=True)
class Prediction:
    label: str
    score: float


def python_predictions(examples: list[Example]) -> dict[str, list[Prediction]]:
    result: dict[str, list[Prediction]] = {}
    for version in MODEL_VERSIONS:
        model = create_model(version)
        scored: list[Sentiment] = [model.score(e.text) for e in examples]
        result[version] = [Prediction(s.label, s.score) for s in scored]
    return result


def typescript_predictions(cli: Path = TS_CLI) -> dict[str, list[Prediction]]:
    run = subprocess.run(  # noqa: S603 (our own CLI, no outside input)
        ["node", str(cli), "--predictions"],  # noqa: S607 (node from PATH, as npm runs us)
        capture_output=True,
        check=True,
        timeout=120,
    )
    raw = json.loads(run.stdout)
    return {v: [Prediction(p["label"], float(p["score"])) for p in raw[v]] for v in raw}


def percent(fraction: float) -> str:
    return f"{fraction * 100:.1f}%"


def main() -> int:
    examples = load_examples()
    by_language = {"TypeScript": typescript_predictions(), "Python": python_predictions(examples)}
    print(f"evaluation set: {EVALUATION_SET.relative_to(ROOT)} ({len(examples)} examples)\n")
    print(f"{'implementation':<16}{'model':<7}{'correct':>8}{'accuracy':>10}")
    accuracy: dict[tuple[str, str], float] = {}
    for language, predictions in by_language.items():
        for version in MODEL_VERSIONS:
            correct = sum(
                1 for e, p in zip(examples, predictions[version], strict=True) if p.label == e.label
            )
            accuracy[language, version] = correct / len(examples)
            print(
                f"{language:<16}{version:<7}{correct:>8}{percent(accuracy[language, version]):>10}"
            )

    print("\nparity, TypeScript vs Python, per version:")
    for version in MODEL_VERSIONS:
        ts, py = by_language["TypeScript"][version], by_language["Python"][version]
        pairs = list(zip(examples, ts, py, strict=True))
        labels = [x for x in pairs if x[1].label != x[2].label]
        scores = [x for x in pairs if abs(x[1].score - x[2].score) > SCORE_EPSILON]
        largest = max((abs(t.score - p.score) for _, t, p in pairs), default=0.0)
        print(
            f"  {version}: {len(labels)} label and {len(scores)} score differences"
            f" in {len(pairs)} examples (largest |score difference| {largest:.4f})"
        )
        for example, t, p in scores:
            print(
                f"    {example.text!r}: TypeScript {t.score:+.4f} {t.label},"
                f" Python {p.score:+.4f} {p.label}"
            )

    failed = [lang for lang in by_language if accuracy[lang, "v2"] <= accuracy[lang, "v1"]]
    if failed:
        print(f"v2 does not beat v1 in: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
