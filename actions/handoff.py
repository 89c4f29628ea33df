"""Escalation to a human adviser: start, finish or stop the intake, adviser joins and leaves."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    clear_intake,
    contact_variables,
    conversation_view,
    latest_intent,
    latest_text,
)
from bot import escalation
from bot.caselog.models import Urgency
from bot.handoff import Profile
from bot.messages import HandoffStage, handoff_payload
from bot.settings import get_settings


class ActionStartHandoff(Action):
    """Log the escalation, say what happens with the chat, and let the intake begin."""

    def name(self) -> str:
        return "action_start_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        view = conversation_view(tracker)
        started = escalation.start(
            get_settings(),
            conversation_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "unknown",
            urgent=latest_intent(tracker) == "acute_danger"
            or tracker.get_slot("urgency") == Urgency.ACUTE.value,
            intents=view.intents,
            recommended=view.recommended,
            transcript=view.transcript,
            request=latest_text(tracker),
        )
        events: list[EventType] = [
            SlotSet("human_offered", False),
            SlotSet("clarify_count", 0.0),
            SlotSet("case_reference", started.reference),
        ]
        if started.already_open:
            # The form has nothing to ask; the submit action says the case is open.
            return [
                *events,
                SlotSet("intake_profile", "done"),
                SlotSet("urgency", started.urgency),
                SlotSet(
                    "help_mode", escalation.LIMITED if started.limited else escalation.ALREADY_OPEN
                ),
            ]
        if tracker.active_loop.get("name") != "handoff_form":
            dispatcher.utter_message(
                response="utter_handoff_intro", json_message=handoff_payload(HandoffStage.STARTED)
            )
            events.extend(clear_intake())
        if started.urgency == Urgency.ACUTE.value:
            events.append(SlotSet("urgency", Urgency.ACUTE.value))
        if started.help_mode is not None:
            events.append(SlotSet("help_mode", started.help_mode))
        return events


class ActionSubmitHandoff(Action):
    """After the intake: queue for a live adviser (and pause the bot), or log a call back."""

    def name(self) -> str:
        return "action_submit_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        settings = get_settings()
        view = conversation_view(tracker)
        finished = escalation.finish(
            settings,
            reference=str(tracker.get_slot("case_reference")),
            help_mode=tracker.get_slot("help_mode"),
            answer=latest_text(tracker),
            profile=Profile(
                role=tracker.get_slot("role"),
                sector=tracker.get_slot("sector"),
                region=tracker.get_slot("region"),
            ),
            urgency=tracker.get_slot("urgency"),
            questions=view.questions,
            transcript=view.transcript,
        )
        variables = {"reference": finished.reference, "when": finished.when}
        events = clear_intake()
        if finished.outcome == escalation.Outcome.QUEUED:
            dispatcher.utter_message(
                response="utter_handoff_queued",
                json_message=handoff_payload(HandoffStage.QUEUED, position=finished.position),
                position=finished.position,
                **variables,
            )
            return [*events, ConversationPaused()]
        response = {
            escalation.Outcome.LOGGED: "utter_handoff_logged",
            escalation.Outcome.LOGGED_NO_CONTACT: "utter_handoff_logged_no_contact",
            escalation.Outcome.ALREADY_OPEN: "utter_handoff_already_open",
            escalation.Outcome.LIMITED: "utter_handoff_limited",
        }[finished.outcome]
        dispatcher.utter_message(
            response=response,
            json_message=handoff_payload(HandoffStage.LOGGED),
            **variables,
            **contact_variables(settings),
        )
        return events


class ActionStopIntake(Action):
    """The professional said stop or no during the intake: leave it cleanly."""

    def name(self) -> str:
        return "action_stop_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        settings = get_settings()
        reference = tracker.get_slot("case_reference")
        if reference:
            escalation.stop(settings, reference=str(reference))
        dispatcher.utter_message(
            response="utter_intake_stopped",
            json_message=handoff_payload(HandoffStage.CANCELLED),
            **contact_variables(settings),
        )
        return [ActiveLoop(None), SlotSet("requested_slot", None), *clear_intake()]


class ActionAdviserJoined(Action):
    """Run by the console when an adviser takes the conversation: introduce the adviser."""

    def name(self) -> str:
        return "action_adviser_joined"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        name = escalation.adviser_name(
            get_settings(), reference=str(tracker.get_slot("case_reference"))
        )
        if name:
            dispatcher.utter_message(
                response="utter_adviser_joined",
                json_message=handoff_payload(HandoffStage.CONNECTED, adviser=name),
                name=name,
            )
        return []


class ActionHandBack(Action):
    """Run by the console when the adviser hands the conversation back to the bot."""

    def name(self) -> str:
        return "action_hand_back"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_handed_back", json_message=handoff_payload(HandoffStage.ENDED)
        )
        return [*clear_intake(), SlotSet("human_offered", False), SlotSet("clarify_count", 0.0)]


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
