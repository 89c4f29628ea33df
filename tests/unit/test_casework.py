"""Advice on a professional's own situation: when it is offered, what answers say, which steps.

The logic of :mod:`bot.casework` on plain values, and the actions of the case questions
run the way the action server runs them (``actions/casework.py``, the offer in
``actions/recommend.py``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.casework import (
    ActionCaseAdvice,
    ActionDeclineCaseAdvice,
    ActionStartCaseAdvice,
    ActionStopCaseAdvice,
    ValidateCaseForm,
)
from actions.recommend import ActionRecommendResources
from bot import casework
from bot.casework import CaseFacts, CaseworkDataError, Vocabulary, load_vocabulary
from bot.settings import PROJECT_ROOT
from tests.unit.test_actions import run, tracker

WORDS_FILE = PROJECT_ROOT / "config" / "casework.yml"


@pytest.fixture(scope="module")
def words() -> Vocabulary:
    return load_vocabulary(WORDS_FILE)


# --- when the questions are offered ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "mijn leerling deelt sinds kort memes met nazisymbolen",
        "een meisje uit mijn groep praat alleen nog over wij en zij",
        "een jongen uit 3 havo heeft hakenkruizen in zijn agenda getekend, wat moet ik hiermee",
        "bij ons op school weigert een jongen nog met meisjes samen te werken",
        "sinds kort zegt een jongen in het buurthuis dat de overheid liegt",
        "a student in my class shared a video praising an attacker",
    ],
)
def test_a_concrete_situation_is_recognised(words: Vocabulary, text: str) -> None:
    assert casework.describes_situation(text, words)


@pytest.mark.parametrize(
    "text",
    [
        "hoe herken ik signalen van radicalisering bij een leerling",
        "wat doe ik als een leerling zegt dat hij naar syrie wil",
        "wat is jihadisme",
        "hoe bespreek ik de aanslag in de klas?",
        "zijn er trainingen over polarisatie",
    ],
)
def test_a_general_question_is_not_a_situation(words: Vocabulary, text: str) -> None:
    assert not casework.describes_situation(text, words)


def test_the_offer_comes_once_and_not_with_an_open_case_or_a_general_topic(
    words: Vocabulary,
) -> None:
    text = "mijn leerling deelt sinds kort memes met nazisymbolen"

    def offer(intent: str = "ask_right_wing", *, before: bool = False, case: bool = False) -> bool:
        return casework.should_offer(
            intent=intent, text=text, offered_before=before, case_open=case, words=words
        )

    assert offer()
    assert not offer(before=True)
    assert not offer(case=True)
    assert not offer("request_training")


# --- reading the answers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entities", "age"),
    [
        ("", {"case_age": ["tiener"]}, "tiener"),
        ("", {"case_age": ["Jan Jansen"]}, None),  # only the bot's own values
        ("basisschool", {"age_group": ["kinderen"]}, "kind"),
        ("ze is 15 jaar", {}, "tiener"),
        ("15", {}, "tiener"),
        ("een jongen van 9", {}, "kind"),
        ("zestien", {}, "tiener"),
        ("student op het hbo", {}, "jongvolwassene"),
        ("weet ik eigenlijk niet", {}, None),
    ],
)
def test_the_age_answer(
    words: Vocabulary, text: str, entities: dict[str, list[str]], age: str | None
) -> None:
    assert casework.read_age(text, entities, words) == age


@pytest.mark.parametrize(
    ("text", "setting"),
    [
        ("school", "school"),
        ("ik ben jongerenwerker in een buurthuis", "jongerenwerk"),
        ("bij de voetbalclub", "sport"),
        ("jeugdzorginstelling, woongroep", "jeugdhulp"),
        ("bij het gezin thuis", "thuis"),
        ("dat zeg ik liever niet", None),
    ],
)
def test_the_setting_answer(words: Vocabulary, text: str, setting: str | None) -> None:
    assert casework.read_setting(text, {}, words) == setting


@pytest.mark.parametrize(
    ("text", "since", "tried"),
    [
        (
            "sinds drie weken, ik heb met hem gepraat en met collega's",
            "recent",
            ("jongere", "collegas"),
        ),
        ("al 10 weken", "maanden", ()),
        ("al 2 maanden, de zorgcoördinator weet ervan", "maanden", ("intern",)),
        ("al een jaar; gemeente en wijkagent zijn betrokken", "langer", ("extern",)),
        ("nee nog niks gedaan, het is net begonnen", "recent", ()),
        ("de ouders weten het", None, ("ouders",)),
    ],
)
def test_the_history_answer_becomes_chosen_values(
    words: Vocabulary, text: str, since: str | None, tried: tuple[str, ...]
) -> None:
    assert casework.read_history(text, {}, words) == casework.History(since, tried)


def test_a_bad_vocabulary_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "casework.yml"
    path.write_text("situation: []\n", encoding="utf-8")
    with pytest.raises(CaseworkDataError, match=r"casework\.yml: .situation."):
        load_vocabulary(path)


# --- the advice -----------------------------------------------------------------------------


def test_nothing_known_gives_the_general_steps() -> None:
    assert casework.next_steps(CaseFacts()) == [
        "utter_case_observe",
        "utter_case_talk",
        "utter_case_internal_general",
        "utter_case_escalate",
    ]


@pytest.mark.parametrize(
    ("setting", "internal"),
    [
        ("school", "utter_case_internal_school"),
        ("jongerenwerk", "utter_case_internal_youthwork"),
        ("jeugdhulp", "utter_case_internal_youthcare"),
        ("sport", "utter_case_internal_sport"),
        ("thuis", "utter_case_internal_home"),
    ],
)
def test_who_to_talk_to_depends_on_the_setting(setting: str, internal: str) -> None:
    assert internal in casework.next_steps(CaseFacts(setting=setting))


def test_a_young_child_gets_the_child_steps() -> None:
    steps = casework.next_steps(CaseFacts(age="kind", setting="school"))
    assert steps[:2] == ["utter_case_observe_child", "utter_case_talk_child"]


def test_what_was_tried_moves_the_advice_on() -> None:
    long = casework.next_steps(CaseFacts(since="langer"))
    assert long[-1] == "utter_case_escalate_now"
    internal = casework.next_steps(CaseFacts(tried=frozenset({"jongere", "intern"})))
    assert internal[1:] == [
        "utter_case_talk_done",
        "utter_case_internal_done",
        "utter_case_escalate_now",
    ]
    outside = casework.next_steps(CaseFacts(tried=frozenset({"extern"})))
    assert outside[-1] == "utter_case_escalate_done"


def test_skipped_or_unknown_slot_values_count_as_unknown() -> None:
    facts = CaseFacts.from_slots("overgeslagen", "Jan", None, ["intern", "iets"])
    assert facts == CaseFacts(tried=frozenset({"intern"}))


def test_every_step_is_a_domain_response_that_names_112_where_it_escalates(
    domain: dict[str, Any],
) -> None:
    responses = domain["responses"]
    for name in [*casework.INTERNAL.values(), "utter_case_internal_general"]:
        assert name in responses
    for name in ("utter_case_escalate", "utter_case_escalate_now", "utter_case_escalate_done"):
        text = responses[name][0]["text"]
        assert "112" in text and "0800-2000" in text, name
    assert "gemeente" in responses["utter_case_escalate"][0]["text"]


def test_the_questions_never_ask_for_a_name_and_can_be_skipped(domain: dict[str, Any]) -> None:
    responses = domain["responses"]
    for name in ("utter_ask_case_age", "utter_ask_case_setting", "utter_ask_case_history"):
        variant = responses[name][0]
        assert "naam" not in variant["text"].lower() or "zonder namen" in variant["text"]
        assert any(b["payload"] == "/skip" for b in variant["buttons"]), name
    assert len(domain["forms"]["case_form"]["required_slots"]) <= 3


# --- the actions ----------------------------------------------------------------------------


def form_answer(text: str, intent: str, slot: str, **entities: str) -> Tracker:
    return tracker(
        text,
        intent,
        entities=[{"entity": k, "value": v} for k, v in entities.items()],
        active_loop="case_form",
        requested_slot=slot,
    )


def extract_and_validate(slot: str, answer: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
    form = ValidateCaseForm()
    extract = getattr(form, f"extract_{slot}")
    extracted = asyncio.run(extract(CollectingDispatcher(), answer, domain))
    if not extracted:
        return {}
    validate = getattr(form, f"validate_{slot}")
    validated: dict[str, Any] = asyncio.run(
        validate(extracted[slot], CollectingDispatcher(), answer, domain)
    )
    return validated


def test_a_described_situation_gets_the_answer_then_the_offer(domain: dict[str, Any]) -> None:
    text = "mijn leerling deelt sinds kort memes met nazisymbolen, wat nu?"
    messages, events = run(ActionRecommendResources(), tracker(text, "ask_right_wing"), domain)
    assert [m["response"] for m in messages] == ["utter_resources_intro", "utter_case_offer"]
    assert SlotSet("case_offered", True) in events
    payloads = [b["payload"] for b in domain["responses"]["utter_case_offer"][0]["buttons"]]
    assert payloads == ["/case_advice", "/deny"]


def test_a_general_question_is_answered_in_one_turn_without_the_offer(
    domain: dict[str, Any],
) -> None:
    messages, events = run(
        ActionRecommendResources(),
        tracker("hoe herken ik signalen van radicalisering?", "ask_signals"),
        domain,
    )
    assert [m["response"] for m in messages] == ["utter_resources_intro"]
    assert SlotSet("case_offered", False) in events


def test_the_offer_is_not_repeated(domain: dict[str, Any]) -> None:
    earlier = [{"event": "bot", "text": "...", "metadata": {"utter_action": "utter_case_offer"}}]
    text = "een meisje uit mijn groep praat alleen nog over wij en zij"
    messages, _ = run(
        ActionRecommendResources(), tracker(text, "ask_signals", events=earlier), domain
    )
    assert "utter_case_offer" not in [m["response"] for m in messages]


def test_start_says_no_names_and_clears_earlier_answers(domain: dict[str, Any]) -> None:
    messages, events = run(
        ActionStartCaseAdvice(), tracker("ja", "affirm", case_age="kind"), domain
    )
    assert [m["response"] for m in messages] == ["utter_case_start"]
    assert "namen" in domain["responses"]["utter_case_start"][0]["text"]
    assert SlotSet("case_offered", False) in events
    assert SlotSet("case_age", None) in events


def test_button_answers_and_skips_are_read(domain: dict[str, Any]) -> None:
    answer = form_answer("/inform", "inform", "case_age", case_age="tiener")
    assert extract_and_validate("case_age", answer, domain) == {"case_age": "tiener"}
    skipped = form_answer("/skip", "skip", "case_setting")
    assert extract_and_validate("case_setting", skipped, domain) == {"case_setting": "overgeslagen"}
    typed = form_answer("op de voetbalclub", "inform", "case_setting")
    assert extract_and_validate("case_setting", typed, domain) == {"case_setting": "sport"}


def test_the_free_text_answer_is_kept_only_as_chosen_values(domain: dict[str, Any]) -> None:
    text = "Sinds 3 maanden. Ik sprak Mohammed (06-12345678) en zijn moeder in Utrecht."
    validated = extract_and_validate(
        "case_history", form_answer(text, "inform", "case_history"), domain
    )
    assert validated == {
        "case_history": "beantwoord",
        "case_since": "maanden",
        "case_tried": ["ouders"],
    }
    assert "Mohammed" not in str(validated) and "06-" not in str(validated)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("stop", "stop"),
        ("nee", "deny"),
        ("hij staat nu met een mes op het plein", "acute_danger"),
        ("ik wil liever een adviseur spreken", "request_human"),
    ],
)
def test_leaving_or_danger_is_not_taken_as_an_answer(
    domain: dict[str, Any], text: str, intent: str
) -> None:
    for slot in ("case_age", "case_setting", "case_history"):
        assert extract_and_validate(slot, form_answer(text, intent, slot), domain) == {}


def test_a_longer_no_answers_the_question(domain: dict[str, Any]) -> None:
    answer = form_answer("nee, nog niks gedaan, het is net begonnen", "deny", "case_history")
    assert extract_and_validate("case_history", answer, domain)["case_since"] == "recent"


def test_the_advice_gives_the_steps_what_to_read_and_the_adviser(domain: dict[str, Any]) -> None:
    events = [
        {
            "event": "user",
            "text": "mijn leerling ...",
            "parse_data": {"intent": {"name": "ask_right_wing"}},
        }
    ]
    done = tracker(
        "al een jaar, met de zorgcoördinator besproken",
        "inform",
        events=events,
        case_age="tiener",
        case_setting="school",
        case_since="langer",
        case_tried=["intern"],
    )
    messages, slot_events = run(ActionCaseAdvice(), done, domain)
    names = [m["response"] for m in messages]
    assert names == [
        "utter_case_observe",
        "utter_case_talk",
        "utter_case_internal_done",
        "utter_case_escalate_now",
        "utter_resources_intro",
        "utter_offer_human_case",
    ]
    assert messages[-1]["custom"] == {"type": "handoff", "stage": "offered"}
    assert SlotSet("human_offered", True) in slot_events
    items = messages[4]["custom"]["items"]
    assert 1 <= len(items) <= 3


def test_stop_leaves_the_questions_and_danger_leaves_them_silently(domain: dict[str, Any]) -> None:
    messages, events = run(ActionStopCaseAdvice(), tracker("stop", "stop"), domain)
    assert [m["response"] for m in messages] == ["utter_case_stopped"]
    assert ActiveLoop(None) in events and SlotSet("requested_slot", None) in events
    messages, events = run(ActionStopCaseAdvice(), tracker("...", "acute_danger"), domain)
    assert messages == [] and ActiveLoop(None) in events


def test_no_to_the_offer_carries_on(domain: dict[str, Any]) -> None:
    messages, events = run(ActionDeclineCaseAdvice(), tracker("nee", "deny"), domain)
    assert [m["response"] for m in messages] == ["utter_deny_ok"]
    assert events == [SlotSet("case_offered", False)]


def test_case_actions_are_in_the_domain_and_utter_only_domain_responses(
    domain: dict[str, Any],
) -> None:
    for action in (
        ActionStartCaseAdvice(),
        ActionCaseAdvice(),
        ActionStopCaseAdvice(),
        ActionDeclineCaseAdvice(),
    ):
        assert action.name() in domain["actions"]
        messages, _ = run(action, tracker("stop", "stop"), domain)
        for message in messages:
            assert message["response"] in domain["responses"]
            assert message["text"] is None
    assert ValidateCaseForm().name() in domain["actions"]
