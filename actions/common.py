"""Small helpers shared by the actions (no Action subclasses here)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.messages import HandoffStage, handoff_payload
from bot.settings import Settings


def latest_intent(tracker: Tracker) -> str | None:
    """Return the name of the latest user intent, if any."""
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name")
    return name if isinstance(name, str) else None


def intent_ranking(tracker: Tracker) -> list[tuple[str, float]]:
    """Return the latest message's (intent, confidence) ranking, likeliest first."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    return [
        (item["name"], float(item.get("confidence") or 0.0))
        for item in ranking
        if isinstance(item, dict) and isinstance(item.get("name"), str)
    ]


def latest_text(tracker: Tracker) -> str:
    """Return the text of the latest user message ('' for none)."""
    text = tracker.latest_message.get("text")
    return text if isinstance(text, str) else ""


def contact_variables(settings: Settings) -> dict[str, Any]:
    """Return the template variables that fill contact details into responses."""
    contact = settings.contact
    return {"phone": contact.phone, "email": contact.email, "hours": contact.hours}


def offer_human(dispatcher: CollectingDispatcher) -> list[EventType]:
    """Offer a human adviser (response with buttons) and remember the offer."""
    dispatcher.utter_message(
        response="utter_offer_human", json_message=handoff_payload(HandoffStage.OFFERED)
    )
    return [SlotSet("human_offered", True)]
