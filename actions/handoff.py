"""Escalation to a human adviser and the advice line's contact details."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import contact_variables
from bot.messages import HandoffStage, handoff_payload
from bot.settings import get_settings


class ActionRequestHuman(Action):
    """Start an escalation: tell the professional how a human adviser is reached."""

    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_human_contact",
            json_message=handoff_payload(HandoffStage.STARTED),
            **contact_variables(get_settings()),
        )
        return [SlotSet("human_offered", False), SlotSet("clarify_count", 0.0)]


class ActionDeclineHuman(Action):
    """The professional declined the offered adviser: carry on with the bot."""

    def name(self) -> str:
        return "action_decline_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_deny_ok")
        return [SlotSet("human_offered", False), SlotSet("clarify_count", 0.0)]


class ActionContactDetails(Action):
    """Give the advice line's contact details and opening hours from the settings."""

    def name(self) -> str:
        return "action_contact_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_contact", **contact_variables(get_settings()))
        return []
