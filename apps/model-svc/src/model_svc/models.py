"""The two model versions, scored and labelled by the same rules as libs/sentiment."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from typing import Literal

from afinn import Afinn
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from model_svc.config import ModelVersion

Label = Literal["positive", "neutral", "negative"]
LABELS: tuple[Label, ...] = ("positive", "neutral", "negative")

# VADER's recommended cut-offs for its compound score; v1 uses them too, exactly
# as libs/sentiment/src/sentiment.ts does.
POSITIVE_FROM = 0.05
NEGATIVE_FROM = -0.05
# libs/sentiment's AFINN smoothing: sum / sqrt(sum^2 + 15), VADER's normalisation.
ALPHA = 15


@dataclass(frozen=True)
class Sentiment:
    label: Label
    score: float
    model: ModelVersion


def label_for(score: float) -> Label:
    if score >= POSITIVE_FROM:
        return "positive"
    if score <= NEGATIVE_FROM:
        return "negative"
    return "neutral"


def round_score(score: float) -> float:
    """Four decimals, halves rounded up like JavaScript's Math.round, and never -0."""
    # Python's round() rounds halves to even; that would disagree with the
    # TypeScript models on exact halves such as 0.12345.
    return math.floor(score * 10_000 + 0.5) / 10_000 + 0.0


def to_sentiment(score: float, model: ModelVersion) -> Sentiment:
    rounded = round_score(score)
    return Sentiment(label=label_for(rounded), score=rounded, model=model)


@dataclass(frozen=True)
class SentimentModel:
    version: ModelVersion
    #: The lexicon or model, as Describe names it.
    name: str
    #: The package doing the work and its version.
    implementation: str
    score: Callable[[str], Sentiment]


def afinn_model() -> SentimentModel:
    """v1: the AFINN-165 word list (afinn's "en"), no negation or intensifier rules."""
    afinn = Afinn(language="en")

    def score(text: str) -> Sentiment:
        # A typographic apostrophe (U+2019) is an apostrophe ("can\u2019t stand" is -3), as
        # libs/sentiment's tokenizer reads it; afinn's word list has only "'".
        total = afinn.score(text.replace("\u2019", "'"))
        return to_sentiment(total / math.sqrt(total * total + ALPHA), "v1")

    return SentimentModel("v1", "AFINN-165", f"afinn {version('afinn')} (Python)", score)


def vader_model() -> SentimentModel:
    """v2: the original VADER, compound score as is."""
    analyzer = SentimentIntensityAnalyzer()

    def score(text: str) -> Sentiment:
        return to_sentiment(analyzer.polarity_scores(text)["compound"], "v2")

    return SentimentModel(
        "v2", "VADER", f"vaderSentiment {version('vaderSentiment')} (Python)", score
    )


def create_model(model_version: ModelVersion) -> SentimentModel:
    return afinn_model() if model_version == "v1" else vader_model()
