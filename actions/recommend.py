"""Recommend catalogue resources that fit the professional's question."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import intent_ranking, latest_intent, latest_text
from bot.catalogue import CatalogueError
from bot.messages import resource_list_text, resources_payload
from bot.routing import entities_by_name, get_recommender

logger = logging.getLogger(__name__)


class ActionRecommendResources(Action):
    """Rank the catalogue for the latest message and send the best resources."""

    def name(self) -> str:
        return "action_recommend_resources"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            resources = get_recommender().recommend(
                intent=latest_intent(tracker),
                text=latest_text(tracker),
                entities=entities_by_name(tracker.latest_message.get("entities", [])),
                ranking=intent_ranking(tracker),
            )
        except CatalogueError:
            logger.exception("catalogue unavailable; answering without resources")
            resources = []
        events: list[EventType] = [SlotSet("clarify_count", 0.0)]
        if not resources:
            return events
        dispatcher.utter_message(
            response="utter_resources_intro",
            resource_list=resource_list_text(resources),
            json_message=resources_payload(resources),
        )
        return [*events, SlotSet("recommended_resources", [r.id for r in resources])]
