"""What the bot does when it is unsure: clarify once, then offer a human."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import intent_ranking, latest_intent, offer_human
from bot.catalogue import CatalogueError
from bot.routing import get_recommender

# How many topics the clarifying question offers as buttons.
CLARIFY_OPTIONS = 2


class ActionClarify(Action):
    """First time unsure: ask which of the two likeliest topics was meant.

    The second time in a row the bot offers a human adviser instead.
    """

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        count = int(tracker.get_slot("clarify_count") or 0) + 1
        events: list[EventType] = [SlotSet("clarify_count", float(count))]
        buttons: list[dict[str, str]] = []
        if count < 2:
            try:
                topics = get_recommender().likely_topics(intent_ranking(tracker), CLARIFY_OPTIONS)
                buttons = [{"title": t.label, "payload": f"/{t.intent}"} for t in topics]
            except CatalogueError:
                buttons = []
        if buttons:
            dispatcher.utter_message(response="utter_clarify", buttons=buttons)
            return events
        dispatcher.utter_message(response="utter_not_understood_again")
        return [*events, *offer_human(dispatcher)]


class ActionOfferHuman(Action):
    """Offer a human adviser: the bot does not help, thoughts of suicide, or acute danger."""

    def name(self) -> str:
        return "action_offer_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return offer_human(dispatcher, urgent=latest_intent(tracker) == "acute_danger")
