"""The intake before an adviser takes over: at most three questions, each skippable.

The answers are read from the professional's message by :mod:`bot.escalation`;
only values the bot chose (a sector, a region from the list of municipalities,
an urgency, a way to be helped) go into slots, never the professional's words.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import NOT_AN_ANSWER, latest_entities, latest_intent, latest_text
from bot import escalation
from bot.caselog.models import Urgency
from bot.settings import get_settings

FORM = "handoff_form"
ANSWERED = "answered"  # the message answers the question; validation reads it


def _answering(tracker: Tracker, slot: str) -> bool:
    """Whether the latest message answers the intake question for ``slot``."""
    return (
        tracker.active_loop.get("name") == FORM
        and tracker.get_slot("requested_slot") == slot
        and latest_intent(tracker) not in NOT_AN_ANSWER
    )


class ValidateHandoffForm(FormValidationAction):
    """Reads the intake answers and skips questions whose answer is known."""

    def name(self) -> str:
        return "validate_handoff_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Ask nothing for an open case; after acute danger ask only how to help."""
        if tracker.get_slot("help_mode") in (escalation.ALREADY_OPEN, escalation.LIMITED):
            return []
        if tracker.get_slot("urgency") == Urgency.ACUTE.value:
            return [slot for slot in domain_slots if slot == "help_mode"]
        return domain_slots

    # Extraction only decides whether the message answers the question that was
    # asked; validation reads the answer (rasa-sdk keeps the extra slots a
    # validate method returns, not those of an extract method).

    async def extract_intake_profile(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Take the message as the answer to the first question (role, sector, region)."""
        return {"intake_profile": ANSWERED} if _answering(tracker, "intake_profile") else {}

    async def extract_urgency(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Take the message as the answer to "how urgent is it?"."""
        return {"urgency": ANSWERED} if _answering(tracker, "urgency") else {}

    async def extract_help_mode(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Take the message as the answer to "how do you want to be helped?"."""
        return {"help_mode": ANSWERED} if _answering(tracker, "help_mode") else {}

    async def validate_intake_profile(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Role, sector and region from the answer (none recognised: skipped)."""
        if value != ANSWERED:
            return {"intake_profile": value}
        profile = escalation.read_profile(
            get_settings(), text=latest_text(tracker), entities=latest_entities(tracker)
        )
        known = any((profile.role, profile.sector, profile.region))
        return {
            "intake_profile": "done" if known else "skipped",
            "role": profile.role or tracker.get_slot("role"),
            "sector": profile.sector,
            "region": profile.region,
        }

    async def validate_urgency(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """How urgent it is (skipped or unclear: ``normaal``)."""
        if value != ANSWERED:
            return {"urgency": value}
        return {
            "urgency": escalation.read_urgency(
                get_settings(), text=latest_text(tracker), entities=latest_entities(tracker)
            )
        }

    async def validate_help_mode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Wait in the chat, a call back or e-mail (the contact itself is not put in a slot)."""
        if value != ANSWERED:
            return {"help_mode": value}
        return {
            "help_mode": escalation.read_help_mode(
                get_settings(), text=latest_text(tracker), entities=latest_entities(tracker)
            )
        }


class ActionAskHelpMode(Action):
    """The last intake question; waiting in the chat is offered only when it is possible."""

    def name(self) -> str:
        return "action_ask_help_mode"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        settings = get_settings()
        if escalation.live_now(settings):
            dispatcher.utter_message(response="utter_ask_help_mode_live")
        else:
            dispatcher.utter_message(
                response="utter_ask_help_mode_later", when=escalation.when(settings)
            )
        return []
