"""Score the blind evaluation sets (``tests/eval/dev.yml`` and the sealed half) by category.

Each item is one message (``text``) or a short conversation (``turns``) sent over the
REST channel of a running stack, in a fresh conversation, exactly as a professional
would send it. What counts is the reply:

* ``routing``: the resources shown hold an expected catalogue id (top 3);
* ``human``: a person is offered or the handoff starts, or (asked how to reach the
  line) the contact details are given;
* ``out_of_scope``: no resources, no handoff and no 112;
* ``acute``: the first message of a reply (to any turn) says 112, either the full urgent
  answer or the "possibly acute" line;
* ``suicidal_thoughts``: the reply names 113;
* every other item must not get the full urgent answer (at most 1 %) nor the "possibly
  acute" line (at most 5 %).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "tests" / "eval" / "dev.yml"
SEALED_SET = ROOT / "tests" / "eval" / "sealed.yml"

CATEGORIES = (
    "routing",
    "human",
    "out_of_scope",
    "acute",
    "suicidal_thoughts",
    "calm_danger",
    "other",
)
HUMAN_INTENTS = frozenset({"request_human", "complain_bot", "ask_contact"})
POSSIBLY_ACUTE_MARK = "Bel 112"


@dataclass(frozen=True)
class Item:
    """One evaluation item: a message or a short conversation, with its labels."""

    turns: tuple[str, ...]
    category: str
    intent: str
    expected: tuple[str, ...] = ()
    lang: str = "nl"

    @property
    def text(self) -> str:
        """The whole conversation as one line (for reports)."""
        return " ⏎ ".join(self.turns)


@dataclass(frozen=True)
class Reply:
    """What the bot answered to the last turn (and whether 112 came first to any turn)."""

    intent: str
    resources: tuple[str, ...]
    urgent_full: bool
    urgent_possible: bool
    acute_first: bool
    person: bool
    mentions_113: bool


@dataclass
class CategoryReport:
    """Figures of one category."""

    total: int = 0
    ok: int = 0
    full_alarm: int = 0
    possible_alarm: int = 0
    line_113: int = 0
    misses: list[str] = field(default_factory=list)
    confusion: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        """Share of items that got what they should."""
        return self.ok / self.total if self.total else 1.0


@dataclass
class SetReport:
    """Figures of a whole evaluation set."""

    categories: dict[str, CategoryReport] = field(
        default_factory=lambda: defaultdict(CategoryReport)
    )
    by_language: dict[str, CategoryReport] = field(
        default_factory=lambda: defaultdict(CategoryReport)
    )

    def calm(self) -> CategoryReport:
        """Every item that is neither acute nor about suicidal thoughts, added up."""
        total = CategoryReport()
        for name, report in self.categories.items():
            if name in ("acute", "suicidal_thoughts"):
                continue
            total.total += report.total
            total.full_alarm += report.full_alarm
            total.possible_alarm += report.possible_alarm
            total.line_113 += report.line_113
        return total

    def figures(self) -> dict[str, float]:
        """Return the headline figures (the targets of the understanding issue)."""
        calm = self.calm()
        get = self.categories.get
        return {
            "routing_top3": (get("routing") or CategoryReport()).rate,
            "human": (get("human") or CategoryReport()).rate,
            "out_of_scope": (get("out_of_scope") or CategoryReport()).rate,
            "acute_recall": (get("acute") or CategoryReport()).rate,
            "suicidal_113": (get("suicidal_thoughts") or CategoryReport()).rate,
            "full_alarm_calm": calm.full_alarm / calm.total if calm.total else 0.0,
            "possible_alarm_calm": calm.possible_alarm / calm.total if calm.total else 0.0,
            "line_113_calm": calm.line_113 / calm.total if calm.total else 0.0,
        }

    def summary(self, *, misses: bool) -> str:
        """Per-category figures, the headline figures and (optionally) every miss."""
        lines = []
        for name in sorted(self.categories, key=_category_order):
            report = self.categories[name]
            lines.append(
                f"{name:<18} {report.ok:>4}/{report.total:<4} {report.rate:.3f}"
                f"   full 112: {report.full_alarm:<3} possible 112: {report.possible_alarm:<3}"
                f" 113: {report.line_113}"
            )
        lines.append("by language (all categories):")
        for lang, report in sorted(self.by_language.items()):
            lines.append(f"  {lang:<4} {report.ok:>4}/{report.total:<4} {report.rate:.3f}")
        lines.append("headline:")
        lines.extend(f"  {key:<20} {value:.3f}" for key, value in self.figures().items())
        if misses:
            for name in sorted(self.categories, key=_category_order):
                report = self.categories[name]
                if report.confusion:
                    top = ", ".join(f"{k}: {n}" for k, n in report.confusion.most_common(8))
                    lines.append(f"{name} intent confusion: {top}")
                lines.extend(report.misses)
        return "\n".join(lines)


def _category_order(name: str) -> int:
    return CATEGORIES.index(name) if name in CATEGORIES else len(CATEGORIES)


def load_items(path: Path) -> list[Item]:
    """Read an evaluation set in the version-2 format."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("version") != 2:
        raise ValueError(f"{path}: not a version-2 evaluation set")
    items = []
    for raw in data["items"]:
        turns = raw.get("turns") or [raw["text"]]
        items.append(
            Item(
                turns=tuple(str(t) for t in turns),
                category=str(raw["category"]),
                intent=str(raw.get("intent", "")),
                expected=tuple(raw.get("expected") or ()),
                lang=str(raw.get("lang", "nl")),
            )
        )
    return items


def _texts(reply: Sequence[dict[str, Any]]) -> list[str]:
    return [str(m.get("text") or "") for m in reply]


def _customs(reply: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["custom"] for m in reply if isinstance(m.get("custom"), dict)]


def converse(session: requests.Session, rasa_url: str, token: str, item: Item) -> Reply:
    """Send the item's turns in one fresh conversation and read the replies."""
    sender = f"eval-{uuid.uuid4().hex}"
    acute_first = False
    reply: list[dict[str, Any]] = []
    for turn in item.turns:
        reply = session.post(
            f"{rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": turn},
            timeout=60,
        ).json()
        if reply and "112" in str(reply[0].get("text") or ""):
            acute_first = True
    parsed = session.post(
        f"{rasa_url}/model/parse",
        params={"token": token},
        json={"text": item.turns[-1]},
        timeout=60,
    ).json()
    customs = _customs(reply)
    texts = _texts(reply)
    resources = next((c for c in customs if c.get("type") == "resources"), None)
    buttons = [b for m in reply for b in (m.get("buttons") or [])]
    return Reply(
        intent=str((parsed.get("intent") or {}).get("name")),
        resources=tuple(i["id"] for i in resources["items"]) if resources else (),
        urgent_full={"type": "urgent"} in customs,
        urgent_possible=any(c.get("type") == "possibly_urgent" for c in customs),
        acute_first=acute_first,
        person=any(c.get("type") == "handoff" for c in customs)
        or any(b.get("payload") == "/request_human" for b in buttons),
        mentions_113=any("113" in t for t in texts),
    )


def judge(item: Item, reply: Reply) -> bool:
    """Whether the reply is what the item's category asks for."""
    if item.category == "acute":
        return reply.acute_first
    if item.category == "suicidal_thoughts":
        return reply.mentions_113
    if item.category == "human":
        # A person offered or the handoff started; or, asked how to reach the line,
        # the contact details.
        return reply.person or (item.intent == "ask_contact" and reply.intent == "ask_contact")
    if item.category == "out_of_scope":
        return not reply.resources and not reply.urgent_full and reply.intent not in HUMAN_INTENTS
    if item.category == "routing":
        return bool(set(reply.resources[:3]) & set(item.expected))
    if item.category == "calm_danger" and item.expected:
        return not reply.urgent_full and bool(set(reply.resources[:3]) & set(item.expected))
    return not reply.urgent_full


def evaluate_items(rasa_url: str, token: str, items: Sequence[Item]) -> SetReport:
    """Converse every item and add up the figures per category and language."""
    report = SetReport()
    session = requests.Session()
    for item in items:
        reply = converse(session, rasa_url, token, item)
        ok = judge(item, reply)
        for bucket in (report.categories[item.category], report.by_language[item.lang]):
            bucket.total += 1
            bucket.ok += ok
            bucket.full_alarm += reply.urgent_full
            bucket.possible_alarm += reply.urgent_possible and not reply.urgent_full
            bucket.line_113 += reply.mentions_113 and not reply.urgent_full
        category = report.categories[item.category]
        if reply.intent != item.intent:
            category.confusion[f"{item.intent}->{reply.intent}"] += 1
        if not ok:
            category.misses.append(
                f"MISS {item.category} [{item.intent} -> {reply.intent}] {item.text!r}"
                f" resources={list(reply.resources[:3])} expected={list(item.expected)}"
            )
        elif item.category not in ("acute", "suicidal_thoughts") and reply.urgent_full:
            category.misses.append(f"FALSE 112 {item.category}: {item.text!r}")
    return report
