"""The NLU safety-net component, run on real Rasa messages."""

from __future__ import annotations

from typing import Any

from rasa.shared.nlu.training_data.message import Message

from components.acute_guard import AcuteDangerGuard


def parsed(text: str, ranking: list[tuple[str, float]]) -> Message:
    items = [{"name": n, "confidence": c} for n, c in ranking]
    return Message(data={"text": text, "intent": items[0], "intent_ranking": items})


def run(message: Message, **config: Any) -> dict[str, Any]:
    guard = AcuteDangerGuard({**AcuteDangerGuard.get_default_config(), **config})
    guard.process([message])
    intent: dict[str, Any] = message.get("intent")
    return intent


def test_rules_override_any_classifier_prediction() -> None:
    message = parsed(
        "hij staat nu voor de deur met een mes en dreigt mijn collega te steken",
        [("ask_conversation", 0.9), ("acute_danger", 0.05)],
    )
    assert run(message) == {"name": "acute_danger", "confidence": 1.0}
    names = [item["name"] for item in message.get("intent_ranking")]
    assert names[0] == "acute_danger"
    assert names.count("acute_danger") == 1


def test_rules_override_the_fallback_too() -> None:
    message = parsed(
        "ze appte net dat ze vanavond een eind aan haar leven maakt",
        [("nlu_fallback", 0.4), ("ask_signals", 0.2)],
    )
    assert run(message)["name"] == "acute_danger"


def test_confident_classifier_alone_still_counts() -> None:
    message = parsed("iets wat de regels niet kennen", [("acute_danger", 0.95), ("greet", 0.01)])
    assert run(message)["name"] == "acute_danger"


def test_unsure_classifier_alone_is_demoted_to_the_next_intent() -> None:
    message = parsed(
        "een leerling riep iets lelijks naar een klasgenoot",
        [("acute_danger", 0.6), ("ask_discrimination", 0.45)],
    )
    assert run(message)["name"] == "ask_discrimination"
    assert "acute_danger" not in [i["name"] for i in message.get("intent_ranking")]


def test_demotion_to_a_weak_intent_becomes_a_fallback() -> None:
    message = parsed("iets vaags", [("acute_danger", 0.5), ("ask_online", 0.2)])
    assert run(message)["name"] == "nlu_fallback"


def test_ordinary_questions_are_left_alone() -> None:
    message = parsed("hoe bespreek ik de aanslag in de klas?", [("ask_polarisation_group", 0.9)])
    assert run(message) == {"name": "ask_polarisation_group", "confidence": 0.9}
