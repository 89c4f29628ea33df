"""Small helpers shared by the actions (no Action subclasses here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.caselog.models import Urgency
from bot.messages import HandoffStage, handoff_payload
from bot.routing import entities_by_name
from bot.settings import Settings

# Intents that leave the intake, or interrupt it (acute danger), rather than answer it.
NOT_AN_ANSWER = frozenset({"stop", "deny", "acute_danger"})
# The intake's slots; cleared when an escalation ends so the next one starts afresh.
INTAKE_SLOTS = ("intake_profile", "urgency", "help_mode")
START_ACTION = "action_start_handoff"
# The questions about the professional's own situation (bot/casework.py).
CASE_FORM = "case_form"
CASE_SLOTS = ("case_age", "case_setting", "case_history", "case_since", "case_tried")


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


def latest_entities(tracker: Tracker) -> dict[str, list[str]]:
    """Return the latest message's entity values by entity name."""
    return entities_by_name(tracker.latest_message.get("entities", []))


def contact_variables(settings: Settings) -> dict[str, Any]:
    """Return the template variables that fill contact details into responses."""
    contact = settings.contact
    return {"phone": contact.phone, "email": contact.email, "hours": contact.hours}


def offer_human(
    dispatcher: CollectingDispatcher, *, urgent: bool = False, response: str = "utter_offer_human"
) -> list[EventType]:
    """Offer a human adviser (response with buttons) and remember the offer.

    After acute danger the offer follows the 112 message and remembers the urgency, so
    that a yes opens the case as acute; the intake is never started unasked. An offer
    of the case questions still open is withdrawn, so that a yes means the adviser.
    """
    dispatcher.utter_message(
        response="utter_offer_human_urgent" if urgent else response,
        json_message=handoff_payload(HandoffStage.OFFERED),
    )
    events: list[EventType] = [SlotSet("human_offered", True), SlotSet("case_offered", False)]
    if urgent:
        events.append(SlotSet("urgency", Urgency.ACUTE.value))
    return events


def clear_intake() -> list[EventType]:
    """Events that empty the intake's slots."""
    return [SlotSet(slot, None) for slot in INTAKE_SLOTS]


def clear_case() -> list[EventType]:
    """Events that empty the case questions' slots."""
    return [SlotSet(slot, None) for slot in CASE_SLOTS]


def responses_so_far(tracker: Tracker) -> list[str]:
    """Return the names of the domain responses the bot sent in this conversation."""
    names: list[str] = []
    for event in tracker.events:
        metadata = event.get("metadata") if event.get("event") == "bot" else None
        name = metadata.get("utter_action") if isinstance(metadata, dict) else None
        if isinstance(name, str):
            names.append(name)
    return names


@dataclass
class ConversationView:
    """What the conversation so far says, as plain values for :mod:`bot`."""

    intents: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)  # asked before the latest intake
    recommended: list[str] = field(default_factory=list)
    transcript: list[dict[str, str]] = field(default_factory=list)


def _when(event: dict[str, Any]) -> str:
    stamp = event.get("timestamp")
    if not isinstance(stamp, (int, float)):
        return ""
    return datetime.fromtimestamp(stamp, timezone.utc).isoformat(timespec="seconds")


def conversation_view(tracker: Tracker) -> ConversationView:
    """Read the intents, questions, recommended resources and transcript of a conversation."""
    view = ConversationView()
    asked: list[str] = []
    offered: dict[str, str] = {}  # the latest buttons: payload -> title
    for event in tracker.events:
        kind, text = event.get("event"), event.get("text")
        if kind == "action" and event.get("name") == START_ACTION:
            view.questions = list(asked)
        if kind == "user" and isinstance(text, str) and text in offered:
            text = offered[text]  # a pressed button reads as its title
        if kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if isinstance(intent, str):
                view.intents.append(intent)
            if isinstance(text, str) and text and not text.startswith("/"):
                asked.append(text)
        elif kind == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            offered = {
                b["payload"]: b["title"]
                for b in buttons
                if isinstance(b, dict) and isinstance(b.get("payload"), str) and b.get("title")
            }
            custom = (event.get("data") or {}).get("custom") or {}
            if custom.get("type") == "resources":
                view.recommended.extend(
                    item["id"] for item in custom.get("items", []) if isinstance(item, dict)
                )
        if kind in ("user", "bot") and isinstance(text, str) and text:
            view.transcript.append({"who": kind, "text": text, "at": _when(event)})
    if not any(e.get("name") == START_ACTION for e in tracker.events):
        view.questions = asked
    return view
