"""Advice on the professional's own situation, on the real stack (trained model, Rasa, actions).

A described situation gets its answer and the offer of three skippable questions; the
answers lead to tailored next steps, what to read and the offer of an adviser. A simple
question is still answered in one turn, acute danger interrupts the questions with 112 at
any point, and what is typed in them is stored only redacted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.serve import Stack
from tests.integration.conftest import customs, texts, tracker

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SITUATION = "mijn leerling deelt sinds kort memes met nazisymbolen in de klasgroep, wat nu?"
QUESTIONS = ("utter_ask_case_age", "utter_ask_case_setting", "utter_ask_case_history")

Say = Callable[[str], list[dict[str, Any]]]


@pytest.fixture(scope="module")
def responses() -> dict[str, str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {name: variants[0]["text"].strip() for name, variants in domain["responses"].items()}


@pytest.fixture
def chat(stack: Stack) -> tuple[str, Say]:
    sender = f"case-{uuid.uuid4().hex[:12]}"
    return sender, lambda text: stack.webhook(sender, text)


def said(messages: list[dict[str, Any]], responses: dict[str, str]) -> list[str]:
    """The domain responses among the bot's messages, in order (by their text)."""
    by_text = {text: name for name, text in responses.items()}
    return [by_text[m["text"].strip()] for m in messages if m.get("text", "").strip() in by_text]


def buttons(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons", [])]


def start_questions(say: Say, responses: dict[str, str]) -> None:
    answer = say(SITUATION)
    assert "/case_advice" in buttons(answer)
    started = say("/case_advice")
    assert said(started, responses) == ["utter_case_start", "utter_ask_case_age"]


def test_a_simple_question_is_answered_in_one_turn(
    chat: tuple[str, Say], responses: dict[str, str]
) -> None:
    _, say = chat
    answer = say("wat is het verschil tussen radicalisering en extremisme?")
    assert any(c.get("type") == "resources" for c in customs(answer))
    assert "utter_case_offer" not in said(answer, responses)
    assert "/case_advice" not in buttons(answer)


def test_a_situation_gets_three_skippable_questions_and_tailored_next_steps(
    stack: Stack, chat: tuple[str, Say], responses: dict[str, str]
) -> None:
    sender, say = chat
    answer = say(SITUATION)
    names = said(answer, responses)
    assert names[0] == "utter_answer_right_wing" and names[-1] == "utter_case_offer"
    assert any(c.get("type") == "resources" for c in customs(answer))

    started = say("/case_advice")
    assert said(started, responses) == ["utter_case_start", "utter_ask_case_age"]
    setting = say('/inform{"case_age":"tiener"}')
    assert said(setting, responses) == ["utter_ask_case_setting"]
    history = say('/inform{"case_setting":"school"}')
    assert said(history, responses) == ["utter_ask_case_history"]
    advice = say(
        "Al een half jaar. Ik heb met hem gepraat en met zijn vader Jeroen Bakker "
        "(06-12345678), en de zorgcoördinator weet ervan."
    )
    assert said(advice, responses) == [
        "utter_case_observe",
        "utter_case_talk_done",
        "utter_case_internal_done",
        "utter_case_escalate_now",
        "utter_offer_human_case",
    ]
    assert any(c.get("type") == "resources" for c in customs(advice))
    assert {"type": "handoff", "stage": "offered"} in customs(advice)
    assert "/request_human" in buttons(advice)

    state = tracker(stack, sender)
    assert state["active_loop"] in ({}, None) or not state["active_loop"].get("name")
    slots = state["slots"]
    assert (slots["case_age"], slots["case_setting"], slots["case_since"]) == (
        "tiener",
        "school",
        "maanden",
    )
    assert sorted(slots["case_tried"]) == ["intern", "jongere", "ouders"]
    # what was typed in the questions is stored only redacted
    stored = str(state["events"])
    assert "Jeroen" not in stored and "Bakker" not in stored and "12345678" not in stored


def test_every_question_can_be_skipped(chat: tuple[str, Say], responses: dict[str, str]) -> None:
    _, say = chat
    start_questions(say, responses)
    assert said(say("/skip"), responses) == ["utter_ask_case_setting"]
    assert said(say("/skip"), responses) == ["utter_ask_case_history"]
    advice = said(say("/skip"), responses)
    assert advice == [
        "utter_case_observe",
        "utter_case_talk",
        "utter_case_internal_general",
        "utter_case_escalate",
        "utter_offer_human_case",
    ]


@pytest.mark.parametrize("answered", [0, 1, 2])
def test_acute_danger_interrupts_the_questions_with_112_at_any_point(
    stack: Stack, chat: tuple[str, Say], responses: dict[str, str], answered: int
) -> None:
    sender, say = chat
    start_questions(say, responses)
    for _ in range(answered):
        say("/skip")
    reply = say("hij staat nu op het schoolplein met een mes en zegt dat hij iemand gaat steken")
    assert "112" in reply[0]["text"]
    assert {"type": "urgent"} in customs(reply)
    assert not set(QUESTIONS) & set(said(reply, responses))
    assert {"type": "handoff", "stage": "offered"} in customs(reply)
    state = tracker(stack, sender)
    assert not (state.get("active_loop") or {}).get("name")


def test_stop_leaves_the_questions_and_the_bot_answers_again(
    stack: Stack, chat: tuple[str, Say], responses: dict[str, str]
) -> None:
    sender, say = chat
    start_questions(say, responses)
    say("/skip")
    assert said(say("stop"), responses) == ["utter_case_stopped"]
    assert not (tracker(stack, sender).get("active_loop") or {}).get("name")
    again = say("wat is jihadisme?")
    assert any(c.get("type") == "resources" for c in customs(again))
    assert "112" not in texts(again)


def test_no_to_the_offer_carries_on(chat: tuple[str, Say], responses: dict[str, str]) -> None:
    _, say = chat
    say(SITUATION)
    assert said(say("nee, dank je"), responses) == ["utter_deny_ok"]
