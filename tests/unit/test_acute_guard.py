"""The NLU safety-net component, run on real Rasa messages with the real acute-danger check."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.danger import Assessment, DangerDetector, Level, detector_for
from bot.settings import PROJECT_ROOT
from components.acute_guard import AcuteDangerGuard
from components.channels.guard import DANGER_METADATA_KEY


@pytest.fixture(scope="module")
def detector() -> DangerDetector:
    return detector_for(PROJECT_ROOT)


def parsed(text: str, ranking: list[tuple[str, float]], **metadata: Any) -> Message:
    items = [{"name": n, "confidence": c} for n, c in ranking]
    data: dict[str, Any] = {"text": text, "intent": items[0], "intent_ranking": items}
    if metadata:
        data["metadata"] = metadata
    return Message(data=data)


def run(detector: DangerDetector, message: Message, **config: Any) -> dict[str, Any]:
    guard = AcuteDangerGuard({**AcuteDangerGuard.get_default_config(), **config}, detector)
    guard.process([message])
    intent: dict[str, Any] = message.get("intent")
    return intent


def verdict(level: Level, suicidal: bool = False) -> dict[str, Any]:
    return {DANGER_METADATA_KEY: Assessment(level, None, suicidal).as_metadata()}


def test_acute_danger_overrides_any_classifier_prediction(detector: DangerDetector) -> None:
    message = parsed(
        "hij staat nu voor de deur met een mes en dreigt mijn collega te steken",
        [("ask_conversation", 0.9), ("acute_danger", 0.05)],
    )
    assert run(detector, message) == {"name": "acute_danger", "confidence": 1.0}
    names = [item["name"] for item in message.get("intent_ranking")]
    assert names[0] == "acute_danger"
    assert names.count("acute_danger") == 1
    assert message.get("danger")["level"] == "acute"


def test_acute_danger_overrides_the_fallback_too(detector: DangerDetector) -> None:
    message = parsed(
        "ze appte net dat ze vanavond een eind aan haar leven maakt",
        [("nlu_fallback", 0.4), ("ask_signals", 0.2)],
    )
    assert run(detector, message)["name"] == "acute_danger"


def test_the_channels_verdict_is_used_when_present(detector: DangerDetector) -> None:
    # The channel saw the earlier turns: this text alone is harmless.
    message = parsed("nu", [("affirm", 0.7)], **verdict(Level.ACUTE))
    assert run(detector, message)["name"] == "acute_danger"


def test_a_verdict_that_is_not_the_channels_shape_is_ignored(detector: DangerDetector) -> None:
    message = parsed(
        "hoe bespreek ik de aanslag in de klas?",
        [("ask_polarisation_group", 0.9)],
        **{DANGER_METADATA_KEY: {"level": "boom"}},
    )
    assert run(detector, message)["name"] == "ask_polarisation_group"


def test_confident_classifier_alone_still_counts(detector: DangerDetector) -> None:
    message = parsed("iets", [("acute_danger", 0.95), ("greet", 0.01)], **verdict(Level.CALM))
    assert run(detector, message)["name"] == "acute_danger"


def test_unsure_classifier_alone_is_demoted_to_the_next_intent(detector: DangerDetector) -> None:
    message = parsed(
        "een leerling riep iets lelijks naar een klasgenoot",
        [("acute_danger", 0.6), ("ask_discrimination", 0.45)],
        **verdict(Level.CALM),
    )
    assert run(detector, message)["name"] == "ask_discrimination"
    assert "acute_danger" not in [i["name"] for i in message.get("intent_ranking")]


def test_demotion_to_a_weak_intent_becomes_a_fallback(detector: DangerDetector) -> None:
    message = parsed(
        "iets vaags", [("acute_danger", 0.5), ("ask_online", 0.2)], **verdict(Level.CALM)
    )
    assert run(detector, message)["name"] == "nlu_fallback"


def test_thoughts_of_suicide_become_their_own_intent(detector: DangerDetector) -> None:
    message = parsed(
        "een leerling schreef in haar dagboek dat ze er liever niet meer zou zijn",
        [("goodbye", 0.4), ("ask_signals", 0.2)],
        **verdict(Level.CALM, suicidal=True),
    )
    assert run(detector, message)["name"] == "suicidal_thoughts"


def test_ordinary_questions_are_left_alone(detector: DangerDetector) -> None:
    message = parsed("hoe bespreek ik de aanslag in de klas?", [("ask_polarisation_group", 0.9)])
    assert run(detector, message) == {"name": "ask_polarisation_group", "confidence": 0.9}
