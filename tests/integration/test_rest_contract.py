"""End to end over REST: a real Rasa server with the trained model and the action server."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from scripts.serve import Stack
from tests.integration.conftest import Conversation, customs, texts

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
    assert "kennislab-extreemrechts" in [item["id"] for item in items]
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
UNCLEAR = ("en hoe zit dat dan", "lorem ipsum dolor sit amet")


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
