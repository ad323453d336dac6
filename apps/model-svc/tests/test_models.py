"""The models' scoring and labelling rules, which must match libs/sentiment's to the digit."""

from __future__ import annotations

import pytest

from model_svc.models import create_model, label_for, round_score


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (0.05, "positive"),
        (0.0499, "neutral"),
        (0, "neutral"),
        (-0.0499, "neutral"),
        (-0.05, "negative"),
    ],
)
def test_labels_use_vaders_cut_offs_for_both_versions(score: float, label: str) -> None:
    assert label_for(score) == label


def test_scores_round_halves_up_like_javascript_and_never_to_minus_zero() -> None:
    # Python's round() would give 0.1234 (half to even); Math.round gives 0.1235.
    assert round_score(0.12345) == 0.1235
    assert round_score(-0.12345) == -0.1234
    assert str(round_score(-0.00001)) == "0.0"


def test_v1_reads_a_typographic_apostrophe_as_an_apostrophe() -> None:
    v1 = create_model("v1")
    assert v1.score("can\u2019t stand it") == v1.score("can't stand it")
    assert v1.score("can\u2019t stand it").label == "negative"
