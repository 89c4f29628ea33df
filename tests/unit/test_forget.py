"""Deleting a conversation clears the case log, with or without a case in the slots.

Issue 11, item 12: the case log forgot a conversation only while the ``case_reference``
slot was set (it is cleared after a hand back or a stopped intake), and kept the
adviser's messages and notes.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import SlotSet
from sqlalchemy import select

from actions.privacy import ActionDeleteConversation
from bot import escalation
from bot.caselog import service
from bot.caselog.models import Adviser, Case
from bot.db import session_scope
from bot.privacy import DELETE_CONVERSATION_SLOT
from bot.settings import Settings
from tests.unit.test_actions import run, tracker


def test_deleting_clears_the_case_log_without_a_case_in_the_slots(
    case_settings: Settings, domain: dict[str, Any]
) -> None:
    started = escalation.start(
        case_settings,
        conversation_id="weg",
        channel="rest",
        urgent=False,
        intents=[],
        recommended=[],
        transcript=[{"who": "user", "text": "Een leerling tekent hakenkruizen"}],
    )
    with session_scope(case_settings) as session:
        case = service.get_case(session, reference=started.reference)
        assert case is not None
        anna = Adviser(username="anna", display_name="Anna", role="adviser", password_hash="x")
        session.add(anna)
        session.flush()
        service.claim(session, case=case, adviser=anna)
        service.add_message(session, case=case, adviser=anna, text="Wat tekent hij precies?")
        service.add_note(session, case=case, adviser=anna, text="Tekent op school")
        service.hand_back(session, case=case, adviser=anna)
    # after the hand back the slots no longer name the case
    messages, events = run(ActionDeleteConversation(), tracker(sender="weg"), domain)
    assert [m["response"] for m in messages] == ["utter_conversation_deleted"]
    assert events == [SlotSet(DELETE_CONVERSATION_SLOT, True)]
    with session_scope(case_settings) as session:
        case = session.scalar(select(Case).where(Case.conversation_id == "weg"))
        assert case is not None and case.transcript == []
        assert [event.text for event in case.events if event.text] == []
        assert case.events[-1].kind == "conversation_deleted"
