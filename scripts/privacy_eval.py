"""Measure the redactor on the made-up messages in ``tests/privacy/messages.yml``.

    python -m scripts.privacy_eval [--verbose]

An item of personal data counts as caught when every significant word of it (three
or more letters or digits, not a small word such as "van" or "de") lies inside a
piece of text the redactor replaces. Recall is the share of planted items caught;
precision is the share of replaced pieces that overlap a planted item; the clean
messages hold no personal data, so everything replaced there is a false positive.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.datafiles import read_mapping
from bot.privacy import clear_cache, find, redact

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ROOT / "tests" / "privacy" / "messages.yml"
SMALL_WORDS = frozenset(
    {"van", "de", "der", "den", "het", "aan", "op", "en", "el", "al", "ter", "ten"}
)
_WORD = re.compile(r"[^\W_]{3,}|\d+")


@dataclass
class Result:
    """Figures for one group of messages."""

    planted: int = 0
    caught: int = 0
    spans: int = 0
    spans_on_planted: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # item, message, redacted
    false_positives: list[tuple[str, str]] = field(default_factory=list)  # text, message

    @property
    def recall(self) -> float:
        """Share of planted items caught."""
        return self.caught / self.planted if self.planted else 1.0

    @property
    def precision(self) -> float:
        """Share of replaced pieces that are planted personal data."""
        return self.spans_on_planted / self.spans if self.spans else 1.0


def load_messages(path: Path = MESSAGES) -> dict[str, Any]:
    """Read the evaluation set."""
    return dict(read_mapping(path, ValueError))


def significant_words(item: str, offset: int) -> list[tuple[int, int]]:
    """Character ranges of the words of ``item`` that must be covered."""
    return [
        (offset + m.start(), offset + m.end())
        for m in _WORD.finditer(item)
        if m.group().lower() not in SMALL_WORDS
    ] or [(offset, offset + len(item))]


def score(messages: Sequence[dict[str, Any]]) -> Result:
    """Score messages with ``text`` and ``planted`` items."""
    result = Result()
    for message in messages:
        text: str = message["text"]
        spans = find(text)
        covered = [(s.start, s.end) for s in spans]
        occurrences: list[tuple[int, int]] = []
        for item in message["planted"]:
            start = text.find(item)
            if start < 0:
                raise ValueError(f"planted item {item!r} is not in {text!r}")
            occurrences.append((start, start + len(item)))
            result.planted += 1
            words = significant_words(item, start)
            if all(any(b <= ws and we <= e for b, e in covered) for ws, we in words):
                result.caught += 1
            else:
                result.misses.append((item, text, redact(text)))
        for span in spans:
            result.spans += 1
            if any(span.start < e and b < span.end for b, e in occurrences):
                result.spans_on_planted += 1
            else:
                result.false_positives.append((span.text, text))
    return result


def score_clean(texts: Sequence[str]) -> Result:
    """Every replacement in a message without personal data is a false positive."""
    result = Result()
    for text in texts:
        for span in find(text):
            result.spans += 1
            result.false_positives.append((span.text, text))
    return result


def latency_ms(texts: Sequence[str], rounds: int = 5) -> float:
    """Mean time of :func:`redact` per message, after the model is built."""
    redact("warm")
    started = time.perf_counter()
    for _ in range(rounds):
        clear_cache()
        for text in texts:
            redact(text)
    return (time.perf_counter() - started) * 1000 / (rounds * len(texts))


def main(argv: Sequence[str] | None = None) -> int:
    """Print recall, precision, false positives and latency."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    data = load_messages()
    started = time.perf_counter()
    redact("warm")
    build = time.perf_counter() - started
    main_set, holdout = score(data["messages"]), score(data["holdout"])
    gaps, clean = score(data["gaps"]), score_clean(data["clean"])
    texts = [m["text"] for m in data["messages"]] + list(data["clean"])
    print(f"model build: {build:.1f} s")
    print(
        f"messages: {len(data['messages'])}, planted items {main_set.planted}, "
        f"recall {main_set.recall:.3f} ({main_set.caught}/{main_set.planted}), "
        f"precision {main_set.precision:.3f} ({main_set.spans_on_planted}/{main_set.spans})"
    )
    print(
        f"held out: {len(data['holdout'])} messages, planted items {holdout.planted}, "
        f"recall {holdout.recall:.3f} ({holdout.caught}/{holdout.planted}), "
        f"precision {holdout.precision:.3f} ({holdout.spans_on_planted}/{holdout.spans})"
    )
    print(
        f"known gaps: {len(data['gaps'])} messages, recall {gaps.recall:.3f} "
        f"({gaps.caught}/{gaps.planted})"
    )
    print(f"clean messages: {len(data['clean'])}, false positives {clean.spans}")
    print(f"latency: {latency_ms(texts):.2f} ms per message ({len(texts)} messages x 5)")
    if args.verbose or main_set.misses:
        for item, _text, redacted in main_set.misses + holdout.misses + gaps.misses:
            print(f"  missed {item!r}: {redacted}")
    if args.verbose:
        for text, message in (
            main_set.false_positives + holdout.false_positives + clean.false_positives
        ):
            print(f"  replaced {text!r} in: {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
