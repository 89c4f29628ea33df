"""End to end over REST: a real Rasa server with the trained model and the action server."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from scripts.serve import Stack
from tests.integration.conftest import Conversation, customs, texts, tracker

pytestmark = pytest.mark.integration


def resources(messages: list[dict[str, object]]) -> list[dict[str, str]]:
    found = [c for c in customs(messages) if c.get("type") == "resources"]
    assert len(found) <= 1
    items: list[dict[str, str]] = found[0]["items"] if found else []
    return items


def test_greeting_says_it_is_a_computer(conversation: Conversation) -> None:
    reply = conversation("hallo")
    assert "computerprogramma" in texts(reply)
    assert not resources(reply)


def test_question_gets_answer_and_at_most_three_resources(conversation: Conversation) -> None:
    reply = conversation("leerling tekent hakenkruizen in zijn schrift, wat nu?")
    items = resources(reply)
    assert 1 <= len(items) <= 3
    assert all(set(item) == {"id", "title", "kind", "url"} for item in items)
    # current resources on right-wing extremism (the kennislab of the ESS is archive now)
    assert {"lse", "dreigingsbeeld-nctv"} & {item["id"] for item in items}
    # the answer text comes first, then a plain-text list of the same titles with links
    assert reply[0].get("text")
    plain = texts(reply)
    for item in items:
        assert f"{item['title']}: {item['url']}" in plain


def test_training_request_is_routed_to_trainings(conversation: Conversation) -> None:
    reply = conversation(
        "is er een training om met jongeren met extreme ideeën in gesprek te gaan?"
    )
    ids = [item["id"] for item in resources(reply)]
    assert "training-omei" in ids


@pytest.mark.parametrize(
    "text",
    [
        "een leerling heeft net een mes getrokken in de aula",
        "hij schreef dat hij vrijdag de moskee in brand gaat steken, hij heeft al jerrycans",
        "mijn cliënt vliegt vannacht naar syrië om zich bij IS aan te sluiten",
        "ze appte me net dat ze er vanavond een eind aan maakt",
    ],
)
def test_acute_danger_gets_112_in_the_very_first_message(
    conversation: Conversation, text: str
) -> None:
    reply = conversation(text)
    first = reply[0]
    assert "112" in first["text"]
    # the urgent payload belongs to that first message, before anything else
    assert reply[1]["custom"] == {"type": "urgent"}
    assert not resources(reply)


@pytest.mark.parametrize(
    "text",
    ["hoe bespreek ik de aanslag in de klas?", "wat doe ik als een leerling naar syrië wil?"],
)
def test_questions_that_mention_violence_are_not_urgent(
    conversation: Conversation, text: str
) -> None:
    reply = conversation(text)
    assert {"type": "urgent"} not in customs(reply)
    assert resources(reply)


def test_out_of_scope_gets_no_recommendations(conversation: Conversation) -> None:
    reply = conversation("wat wordt het weer morgen in utrecht?")
    assert texts(reply)
    assert not resources(reply)
    assert {"type": "urgent"} not in customs(reply)


# Messages the classifier cannot place; checked first so a changed model fails clearly.
UNCLEAR = ("en hoe zit dat dan", "blablabla")


def parse(stack: Stack, text: str) -> dict[str, Any]:
    response = requests.post(
        f"{stack.rasa_url}/model/parse",
        params={"token": stack.token},
        json={"text": text},
        timeout=10,
    )
    result: dict[str, Any] = response.json()
    return result


def test_unsure_twice_clarifies_then_offers_a_human(
    stack: Stack, conversation: Conversation
) -> None:
    assert all(parse(stack, text)["intent"]["name"] == "nlu_fallback" for text in UNCLEAR)
    first = conversation(UNCLEAR[0])
    buttons = [b for m in first for b in m.get("buttons", [])]
    assert len(buttons) == 2
    assert all(b["payload"].startswith(("/ask_", "/request_")) for b in buttons)
    second = conversation(UNCLEAR[1])
    assert {"type": "handoff", "stage": "offered"} in customs(second)
    third = conversation("ja")
    assert {"type": "handoff", "stage": "started"} in customs(third)


def test_clarify_button_payload_leads_to_an_answer(conversation: Conversation) -> None:
    first = conversation(UNCLEAR[0])
    payload = next(b for m in first for b in m.get("buttons", []))["payload"]
    assert resources(conversation(payload))


def test_asking_for_a_person_starts_a_handoff(conversation: Conversation) -> None:
    reply = conversation("ik wil graag een mens spreken")
    assert {"type": "handoff", "stage": "started"} in customs(reply)
    assert "{phone}" not in texts(reply)


def test_complaint_offers_a_human_and_no_declines(conversation: Conversation) -> None:
    reply = conversation("je helpt me echt helemaal niet")
    assert {"type": "handoff", "stage": "offered"} in customs(reply)
    after = conversation("nee hoeft niet")
    assert {"type": "handoff", "stage": "started"} not in customs(after)
    assert texts(after)


def test_http_api_requires_the_token(stack: Stack) -> None:
    assert requests.get(f"{stack.rasa_url}/status", timeout=5).status_code == 401
    ok = requests.get(f"{stack.rasa_url}/status", params={"token": stack.token}, timeout=5)
    assert ok.status_code == 200


def test_entities_are_extracted_and_normalised(stack: Stack) -> None:
    parsed = requests.post(
        f"{stack.rasa_url}/model/parse",
        params={"token": stack.token},
        json={"text": "ik ben lerares in de brugklas en zie extreemrechtse memes rondgaan"},
        timeout=10,
    ).json()
    found = {(e["entity"], e["value"]) for e in parsed["entities"]}
    assert ("role", "docent") in found
    assert ("age_group", "tieners") in found
    assert ("phenomenon", "extreemrechts") in found


def test_the_action_server_refuses_calls_without_the_shared_secret(stack: Stack) -> None:
    call = {"next_action": "action_contact_details", "sender_id": "x", "tracker": {}, "domain": {}}
    url = f"{stack.action_url}/webhook"
    assert requests.post(url, json=call, timeout=10).status_code == 403
    wrong = {"X-Advieslijn-Action-Secret": "not-the-secret"}
    assert requests.post(url, json=call, headers=wrong, timeout=10).status_code == 403
    assert requests.get(f"{stack.action_url}/health", timeout=10).ok
    # the secret comes from the stack's settings; with it the call gets through the guard
    right = {"X-Advieslijn-Action-Secret": stack.settings.secrets.require("action_secret")}
    assert requests.post(url, json=call, headers=right, timeout=10).status_code != 403


@pytest.mark.parametrize(
    "typed",
    [
        "/\u00a0/ask_travel",
        "/\u3000/request_human",
        "\u200b/restart",
        "/\u2029/\u202e/ask_signals",
        '/\u00a0/ask_signals{"role": "Jan Jansen 0612345678"}',
    ],
)
def test_unicode_spaces_do_not_smuggle_intent_syntax(stack: Stack, typed: str) -> None:
    sender = f"test-{uuid.uuid4().hex[:12]}"
    assert stack.webhook(sender, typed)
    state = tracker(stack, sender)
    users = [e for e in state["events"] if e["event"] == "user"]
    assert users, "the words still reach the bot"
    # Rasa reads intent syntax from text that starts with "/" (after str.strip()) and
    # gives it confidence 1.0 with a one-item ranking; plain words go to the classifier
    # ("request_human" as words may still be understood as asking for a person).
    assert not users[-1]["text"].strip().startswith("/")
    assert len(users[-1]["parse_data"]["intent_ranking"]) > 1
    assert state["slots"].get("role") is None


# Rasa's HTTP API (rasa/server.py) on the channels' port; ids and bodies need not exist.
API_PATHS = [
    ("GET", "/"),
    ("GET", "/version"),
    ("GET", "/status"),
    ("GET", "/conversations/x/tracker"),
    ("POST", "/conversations/x/tracker/events"),
    ("PUT", "/conversations/x/tracker/events"),
    ("GET", "/conversations/x/story"),
    ("POST", "/conversations/x/execute"),
    ("POST", "/conversations/x/trigger_intent"),
    ("POST", "/conversations/x/predict"),
    ("POST", "/conversations/x/messages"),
    ("POST", "/model/train"),
    ("POST", "/model/test/stories"),
    ("POST", "/model/test/intents"),
    ("POST", "/model/predict"),
    ("POST", "/model/parse"),
    ("PUT", "/model"),
    ("DELETE", "/model"),
    ("GET", "/domain"),
]
PUBLIC = {"X-Forwarded-For": "203.0.113.9"}


@pytest.mark.parametrize(("method", "path"), API_PATHS)
def test_the_http_api_is_not_served_to_public_clients(stack: Stack, method: str, path: str) -> None:
    url = f"{stack.rasa_url}{path}"
    for params in ({}, {"token": stack.token}):
        refused = requests.request(method, url, params=params, headers=PUBLIC, timeout=10)
        assert refused.status_code == 404, (method, path)
        assert "3.6" not in refused.text
        forwarded = {"Forwarded": "for=203.0.113.9"}
        assert (
            requests.request(method, url, params=params, headers=forwarded, timeout=10).status_code
            == 404
        )


def test_local_operators_and_public_channels_keep_working(stack: Stack) -> None:
    # the console, scripts and tests: loopback without forwarding headers
    assert requests.get(f"{stack.rasa_url}/version", timeout=5).status_code == 200
    assert requests.get(f"{stack.rasa_url}/status", timeout=5).status_code == 401
    # the world through the proxy: the channels
    answer = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": f"test-{uuid.uuid4().hex[:12]}", "message": "hallo"},
        headers=PUBLIC,
        timeout=30,
    )
    assert answer.status_code == 200 and "computerprogramma" in texts(answer.json())
    health = requests.get(f"{stack.rasa_url}/webhooks/telegram/", headers=PUBLIC, timeout=5)
    assert health.status_code == 200
    polling = requests.get(
        f"{stack.rasa_url}/socket.io/",
        params={"EIO": "4", "transport": "polling"},
        headers=PUBLIC,
        timeout=5,
    )
    assert polling.status_code == 200 and polling.text.startswith("0{")
