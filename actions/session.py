"""A new conversation session: carry the slots over, and stay paused during a live handoff.

Rasa starts a new session when a professional writes after the session expired (60
minutes in ``domain.yml``). Its own ``action_session_start`` applies
``SessionStarted``, which un-pauses the conversation: a professional still waiting for,
or talking with, an adviser would suddenly get the bot again. This one carries the
slots over as Rasa's does and pauses the new session again while the conversation's
case is live in the case log.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import escalation
from bot.settings import get_settings

# Rasa fills this one from the client's metadata at every session start.
NOT_CARRIED = frozenset({"session_started_metadata"})


class ActionSessionStart(Action):
    """Start a session; keep a live handoff paused."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        if domain.get("session_config", {}).get("carry_over_slots_to_new_session", True):
            events.extend(
                SlotSet(name, value)
                for name, value in tracker.current_slot_values().items()
                if value is not None and name not in NOT_CARRIED
            )
        if escalation.in_live_handoff(get_settings(), conversation_id=tracker.sender_id):
            events.append(ConversationPaused())
        events.append(ActionExecuted("action_listen"))
        return events
