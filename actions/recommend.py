"""Recommend catalogue resources that fit the professional's question."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import intent_ranking, latest_intent, latest_text, responses_so_far
from bot import casework
from bot.catalogue import CatalogueError
from bot.messages import resource_list_text, resources_payload
from bot.routing import entities_by_name, get_recommender
from bot.settings import get_settings

logger = logging.getLogger(__name__)


class ActionRecommendResources(Action):
    """Rank the catalogue for the latest message and send the best resources.

    When the message describes a concrete situation, the questions about it are
    offered after the resources (:func:`bot.casework.should_offer`), once per
    conversation; the answer itself never waits for them.
    """

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
        if resources:
            dispatcher.utter_message(
                response="utter_resources_intro",
                resource_list=resource_list_text(resources),
                json_message=resources_payload(resources),
            )
            events.append(SlotSet("recommended_resources", [r.id for r in resources]))
        offer = casework.should_offer(
            intent=latest_intent(tracker),
            text=latest_text(tracker),
            offered_before="utter_case_offer" in responses_so_far(tracker),
            case_open=bool(tracker.get_slot("case_reference") or tracker.get_slot("human_offered")),
            words=casework.vocabulary(get_settings()),
        )
        if offer:
            dispatcher.utter_message(response="utter_case_offer")
        return [*events, SlotSet("case_offered", offer)]
