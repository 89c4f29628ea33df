"""Advice on the professional's own situation: three skippable questions, then next steps.

The logic lives in :mod:`bot.casework`: these actions read the tracker, call it, and
utter domain responses. Answers are read from the message; only values the bot chose
(an age group, a setting, since when, what was tried) go into slots, never the
professional's words. Whatever is typed is stored only by the tracker store, which
redacts it first (``components/tracker_store.py``, :mod:`bot.privacy`).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    CASE_FORM,
    clear_case,
    conversation_view,
    latest_entities,
    latest_intent,
    latest_text,
    offer_human,
)
from bot import casework
from bot.catalogue import CatalogueError
from bot.messages import resource_list_text, resources_payload
from bot.routing import get_recommender
from bot.settings import get_settings

logger = logging.getLogger(__name__)

# Intents that leave the questions, or interrupt them, rather than answer them. A
# short "nee" leaves; a longer answer that starts with "nee" ("nee, nog niks gedaan")
# answers the question.
LEAVING = frozenset({"stop", "acute_danger", "suicidal_thoughts", "request_human"})
SHORT_NO = 3


def _answering(tracker: Tracker, slot: str) -> bool:
    """Whether the latest message answers the case question for ``slot``."""
    if tracker.active_loop.get("name") != CASE_FORM:
        return False
    if tracker.get_slot("requested_slot") != slot:
        return False
    intent = latest_intent(tracker)
    if intent in LEAVING:
        return False
    return not (intent == "deny" and len(latest_text(tracker).split()) <= SHORT_NO)


def _skipped(tracker: Tracker) -> bool:
    return latest_intent(tracker) == "skip"


class ActionStartCaseAdvice(Action):
    """Say what comes (three skippable questions, no names) and let the questions begin."""

    def name(self) -> str:
        return "action_start_case_advice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_case_start")
        return [SlotSet("case_offered", False), *clear_case()]


class ValidateCaseForm(FormValidationAction):
    """Reads the answers to the three case questions (any may be skipped)."""

    def name(self) -> str:
        return "validate_case_form"

    async def extract_case_age(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Take the message as the answer to "how old is the young person?"."""
        return {"case_age": casework.ANSWERED} if _answering(tracker, "case_age") else {}

    async def extract_case_setting(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Take the message as the answer to "where do you see the young person?"."""
        return {"case_setting": casework.ANSWERED} if _answering(tracker, "case_setting") else {}

    async def extract_case_history(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Take the message as the answer to "since when, and what did you try?"."""
        return {"case_history": casework.ANSWERED} if _answering(tracker, "case_history") else {}

    async def validate_case_age(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Read the age group (skipped or not recognised: ``overgeslagen``)."""
        if value != casework.ANSWERED:
            return {"case_age": value}
        age = (
            None
            if _skipped(tracker)
            else casework.read_age(
                latest_text(tracker), latest_entities(tracker), casework.vocabulary(get_settings())
            )
        )
        return {"case_age": age or casework.SKIPPED}

    async def validate_case_setting(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Read the setting (skipped or not recognised: ``overgeslagen``)."""
        if value != casework.ANSWERED:
            return {"case_setting": value}
        setting = (
            None
            if _skipped(tracker)
            else casework.read_setting(
                latest_text(tracker), latest_entities(tracker), casework.vocabulary(get_settings())
            )
        )
        return {"case_setting": setting or casework.SKIPPED}

    async def validate_case_history(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Since when and what was tried, as chosen values; the text itself is not kept."""
        if value != casework.ANSWERED:
            return {"case_history": value}
        if _skipped(tracker):
            return {"case_history": casework.SKIPPED, "case_since": None, "case_tried": []}
        history = casework.read_history(
            latest_text(tracker), latest_entities(tracker), casework.vocabulary(get_settings())
        )
        return {
            "case_history": casework.ANSWERED,
            "case_since": history.since,
            "case_tried": list(history.tried),
        }


class ActionCaseAdvice(Action):
    """The next steps for the situation, what to read, and the offer of an adviser."""

    def name(self) -> str:
        return "action_case_advice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        facts = casework.CaseFacts.from_slots(
            tracker.get_slot("case_age"),
            tracker.get_slot("case_setting"),
            tracker.get_slot("case_since"),
            tracker.get_slot("case_tried"),
        )
        for response in casework.next_steps(facts):
            dispatcher.utter_message(response=response)
        events: list[EventType] = []
        try:
            recommender = get_recommender()
            topic = casework.reading_topic(
                conversation_view(tracker).intents, recommender.catalogue().topics
            )
            role = casework.SETTING_ROLE.get(facts.setting or "")
            resources = recommender.recommend(
                intent=topic, text="", entities={"role": [role]} if role else {}, ranking=[]
            )
        except CatalogueError:
            logger.exception("catalogue unavailable; case advice without resources")
            resources = []
        if resources:
            dispatcher.utter_message(
                response="utter_resources_intro",
                resource_list=resource_list_text(resources),
                json_message=resources_payload(resources),
            )
            events.append(SlotSet("recommended_resources", [r.id for r in resources]))
        return [*events, *offer_human(dispatcher, response="utter_offer_human_case")]


class ActionStopCaseAdvice(Action):
    """Leave the case questions: on "stop", a short no, acute danger or a request for a person.

    After acute danger, thoughts of suicide or a request for a person the rule that
    follows says what comes next; only a plain stop is told the questions stopped.
    """

    def name(self) -> str:
        return "action_stop_case_advice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if latest_intent(tracker) in ("stop", "deny"):
            dispatcher.utter_message(response="utter_case_stopped")
        return [ActiveLoop(None), SlotSet("requested_slot", None), *clear_case()]


class ActionDeclineCaseAdvice(Action):
    """No to the offered questions: carry on with the bot."""

    def name(self) -> str:
        return "action_decline_case_advice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_deny_ok")
        return [SlotSet("case_offered", False)]
