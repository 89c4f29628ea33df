"""Transparency and deletion: the greeting, the privacy explanation, deleting a conversation."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.privacy import DELETE_CONVERSATION_SLOT
from bot.settings import get_settings


def retention_variables() -> dict[str, Any]:
    """Return the template variables that fill the retention period into responses."""
    return {"days": get_settings().privacy.conversation_days}


class ActionGreet(Action):
    """Greet: a computer program, the chat is kept without names for a number of days."""

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_greet", **retention_variables())
        return []


class ActionExplainPrivacy(Action):
    """Explain what is stored, without names, for how long, and how to delete it."""

    def name(self) -> str:
        return "action_explain_privacy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_privacy", **retention_variables())
        return []


class ActionAskDeleteConversation(Action):
    """Ask for confirmation before deleting; a pending adviser offer no longer applies."""

    def name(self) -> str:
        return "action_ask_delete_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_confirm_delete")
        return [SlotSet("human_offered", False)]


class ActionDeleteConversation(Action):
    """Have the tracker store delete this conversation (it sees the slot on save)."""

    def name(self) -> str:
        return "action_delete_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_conversation_deleted")
        return [SlotSet(DELETE_CONVERSATION_SLOT, True)]
