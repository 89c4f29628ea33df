"""Evaluate the advice line on the held-out question set ``tests/eval/questions.yml``.

Talks to a real running stack (started here unless ``--rasa-url`` is given) and prints:
routing top-3 hit rate, intent accuracy, urgent recall and the false-urgent count.

    python -m scripts.evaluate            # starts its own stack (about a minute)
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from bot.catalogue import load_catalogue
from bot.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "eval" / "questions.yml"


@dataclass(frozen=True)
class Question:
    """One held-out question with what a careful human expects."""

    text: str
    intent: str
    expected: tuple[str, ...]
    urgent: bool


@dataclass
class Report:
    """The evaluation figures."""

    questions: int = 0
    routed: int = 0
    hits: int = 0
    intent_correct: int = 0
    urgent_total: int = 0
    urgent_found: int = 0
    false_urgent: int = 0
    misses: list[str] = field(default_factory=list)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def hit_rate(self) -> float:
        """Share of routed questions whose top-3 holds an expected resource."""
        return self.hits / self.routed if self.routed else 0.0

    @property
    def intent_accuracy(self) -> float:
        """Share of questions whose intent the NLU got right."""
        return self.intent_correct / self.questions if self.questions else 0.0

    @property
    def urgent_recall(self) -> float:
        """Share of acute questions that got the urgent message first."""
        return self.urgent_found / self.urgent_total if self.urgent_total else 1.0

    def summary(self) -> str:
        """Human-readable figures."""
        return (
            f"questions: {self.questions}\n"
            f"routing top-3 hit rate: {self.hit_rate:.3f} ({self.hits}/{self.routed})\n"
            f"intent accuracy: {self.intent_accuracy:.3f}"
            f" ({self.intent_correct}/{self.questions})\n"
            f"urgent recall: {self.urgent_recall:.3f} ({self.urgent_found}/{self.urgent_total})\n"
            f"false urgent: {self.false_urgent}"
        )


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """Read the question set."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Question(
            text=str(q["text"]),
            intent=str(q["intent"]),
            expected=tuple(q.get("expected") or ()),
            urgent=bool(q.get("urgent", False)),
        )
        for q in data["questions"]
    ]


def evaluate(rasa_url: str, token: str, questions: Sequence[Question]) -> Report:
    """Ask every question in a fresh conversation and score the replies.

    Routing is scored on the questions whose expected intent is a catalogue topic
    (a request for a person or for contact details is answered by a handoff instead).
    """
    topics = load_catalogue(get_settings().catalogue_path).topics
    report = Report()
    session = requests.Session()
    for question in questions:
        report.questions += 1
        parsed = session.post(
            f"{rasa_url}/model/parse",
            params={"token": token},
            json={"text": question.text},
            timeout=30,
        ).json()
        predicted = (parsed.get("intent") or {}).get("name")
        if predicted == question.intent:
            report.intent_correct += 1
        else:
            report.confusions[(question.intent, str(predicted))] += 1

        reply: list[dict[str, Any]] = session.post(
            f"{rasa_url}/webhooks/rest/webhook",
            json={"sender": f"eval-{uuid.uuid4().hex}", "message": question.text},
            timeout=30,
        ).json()
        customs = [m["custom"] for m in reply if isinstance(m.get("custom"), dict)]
        # 112 first: the full urgent answer, or the "possibly acute" line above the answer
        urgent_first = (
            len(reply) >= 2
            and "112" in str(reply[0].get("text", ""))
            and reply[1].get("custom") in ({"type": "urgent"}, {"type": "possibly_urgent"})
        )
        if question.urgent:
            report.urgent_total += 1
            report.urgent_found += urgent_first
            if not urgent_first:
                report.misses.append(f"URGENT MISSED: {question.text}")
        elif {"type": "urgent"} in customs:
            report.false_urgent += 1
            report.misses.append(f"FALSE URGENT: {question.text}")

        if question.expected and not question.urgent and question.intent in topics:
            report.routed += 1
            items = [c for c in customs if c.get("type") == "resources"]
            ids = [i["id"] for i in items[0]["items"]] if items else []
            if set(ids) & set(question.expected):
                report.hits += 1
            else:
                report.misses.append(
                    f"ROUTING MISS [{question.intent} -> {predicted}]: {question.text} "
                    f"got {ids} expected {list(question.expected)}"
                )
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Print the evaluation figures; exit 1 when a target is not met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rasa-url", help="a running Rasa server (default: start one)")
    parser.add_argument("--token", default="", help="its API token")
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    parser.add_argument(
        "--questions", type=Path, default=QUESTIONS, help=f"question set (default {QUESTIONS})"
    )
    parser.add_argument(
        "--set",
        dest="item_sets",
        action="append",
        type=Path,
        help="a blind set by category (version 2, e.g. tests/eval/dev.yml); repeatable",
    )
    parser.add_argument(
        "--sealed",
        action="store_true",
        help="also score the sealed half (figures only, never its misses)",
    )
    args = parser.parse_args(argv)
    if args.item_sets or args.sealed:
        return _main_items(args)
    questions = load_questions(args.questions)

    if args.rasa_url:
        report = evaluate(args.rasa_url, args.token, questions)
    else:
        from scripts.serve import MEASUREMENT_LIMITS, free_port, running_stack

        with (
            tempfile.TemporaryDirectory() as tmp,
            running_stack(
                var_dir=Path(tmp) / "var",
                ports={"RASA_PORT": free_port(), "ACTION_PORT": free_port()},
                services=("actions", "rasa"),
                extra_env=MEASUREMENT_LIMITS,
            ) as stack,
        ):
            report = evaluate(stack.rasa_url, stack.token, questions)

    print(report.summary())
    if args.verbose:
        print("\n".join(report.misses))
        for (want, got), n in report.confusions.most_common(15):
            print(f"  intent {want} -> {got}: {n}")
    ok = report.hit_rate >= 0.9 and report.urgent_recall == 1.0 and report.false_urgent == 0
    return 0 if ok else 1


def _main_items(args: argparse.Namespace) -> int:
    """Score version-2 sets by category; the sealed half prints figures only."""
    from scripts.eval_categories import SEALED_SET, evaluate_items, load_items

    sets: list[tuple[Path, bool]] = [(path, False) for path in args.item_sets or ()]
    if args.sealed:
        sets.append((SEALED_SET, True))
    with _stack_url(args) as (url, token):
        for path, sealed in sets:
            report = evaluate_items(url, token, load_items(path))
            print(f"== {path.name}{' (sealed: figures only)' if sealed else ''}")
            print(report.summary(misses=args.verbose and not sealed))
    return 0


@contextlib.contextmanager
def _stack_url(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    """Yield the Rasa URL and token to evaluate against (a stack of its own unless given)."""
    if args.rasa_url:
        yield args.rasa_url, args.token
        return
    from scripts.serve import MEASUREMENT_LIMITS, free_port, running_stack

    with (
        tempfile.TemporaryDirectory() as tmp,
        running_stack(
            var_dir=Path(tmp) / "var",
            ports={"RASA_PORT": free_port(), "ACTION_PORT": free_port()},
            services=("actions", "rasa"),
            extra_env=MEASUREMENT_LIMITS,
        ) as stack,
    ):
        yield stack.rasa_url, stack.token


if __name__ == "__main__":
    sys.exit(main())
