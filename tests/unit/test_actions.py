"""Every custom action, run the way the action server runs it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, ConversationPaused, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionClarify, ActionOfferHuman
from actions.handoff import (
    ActionAdviserJoined,
    ActionContactDetails,
    ActionDeclineHuman,
    ActionHandBack,
    ActionStartHandoff,
    ActionStopIntake,
    ActionSubmitHandoff,
)
from actions.intake import ActionAskHelpMode, ValidateHandoffForm
from actions.recommend import ActionRecommendResources
from actions.session import ActionSessionStart
from bot.caselog import service
from bot.caselog.models import Adviser, Case
from bot.db import session_scope
from bot.settings import Settings, get_settings


def tracker(
    text: str = "",
    intent: str | None = None,
    ranking: list[tuple[str, float]] | None = None,
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    sender: str = "test-user",
    **slots: Any,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9} if intent else {},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in (ranking or [])],
        "entities": entities or [],
    }
    loop = {"name": active_loop} if active_loop else {}
    return Tracker(sender, slots, latest, events or [], False, None, loop, "action_listen")


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
    # a concrete situation: the questions about it are offered after the resources
    assert [m["response"] for m in messages] == ["utter_resources_intro", "utter_case_offer"]
    message = messages[0]
    assert message["response"] == "utter_resources_intro"
    items = message["custom"]["items"]
    assert message["custom"]["type"] == "resources"
    assert 1 <= len(items) <= 3
    # current resources on right-wing extremism (the kennislab of the ESS is archive now)
    assert {"lse", "dreigingsbeeld-nctv"} & {item["id"] for item in items}
    # the plain-text list names the same titles with their links, in the same order
    lines = message["resource_list"].splitlines()
    assert lines == [f"- {i['title']}: {i['url']}" for i in items]
    assert SlotSet("recommended_resources", [i["id"] for i in items]) in events
    assert SlotSet("clarify_count", 0.0) in events


def test_recommend_sends_nothing_when_nothing_fits(domain: dict[str, Any]) -> None:
    messages, events = run(ActionRecommendResources(), tracker("", None), domain)
    assert messages == []
    assert events == [SlotSet("clarify_count", 0.0), SlotSet("case_offered", False)]


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
    # an open offer of the case questions is withdrawn: a yes now means the adviser
    assert events == [SlotSet("human_offered", True), SlotSet("case_offered", False)]


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
        ActionDeclineHuman(),
        ActionContactDetails(),
        ActionHandBack(),
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


# --- escalation to an adviser (a real case-log database) ---------------------------


def conversation_events() -> list[dict[str, Any]]:
    return [
        {
            "event": "user",
            "text": "Mijn leerling Ahmed tekent hakenkruizen",
            "timestamp": 1796100000.0,
            "parse_data": {"intent": {"name": "ask_right_wing"}},
        },
        {
            "event": "bot",
            "text": "Extreemrechts is ...",
            "timestamp": 1796100001.0,
            "data": {"custom": {"type": "resources", "items": [{"id": "kennislab-extreemrechts"}]}},
        },
        {
            "event": "user",
            "text": "ik wil een adviseur",
            "timestamp": 1796100002.0,
            "parse_data": {"intent": {"name": "request_human"}},
        },
    ]


def open_case(domain: dict[str, Any], intent: str = "request_human") -> tuple[list[Any], str]:
    messages, events = run(
        ActionStartHandoff(),
        tracker("ik wil een adviseur", intent, events=conversation_events(), sender="conv-1"),
        domain,
    )
    reference = next(e["value"] for e in events if e.get("name") == "case_reference")
    return messages, reference


def stored_case(settings: Settings, reference: str) -> Case:
    with session_scope(settings) as session:
        case = service.get_case(session, reference=reference)
        assert case is not None
        session.expunge(case)
        return case


def test_pressed_buttons_read_as_their_titles_in_the_transcript(
    case_settings: Settings, domain: dict[str, Any]
) -> None:
    events = [
        *conversation_events(),
        {
            "event": "bot",
            "text": "Hoe dringend is het?",
            "data": {"buttons": [{"title": "Geen haast", "payload": '/inform{"urgency":"laag"}'}]},
        },
        {"event": "user", "text": '/inform{"urgency":"laag"}', "parse_data": {}},
    ]
    _, events_out = run(
        ActionStartHandoff(), tracker("x", "request_human", events=events, sender="c2"), domain
    )
    reference = next(e["value"] for e in events_out if e.get("name") == "case_reference")
    lines = [line["text"] for line in stored_case(case_settings, reference).transcript]
    assert lines[-1] == "Geen haast"


def test_start_logs_the_case_and_says_the_chat_is_logged(
    case_settings: Settings, domain: dict[str, Any]
) -> None:
    messages, reference = open_case(domain)
    assert [m["response"] for m in messages] == ["utter_handoff_intro"]
    assert messages[0]["custom"] == {"type": "handoff", "stage": "started"}
    case = stored_case(case_settings, reference)
    assert case.themes == ["extreemrechts"]
    assert case.recommended_resources == ["kennislab-extreemrechts"]
    assert case.urgency == "normaal" and not case.intake_complete
    assert "Ahmed" not in case.transcript[0]["text"]


def test_start_after_acute_danger_is_urgent_and_asks_only_how_to_help(
    case_settings: Settings, domain: dict[str, Any]
) -> None:
    _, reference = open_case(domain, intent="acute_danger")
    assert stored_case(case_settings, reference).urgency == "acuut"
    form = ValidateHandoffForm()
    required = asyncio.run(
        form.required_slots(
            ["intake_profile", "urgency", "help_mode"],
            CollectingDispatcher(),
            tracker(urgency="acuut"),
            domain,
        )
    )
    assert required == ["help_mode"]


def test_after_acute_danger_the_adviser_is_offered_and_a_yes_opens_an_acute_case(
    case_settings: Settings, domain: dict[str, Any]
) -> None:
    messages, events = run(
        ActionOfferHuman(), tracker("hij heeft een mes", "acute_danger", sender="conv-1"), domain
    )
    assert [m["response"] for m in messages] == ["utter_offer_human_urgent"]
    assert events == [
        SlotSet("human_offered", True),
        SlotSet("case_offered", False),
        SlotSet("urgency", "acuut"),
    ]
    _, events = run(
        ActionStartHandoff(),
        tracker(
            "ja", "request_human", events=conversation_events(), sender="conv-1", urgency="acuut"
        ),
        domain,
    )
    reference = next(e["value"] for e in events if e.get("name") == "case_reference")
    assert stored_case(case_settings, reference).urgency == "acuut"
    assert SlotSet("urgency", "acuut") in events


def test_a_number_in_the_request_makes_it_a_call_back_kept_only_encrypted(
    case_settings: Settings, domain: dict[str, Any]
) -> None:
    text = "kan een adviseur me terugbellen op 06-12345678"
    _, events = run(
        ActionStartHandoff(),
        tracker(text, "request_human", events=conversation_events(), sender="conv-1"),
        domain,
    )
    assert SlotSet("help_mode", "callback") in events
    assert "12345678" not in str(events)
    reference = next(e["value"] for e in events if e.get("name") == "case_reference")
    # the form asks nothing about the way to help; the submit keeps the stored contact
    messages, _ = run(
        ActionSubmitHandoff(),
        tracker("geen haast", "inform", case_reference=reference, help_mode="callback"),
        domain,
    )
    assert messages[0]["response"] == "utter_handoff_logged"
    with session_scope(case_settings) as session:
        case = service.get_case(session, reference=reference)
        assert case is not None and service.has_contact(session, case=case)
        assert case.help_mode == "callback" and case.status == "waiting_callback"
        assert "12345678" not in str(case.transcript)


def test_a_second_request_finds_the_open_case_and_asks_nothing(
    case_settings: Settings, domain: dict[str, Any]
) -> None:
    _, reference = open_case(domain)
    run(ActionSubmitHandoff(), tracker("overslaan", "skip", case_reference=reference), domain)
    messages, events = run(
        ActionStartHandoff(), tracker("mens spreken", "request_human", sender="conv-1"), domain
    )
    assert messages == []
    assert SlotSet("help_mode", "already_open") in events
    messages, _ = run(
        ActionSubmitHandoff(),
        tracker("", case_reference=reference, help_mode="already_open"),
        domain,
    )
    assert messages[0]["response"] == "utter_handoff_already_open"
    assert messages[0]["reference"] == reference


def test_the_first_answer_is_read_into_role_sector_and_region(
    case_settings: Settings, domain: dict[str, Any]
) -> None:
    answer = tracker(
        "ik ben docent in Utrecht",
        "inform",
        entities=[{"entity": "role", "value": "docent"}],
        active_loop="handoff_form",
        requested_slot="intake_profile",
    )
    form = ValidateHandoffForm()
    extracted = asyncio.run(form.extract_intake_profile(CollectingDispatcher(), answer, domain))
    assert extracted == {"intake_profile": "answered"}
    validated = asyncio.run(
        form.validate_intake_profile("answered", CollectingDispatcher(), answer, domain)
    )
    assert validated == {
        "intake_profile": "done",
        "role": "docent",
        "sector": "onderwijs",
        "region": "Utrecht",
    }
    stop = tracker("stop", "stop", active_loop="handoff_form", requested_slot="intake_profile")
    assert asyncio.run(form.extract_intake_profile(CollectingDispatcher(), stop, domain)) == {}


def live_settings(monkeypatch: pytest.MonkeyPatch, availability: str) -> None:
    monkeypatch.setenv("ADVIESLIJN_AVAILABILITY", availability)
    monkeypatch.setenv("ADVIESLIJN_ALWAYS_OPEN", "true")
    get_settings.cache_clear()


def test_waiting_in_the_chat_queues_and_pauses_the_bot(
    case_settings: Settings, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    live_settings(monkeypatch, "always")
    messages, _ = run(ActionAskHelpMode(), tracker(), domain)
    assert messages[0]["response"] == "utter_ask_help_mode_live"
    _, reference = open_case(domain)
    messages, events = run(
        ActionSubmitHandoff(),
        tracker("/inform", "inform", case_reference=reference, help_mode="chat"),
        domain,
    )
    assert messages[0]["response"] == "utter_handoff_queued"
    assert messages[0]["custom"] == {"type": "handoff", "stage": "queued", "position": 1}
    assert ConversationPaused() in events
    case = stored_case(get_settings(), reference)
    assert case.live and case.intake_complete and case.help_mode == "chat"


def test_a_new_session_during_a_live_handoff_stays_paused_until_handed_back(
    case_settings: Settings, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    live_settings(monkeypatch, "always")
    _, reference = open_case(domain)
    run(
        ActionSubmitHandoff(),
        tracker("/inform", "inform", case_reference=reference, help_mode="chat"),
        domain,
    )
    waiting = tracker(sender="conv-1", role="docent", session_started_metadata={"a": 1})
    _, events = run(ActionSessionStart(), waiting, domain)
    # Rasa's SessionStarted un-pauses; the pause comes after it, then action_listen.
    assert events[0] == SessionStarted()
    assert events[-2:] == [ConversationPaused(), ActionExecuted("action_listen")]
    assert SlotSet("role", "docent") in events
    assert all(e.get("name") != "session_started_metadata" for e in events)

    with session_scope(get_settings()) as session:
        case = service.get_case(session, reference=reference)
        assert case is not None
        adviser = Adviser(username="anna", display_name="Anna", role="adviser", password_hash="x")
        session.add(adviser)
        session.flush()
        service.claim(session, case=case, adviser=adviser)
        service.hand_back(session, case=case, adviser=adviser)
    _, events = run(ActionSessionStart(), waiting, domain)
    assert ConversationPaused() not in events


def test_a_new_session_of_an_ordinary_conversation_is_not_paused(
    case_settings: Settings, domain: dict[str, Any]
) -> None:
    _, events = run(ActionSessionStart(), tracker(sender="nobody", role="docent"), domain)
    assert events == [SessionStarted(), SlotSet("role", "docent"), ActionExecuted("action_listen")]


def test_outside_live_hours_a_typed_number_becomes_an_encrypted_call_back(
    case_settings: Settings, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    live_settings(monkeypatch, "never")
    messages, _ = run(ActionAskHelpMode(), tracker(), domain)
    assert messages[0]["response"] == "utter_ask_help_mode_later"
    assert messages[0]["when"]
    _, reference = open_case(domain)
    messages, events = run(
        ActionSubmitHandoff(),
        tracker("bel me op 06-12345678", "inform", case_reference=reference, help_mode="callback"),
        domain,
    )
    assert messages[0]["response"] == "utter_handoff_logged"
    assert messages[0]["custom"] == {"type": "handoff", "stage": "logged"}
    assert ConversationPaused() not in events
    assert all("0612345678" not in str(e) for e in events)
    with session_scope(get_settings()) as session:
        case = service.get_case(session, reference=reference)
        assert case is not None and case.status == "waiting_callback"
        assert service.has_contact(session, case=case)


def test_without_a_contact_the_bot_says_how_to_reach_us(
    case_settings: Settings, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    live_settings(monkeypatch, "never")
    _, reference = open_case(domain)
    messages, _ = run(
        ActionSubmitHandoff(),
        tracker("mail maar", "inform", case_reference=reference, help_mode="email"),
        domain,
    )
    assert messages[0]["response"] == "utter_handoff_logged_no_contact"
    assert messages[0]["phone"] == get_settings().contact.phone


def test_stop_leaves_the_intake_and_closes_the_case(
    case_settings: Settings, domain: dict[str, Any]
) -> None:
    _, reference = open_case(domain)
    messages, events = run(
        ActionStopIntake(), tracker("stop", "stop", case_reference=reference), domain
    )
    assert messages[0]["custom"] == {"type": "handoff", "stage": "cancelled"}
    assert ActiveLoop(None) in events
    assert stored_case(case_settings, reference).outcome == "intake_stopped"


def test_the_adviser_is_introduced_by_name(case_settings: Settings, domain: dict[str, Any]) -> None:
    _, reference = open_case(domain)
    with session_scope(case_settings) as session:
        anna = Adviser(username="anna", display_name="Anna", password_hash="x")
        session.add(anna)
        case = service.get_case(session, reference=reference)
        assert case is not None
        service.claim(session, case=case, adviser=anna)
    messages, _ = run(ActionAdviserJoined(), tracker(case_reference=reference), domain)
    assert messages[0]["response"] == "utter_adviser_joined"
    assert messages[0]["name"] == "Anna"
    assert messages[0]["custom"] == {"type": "handoff", "stage": "connected", "adviser": "Anna"}
    messages, events = run(ActionHandBack(), tracker(case_reference=reference), domain)
    assert messages[0]["custom"] == {"type": "handoff", "stage": "ended"}
    assert SlotSet("help_mode", None) in events
