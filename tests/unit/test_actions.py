"""Every custom action, run the way the action server runs it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionClarify, ActionOfferHuman
from actions.handoff import ActionContactDetails, ActionDeclineHuman, ActionRequestHuman
from actions.recommend import ActionRecommendResources
from bot.settings import get_settings


def tracker(
    text: str = "",
    intent: str | None = None,
    ranking: list[tuple[str, float]] | None = None,
    entities: list[dict[str, Any]] | None = None,
    **slots: Any,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9} if intent else {},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in (ranking or [])],
        "entities": entities or [],
    }
    return Tracker("test-user", slots, latest, [], False, None, {}, "action_listen")


def run(
    action: Action, t: Tracker, domain: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, domain))
    return dispatcher.messages, events


def test_recommend_sends_resources_payload_and_plain_text(domain: dict[str, Any]) -> None:
    messages, events = run(
        ActionRecommendResources(),
        tracker("leerling tekent hakenkruizen in zijn schrift, wat nu?", "ask_right_wing"),
        domain,
    )
    assert len(messages) == 1
    message = messages[0]
    assert message["response"] == "utter_resources_intro"
    items = message["custom"]["items"]
    assert message["custom"]["type"] == "resources"
    assert 1 <= len(items) <= 3
    assert "kennislab-extreemrechts" in [item["id"] for item in items]
    # the plain-text list names the same titles with their links, in the same order
    lines = message["resource_list"].splitlines()
    assert lines == [f"- {i['title']}: {i['url']}" for i in items]
    assert SlotSet("recommended_resources", [i["id"] for i in items]) in events
    assert SlotSet("clarify_count", 0.0) in events


def test_recommend_sends_nothing_when_nothing_fits(domain: dict[str, Any]) -> None:
    messages, events = run(ActionRecommendResources(), tracker("", None), domain)
    assert messages == []
    assert events == [SlotSet("clarify_count", 0.0)]


def test_first_clarify_offers_the_two_likeliest_topics(domain: dict[str, Any]) -> None:
    ranking = [
        ("nlu_fallback", 0.4),
        ("greet", 0.3),
        ("ask_signals", 0.2),
        ("ask_judgement", 0.1),
        ("ask_online", 0.05),
    ]
    messages, events = run(ActionClarify(), tracker("hmm", "nlu_fallback", ranking), domain)
    assert [m["response"] for m in messages] == ["utter_clarify"]
    buttons = messages[0]["buttons"]
    assert [b["payload"] for b in buttons] == ["/ask_signals", "/ask_judgement"]
    assert all(b["title"] and not b["title"].startswith("/") for b in buttons)
    assert events == [SlotSet("clarify_count", 1.0)]


def test_second_clarify_offers_a_human(domain: dict[str, Any]) -> None:
    ranking = [("ask_signals", 0.2), ("ask_judgement", 0.1)]
    messages, events = run(
        ActionClarify(), tracker("??", "nlu_fallback", ranking, clarify_count=1.0), domain
    )
    assert [m["response"] for m in messages] == ["utter_not_understood_again", "utter_offer_human"]
    assert messages[1]["custom"] == {"type": "handoff", "stage": "offered"}
    assert SlotSet("human_offered", True) in events
    assert SlotSet("clarify_count", 2.0) in events


def test_offer_human_remembers_the_offer(domain: dict[str, Any]) -> None:
    messages, events = run(ActionOfferHuman(), tracker("je helpt me niet", "complain_bot"), domain)
    assert messages[0]["custom"] == {"type": "handoff", "stage": "offered"}
    assert events == [SlotSet("human_offered", True)]


def test_request_human_starts_handoff_with_configured_contact(domain: dict[str, Any]) -> None:
    messages, events = run(ActionRequestHuman(), tracker("mens spreken", "request_human"), domain)
    contact = get_settings().contact
    assert messages[0]["response"] == "utter_human_contact"
    assert messages[0]["custom"] == {"type": "handoff", "stage": "started"}
    assert (messages[0]["phone"], messages[0]["email"], messages[0]["hours"]) == (
        contact.phone,
        contact.email,
        contact.hours,
    )
    assert SlotSet("human_offered", False) in events


def test_decline_and_contact(domain: dict[str, Any]) -> None:
    messages, events = run(ActionDeclineHuman(), tracker("nee", "deny", human_offered=True), domain)
    assert messages[0]["response"] == "utter_deny_ok"
    assert SlotSet("human_offered", False) in events
    messages, _ = run(ActionContactDetails(), tracker("telefoonnummer?", "ask_contact"), domain)
    assert messages[0]["response"] == "utter_contact"
    assert messages[0]["phone"] == get_settings().contact.phone


@pytest.mark.parametrize(
    "action",
    [
        ActionRecommendResources(),
        ActionClarify(),
        ActionOfferHuman(),
        ActionRequestHuman(),
        ActionDeclineHuman(),
        ActionContactDetails(),
    ],
)
def test_actions_are_in_the_domain_and_utter_only_domain_responses(
    action: Action, domain: dict[str, Any]
) -> None:
    assert action.name() in domain["actions"]
    messages, _ = run(
        action,
        tracker("hakenkruis", "ask_right_wing", [("ask_signals", 0.5), ("ask_online", 0.2)]),
        domain,
    )
    for message in messages:
        assert message["response"] in domain["responses"]
        assert message["text"] is None  # no bot text written in Python
