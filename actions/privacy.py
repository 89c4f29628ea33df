"""Transparency and deletion: the greeting, the privacy explanation, deleting a conversation."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import escalation
from bot.privacy import DELETE_CONVERSATION_SLOT
from bot.settings import get_settings

logger = logging.getLogger(__name__)


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
    """Clear the case log's copies; the tracker store deletes the rest (it sees the slot).

    The case log is cleared for every case of this conversation, also when no case
    is linked in the slots any more (after a hand back, a closed or a stopped intake).
    """

    def name(self) -> str:
        return "action_delete_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            await asyncio.to_thread(
                escalation.forget, get_settings(), conversation_id=tracker.sender_id
            )
        except Exception:  # the tracker store still deletes, and asks the case log again
            logger.exception("The case log could not forget a deleted conversation.")
        dispatcher.utter_message(response="utter_conversation_deleted")
        return [SlotSet(DELETE_CONVERSATION_SLOT, True)]
