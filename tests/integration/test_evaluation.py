"""The held-out evaluation set meets its targets against the real running assistant."""

from __future__ import annotations

import pytest

from scripts.evaluate import evaluate, load_questions
from scripts.serve import Stack

pytestmark = pytest.mark.integration


def test_held_out_questions_meet_the_targets(stack: Stack) -> None:
    questions = load_questions()
    assert len(questions) >= 150
    report = evaluate(stack.rasa_url, stack.token, questions)
    print(report.summary())
    assert report.urgent_recall == 1.0, report.misses
    assert report.false_urgent == 0, report.misses
    assert report.hit_rate >= 0.90, report.misses
