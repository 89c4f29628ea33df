"""Calibrate the acute-danger check's thresholds on the development set (never the sealed one).

For every item of ``tests/eval/dev.yml`` it computes what :meth:`DangerDetector.assess`
sees (the scores of the text, its sentences, the conversation window, the rules), then
prints the thresholds that reach recall 1.0 on acute items first (the "possibly acute"
line counts) and, under that, the fewest alarms on calm items:

    python -m scripts.calibrate_danger

Copy the printed ``thresholds:`` block into ``safety/acute_bank.yml``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.danger import DangerDetector, detector_for
from bot.safety import assess_acute
from bot.settings import PROJECT_ROOT
from scripts.eval_categories import DEV_SET, Item, load_items

FULL_ALARM_SHARE = 0.01
POSSIBLE_ALARM_SHARE = 0.05
SELF_HARM_LINE_SHARE = 0.03


@dataclass(frozen=True)
class Seen:
    """What the check sees of one item (its most alarming turn)."""

    item: Item
    score: float
    window: float
    rule: bool
    suicidal: float


def observe(detector: DangerDetector, item: Item) -> Seen:
    """Score every turn of an item with its previous turns, keep the highest."""
    score = window = suicidal = 0.0
    rule = False
    for k, turn in enumerate(item.turns):
        parts, joined = detector.units(turn, item.turns[max(0, k - 2) : k])
        scores = detector.score_texts([*parts, *([joined] if joined else [])])
        # sentences count for the full alarm only (see DangerDetector.assess)
        whole = scores[0][0]
        best = max(a for a, _ in scores[: len(parts)])
        score = max(score, best if best >= detector.thresholds.acute else whole)
        suicidal = max(suicidal, *(s for _, s in scores[: len(parts)]))
        if joined:
            window = max(window, scores[-1][0])
        rule = rule or assess_acute(turn).acute
    return Seen(item, score, window, rule, suicidal)


def _highest_allowed(values: Sequence[float], share: float) -> float:
    """Return the lowest threshold that lets at most ``share`` of ``values`` reach it."""
    ordered = sorted(values, reverse=True)
    allowed = int(share * len(ordered))
    return ordered[allowed] + 1e-3 if allowed < len(ordered) else 0.0


def main() -> int:
    """Print the score distributions and the thresholds they suggest."""
    detector = detector_for(PROJECT_ROOT)
    seen = [observe(detector, item) for item in load_items(DEV_SET)]
    acute = [s for s in seen if s.item.category == "acute"]
    thoughts = [s for s in seen if s.item.category == "suicidal_thoughts"]
    calm = [s for s in seen if s.item.category not in ("acute", "suicidal_thoughts")]
    full = _highest_allowed([max(s.score, s.window) for s in calm], FULL_ALARM_SHARE)
    needed = min(max(s.score, s.window) for s in acute if not s.rule) - 1e-3
    cap = _highest_allowed([max(s.score, s.window) for s in calm], POSSIBLE_ALARM_SHARE)
    rule_floor = max([s.score for s in calm if s.rule] + [0.0]) + 1e-3
    suicidal = min(s.suicidal for s in thoughts) - 1e-3
    print(
        f"acute items {len(acute)} (rules fire on {sum(s.rule for s in acute)}),"
        f" thoughts of suicide {len(thoughts)}, calm {len(calm)}"
    )
    print(
        f"possible threshold for recall 1.0: {needed:.3f}"
        f" (calm items at or above: {sum(max(s.score, s.window) >= needed for s in calm)};"
        f" the {POSSIBLE_ALARM_SHARE:.0%} cap would be {cap:.3f})"
    )
    print(
        f"full-alarm threshold for at most {FULL_ALARM_SHARE:.0%} calm: {full:.3f}"
        f" (acute items at or above: {sum(max(s.score, s.window) >= full for s in acute)})"
    )
    print(
        f"rule floor above every calm rule hit: {rule_floor:.3f}"
        f" (acute rule hits below it: {sum(s.rule and s.score < rule_floor for s in acute)})"
    )
    others = [s.suicidal for s in seen if s.item.category != "suicidal_thoughts"]
    print(
        f"suicidal threshold catching every thought item: {suicidal:.3f}"
        f" (other items at or above: {sum(o >= suicidal for o in others)})"
    )
    sparing = _highest_allowed(others, 0.02)
    print(
        f"suicidal threshold for at most 2% other items: {sparing:.3f}"
        f" (thought items caught: {sum(s.suicidal >= sparing for s in thoughts)}"
        f"/{len(thoughts)})"
    )
    # The 113 line: the lowest score that puts it above at most 3 % of the items that are
    # neither acute nor about suicide (the word list in safety/self_harm_terms.yml adds
    # to it); the thought items are not used to choose it.
    calm_only = [s.suicidal for s in calm]
    line = _highest_allowed(calm_only, SELF_HARM_LINE_SHARE)
    print(
        f"113-line threshold for at most {SELF_HARM_LINE_SHARE:.0%} calm items: {line:.3f}"
        f" (thought items reaching it: {sum(s.suicidal >= line for s in thoughts)}"
        f"/{len(thoughts)})"
    )
    print("lowest acute items:")
    for s in sorted(acute, key=lambda s: max(s.score, s.window))[:8]:
        print(f"  {max(s.score, s.window):.2f} rule={s.rule} {s.item.text[:110]!r}")
    print("highest calm items:")
    for s in sorted(calm, key=lambda s: -max(s.score, s.window))[:10]:
        print(
            f"  {max(s.score, s.window):.2f} rule={s.rule} {s.item.category} {s.item.text[:100]!r}"
        )
    print("thresholds:")
    print(f"  acute: {full:.3f}\n  window_acute: {full:.3f}\n  possible: {needed:.3f}")
    print(f"  rule_floor: {rule_floor:.3f}\n  suicidal: {max(suicidal, sparing):.3f}")
    print(f"  self_harm_line: {line:.3f}")
    print(f"  (median calm score {np.median([s.score for s in calm]):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
