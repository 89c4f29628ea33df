"""The channel guard never refuses acute danger without 112 (real domain, real NLG, real check)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain

from bot.settings import PROJECT_ROOT
from components.channels.guard import DANGER_METADATA_KEY, ChannelGuard


@pytest.fixture(scope="module")
def agent() -> Any:
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    return SimpleNamespace(
        tracker_store=InMemoryTrackerStore(domain),
        nlg=TemplatedNaturalLanguageGenerator(domain.responses),
    )


@pytest.fixture(scope="module")
def guard() -> ChannelGuard:
    return ChannelGuard()


def refuse(guard: ChannelGuard, agent: Any, text: str, refusal: str | None) -> list[dict[str, Any]]:
    output = CollectingOutputChannel()
    sender = "c-" + str(abs(hash(text)))
    asyncio.run(guard.refuse(agent, sender, refusal, output, text=text, seconds=30))
    messages: list[dict[str, Any]] = output.messages
    return messages


def deliver(
    guard: ChannelGuard, agent: Any, text: str, sender: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Deliver one text; return the verdict the NLU receives and what was sent before it."""
    output = CollectingOutputChannel()
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    asyncio.run(guard.deliver(agent, UserMessage(text, output, sender), on_new_message))
    verdict: dict[str, Any] = received[0].metadata[DANGER_METADATA_KEY]
    return verdict, output.messages


def test_a_refused_acute_message_gets_112_before_the_refusal(
    guard: ChannelGuard, agent: Any
) -> None:
    sent = refuse(guard, agent, "hij staat met een mes in de klas te zwaaien", "utter_rate_limited")
    assert "112" in sent[0]["text"]
    assert sent[1]["custom"] == {"type": "urgent"}
    assert "30 seconden" in sent[2]["text"]


def test_a_refused_calm_message_gets_the_refusal_only(guard: ChannelGuard, agent: Any) -> None:
    sent = refuse(
        guard, agent, "waar vind ik de JEPzine over veerkracht?", "utter_message_too_long"
    )
    assert len(sent) == 1
    assert "112" not in sent[0]["text"]


def test_without_a_refusal_only_danger_is_answered(guard: ChannelGuard, agent: Any) -> None:
    assert refuse(guard, agent, "dank je wel", None) == []
    assert (
        "112"
        in refuse(guard, agent, "er ligt iemand bewusteloos na een overdosis", None)[0]["text"]
    )


def test_deliver_hands_the_verdict_to_the_nlu_and_warns_when_possible(
    guard: ChannelGuard, agent: Any
) -> None:
    verdict, sent = deliver(guard, agent, "hij heeft een vuurwapen getrokken", "deliver-1")
    assert verdict["level"] == "acute"
    assert sent == []  # the bot itself answers with 112 (the NLU reads the verdict)
    text = "hoe praat ik met ouders over radicalisering?"
    verdict, sent = deliver(guard, agent, text, "deliver-2")
    assert verdict["level"] == "calm"
    assert sent == []  # the bot itself answers; nothing was sent before it


def test_the_detector_is_shared_with_the_nlu(guard: ChannelGuard, tmp_path: Path) -> None:
    from bot.danger import detector_for

    assert guard.detector is detector_for(PROJECT_ROOT)


def test_self_harm_in_a_topic_question_gets_the_113_line_above_the_answer(
    guard: ChannelGuard, agent: Any
) -> None:
    text = "ik zie krassen op de armen van een meisje dat ook extreme filmpjes deelt, wat nu?"
    verdict, sent = deliver(guard, agent, text, "self-harm-1")
    assert verdict["self_harm"] is True
    lines = [m.get("text", "") for m in sent]
    assert any("0800-0113" in line for line in lines)
    assert not any("Bel nu 112" in line for line in lines)
    # a refused text that may be about self-harm gets the line before the refusal too
    sent = refuse(guard, agent, "hij snijdt zichzelf, ik weet het niet meer", "utter_rate_limited")
    texts = [m.get("text", "") for m in sent]
    assert any("0800-0113" in t for t in texts[:-1]) and "seconden" in texts[-1]
