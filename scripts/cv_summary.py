"""Sum up Rasa's cross-validation intent report: accuracy, macro F1, and F1 per intent group.

python -m scripts.cv_summary var/cv/intent_report.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _topic(name: str) -> bool:
    return name.startswith(("ask_", "request_training", "request_publication"))


def _person(name: str) -> bool:
    return name in ("request_human", "complain_bot", "ask_contact")


def _safety(name: str) -> bool:
    return name in ("acute_danger", "suicidal_thoughts")


def _out_of_scope(name: str) -> bool:
    return name == "out_of_scope"


GROUPS: dict[str, Callable[[str], bool]] = {
    "topics": _topic,
    "person": _person,
    "safety": _safety,
    "out of scope": _out_of_scope,
}


def summarise(report: dict[str, Any]) -> list[str]:
    """Return the lines of the summary of one intent report."""
    intents = {
        name: values
        for name, values in report.items()
        if isinstance(values, dict) and "f1-score" in values and not name.endswith("avg")
    }
    lines = [
        f"accuracy {report.get('accuracy', 0.0):.3f}",
        f"macro F1 {report['macro avg']['f1-score']:.3f}",
        f"weighted F1 {report['weighted avg']['f1-score']:.3f}",
    ]
    for group, member in GROUPS.items():
        scores = [v["f1-score"] for name, v in intents.items() if member(name)]
        if scores:
            lines.append(
                f"{group}: mean F1 {sum(scores) / len(scores):.3f} ({len(scores)} intents)"
            )
    weakest = sorted(intents.items(), key=lambda item: item[1]["f1-score"])[:5]
    lines.append("weakest: " + ", ".join(f"{n} {v['f1-score']:.2f}" for n, v in weakest))
    return lines


def main(argv: list[str]) -> int:
    """Print the summary of the report named on the command line."""
    if len(argv) != 1:
        print("usage: python -m scripts.cv_summary var/cv/intent_report.json", file=sys.stderr)
        return 2
    path = Path(argv[0])
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"cannot read {path}: {error}", file=sys.stderr)
        return 1
    print("\n".join(summarise(report)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
