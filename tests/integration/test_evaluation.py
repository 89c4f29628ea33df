"""The held-out evaluation set meets its targets against the real running assistant."""

from __future__ import annotations

import pytest

from scripts.eval_categories import DEV_SET, evaluate_items, load_items
from scripts.evaluate import evaluate, load_questions
from scripts.serve import Stack

pytestmark = pytest.mark.integration


def test_held_out_questions_meet_the_targets(stack: Stack) -> None:
    questions = load_questions()
    assert len(questions) >= 150
    report = evaluate(stack.rasa_url, stack.token, questions)
    print(report.summary())
    assert report.urgent_recall == 1.0, report.misses
    # the full urgent answer on at most 1 % of the calm questions (the understanding
    # issue's target; the "possibly acute" line is not counted here)
    calm = sum(not q.urgent for q in questions)
    assert report.false_urgent <= 0.01 * calm, report.misses
    # 0.908 before issue 12; 0.84 after it (2026-12-06): the catalogue's archive offers
    # (12 workshops, trainings and networks of 2018-2021, 69 expected ids here) can no
    # longer be recommended, current entries rank above archive reading, and eight new
    # topics share the questions. The labels follow the catalogue (relabelled from the
    # question texts alone); the margin keeps the test from flapping.
    assert report.hit_rate >= 0.80, report.misses


def test_blind_development_set_meets_the_targets_by_category(stack: Stack) -> None:
    """The dev half of the blind set (the sealed half is scored only by hand, at the start
    and the end of a piece of work). Margins below the measured figures keep it from
    flapping; acute recall has none: every emergency must get 112 first."""
    items = load_items(DEV_SET)
    assert len(items) >= 250
    report = evaluate_items(stack.rasa_url, stack.token, items)
    print(report.summary(misses=True))
    figures = report.figures()
    assert figures["acute_recall"] == 1.0, report.categories["acute"].misses
    assert figures["routing_top3"] >= 0.86
    assert figures["human"] >= 0.85
    assert figures["out_of_scope"] >= 0.9
    assert figures["suicidal_113"] >= 0.9
    assert figures["line_113_calm"] <= 0.08
    assert figures["full_alarm_calm"] <= 0.02
    assert figures["possible_alarm_calm"] <= 0.08
