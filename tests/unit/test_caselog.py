"""The case log on SQLite and PostgreSQL: trail, transitions, roles, contacts, retention."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.caselog import service
from bot.caselog.contacts import Contact, ContactCipher
from bot.caselog.models import (
    Adviser,
    Case,
    CaseEvent,
    CaseStatistic,
    CaseStatus,
    ContactDetail,
    HelpMode,
    Role,
    TrailDeletion,
    Urgency,
    utcnow,
)

CIPHER = ContactCipher(Fernet.generate_key().decode())


def adviser(session: Session, name: str, role: Role = Role.ADVISER) -> Adviser:
    person = Adviser(username=name, display_name=name.title(), role=role.value, password_hash="x")
    session.add(person)
    session.flush()
    return person


def new_case(session: Session, urgency: Urgency = Urgency.NORMAL, **intake: object) -> Case:
    case = service.open_case(
        session,
        conversation_id=f"conv-{utcnow().timestamp()}",
        channel="rest",
        urgency=urgency,
        themes=["signalen"],
        recommended=["lse"],
        transcript=[{"who": "user", "text": "Mijn leerling Sanne de Jong tekent hakenkruizen"}],
    )
    service.complete_intake(
        session,
        case=case,
        help_mode=intake.pop("help_mode", HelpMode.NONE),  # type: ignore[arg-type]
        summary="Sanne de Jong tekent hakenkruizen",
        live=bool(intake.pop("live", False)),
        **intake,  # type: ignore[arg-type]
    )
    return case


def kinds(case: Case) -> list[str]:
    return [event.kind for event in case.events]


def test_a_new_case_has_a_reference_and_a_created_event(session: Session) -> None:
    case = new_case(session)
    assert case.reference.startswith("AL-") and len(case.reference) == 9
    assert kinds(case) == ["created"]
    assert service.find_open_case(session, conversation_id=case.conversation_id) is case
    assert service.get_case(session, reference=case.reference) is case


def test_free_text_is_stored_without_the_names(session: Session) -> None:
    case = new_case(session)
    counsellor = adviser(session, "anna")
    service.claim(session, case=case, adviser=counsellor)
    service.add_note(session, case=case, adviser=counsellor, text="Gebeld met Kevin Jansen")
    assert "Sanne" not in case.summary and "[PERSOON-1]" in case.summary
    assert "Sanne" not in case.transcript[0]["text"]
    note = case.events[-1]
    assert note.kind == "note" and "Kevin" not in (note.text or "")


def test_a_call_back_contact_is_encrypted_apart_and_erased_on_close(session: Session) -> None:
    case = new_case(
        session,
        help_mode=HelpMode.CALLBACK,
        contact=Contact("phone", "+31612345678"),
        cipher=CIPHER,
    )
    assert case.status == CaseStatus.WAITING_CALLBACK.value
    row = session.scalar(select(ContactDetail).where(ContactDetail.case_id == case.id))
    assert row is not None and "612345678" not in row.ciphertext
    counsellor = adviser(session, "anna")
    service.claim(session, case=case, adviser=counsellor)
    found = service.read_contact(session, case=case, viewer=counsellor, cipher=CIPHER)
    assert found == Contact("phone", "+31612345678")
    other = adviser(session, "bert")
    with pytest.raises(service.NotAllowedError):
        service.read_contact(session, case=case, viewer=other, cipher=CIPHER)
    service.close(session, case=case, adviser=counsellor, outcome="called_back")
    assert not service.has_contact(session, case=case)
    assert kinds(case)[-2:] == ["contact_erased", "closed"]


ALLOWED = [
    (CaseStatus.NEW, CaseStatus.CLAIMED),
    (CaseStatus.CLAIMED, CaseStatus.WAITING_CALLBACK),
    (CaseStatus.CLAIMED, CaseStatus.FOLLOW_UP),
    (CaseStatus.FOLLOW_UP, CaseStatus.CLAIMED),
    (CaseStatus.WAITING_CALLBACK, CaseStatus.CLAIMED),
]


@pytest.mark.parametrize(("start", "end"), ALLOWED)
def test_allowed_status_changes_are_recorded(
    session: Session, start: CaseStatus, end: CaseStatus
) -> None:
    case = new_case(session)
    case.status = start.value
    counsellor = adviser(session, "anna")
    case.assigned_adviser_id = counsellor.id
    service.change_status(session, case=case, adviser=counsellor, to=end)
    assert case.status == end.value
    assert case.events[-1].data == {"from": start.value, "to": end.value}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (CaseStatus.NEW, CaseStatus.FOLLOW_UP),
        (CaseStatus.FOLLOW_UP, CaseStatus.WAITING_CALLBACK),
        (CaseStatus.CLOSED, CaseStatus.CLAIMED),
        (CaseStatus.CLOSED, CaseStatus.NEW),
    ],
)
def test_other_status_changes_are_refused(
    session: Session, start: CaseStatus, end: CaseStatus
) -> None:
    case = new_case(session)
    case.status = start.value
    counsellor = adviser(session, "anna")
    case.assigned_adviser_id = counsellor.id
    with pytest.raises(service.CaseError):
        service.change_status(session, case=case, adviser=counsellor, to=end)
    assert case.status == start.value


def test_closing_needs_a_known_outcome_and_a_closed_case_stays_closed(session: Session) -> None:
    case = new_case(session)
    counsellor = adviser(session, "anna")
    service.claim(session, case=case, adviser=counsellor)
    with pytest.raises(service.CaseError):
        service.close(session, case=case, adviser=counsellor, outcome="weet niet")
    service.close(session, case=case, adviser=counsellor, outcome="advice_given", note="Klaar")
    assert case.status == "closed" and case.closed_at is not None
    with pytest.raises(service.CaseError):
        service.add_message(session, case=case, adviser=counsellor, text="nog iets")


def test_an_adviser_sees_the_queue_and_own_cases_but_not_a_colleagues(session: Session) -> None:
    anna, bert = adviser(session, "anna"), adviser(session, "bert")
    boss = adviser(session, "chef", Role.COORDINATOR)
    waiting, mine, theirs = new_case(session), new_case(session), new_case(session)
    service.claim(session, case=mine, adviser=anna)
    service.claim(session, case=theirs, adviser=bert)
    assert {c.id for c in service.visible_cases(session, viewer=anna)} == {waiting.id, mine.id}
    with pytest.raises(service.NotAllowedError):
        service.require_view(anna, theirs)
    with pytest.raises(service.NotAllowedError):
        service.add_note(session, case=theirs, adviser=anna, text="mag niet")
    with pytest.raises(service.NotAllowedError):
        service.claim(session, case=mine, adviser=bert)
    assert len(service.visible_cases(session, viewer=boss)) == 3
    service.reassign(session, case=theirs, to=anna, by=boss)
    assert theirs.assigned_adviser_id == anna.id
    with pytest.raises(service.NotAllowedError):
        service.reassign(session, case=mine, to=bert, by=anna)


def test_the_queue_puts_urgent_cases_first_then_the_longest_waiting(session: Session) -> None:
    viewer = adviser(session, "chef", Role.COORDINATOR)
    first = new_case(session, Urgency.LOW)
    second = new_case(session, Urgency.NORMAL)
    acute = new_case(session, Urgency.ACUTE)
    first.created_at = utcnow() - timedelta(hours=2)
    order = [c.id for c in service.visible_cases(session, viewer=viewer)]
    assert order == [acute.id, second.id, first.id]


def test_unfinished_intakes_stay_out_of_the_queue_unless_acute(session: Session) -> None:
    viewer = adviser(session, "chef", Role.COORDINATOR)
    calm = service.open_case(session, conversation_id="a", channel="rest")
    acute = service.open_case(session, conversation_id="b", channel="rest", urgency=Urgency.ACUTE)
    assert [c.id for c in service.visible_cases(session, viewer=viewer)] == [acute.id]
    service.stop_intake(session, case=calm)
    service.stop_intake(session, case=acute)
    assert calm.status == "closed" and calm.outcome == "intake_stopped"
    assert acute.is_open


def test_queue_position_counts_live_cases_waiting_before(session: Session) -> None:
    one = new_case(session, live=True, help_mode=HelpMode.CHAT)
    two = new_case(session, live=True, help_mode=HelpMode.CHAT)
    urgent = new_case(session, Urgency.HIGH, live=True, help_mode=HelpMode.CHAT)
    assert [service.queue_position(session, case=c) for c in (urgent, one, two)] == [1, 2, 3]


def test_user_messages_join_the_trail_only_during_a_live_handoff(session: Session) -> None:
    live = new_case(session, live=True, help_mode=HelpMode.CHAT)
    calm = new_case(session)
    first = [("Is daar iemand? Ahmed wacht.", 100.0)]
    service.record_user_messages(session, conversation_id=live.conversation_id, messages=first)
    # the tracker store passes every message since the pause on each save: no doubles
    both = [*first, ("Hallo?", 101.0)]
    service.record_user_messages(session, conversation_id=live.conversation_id, messages=both)
    calm_messages = [("hallo", 1.0)]
    assert (
        service.record_user_messages(
            session, conversation_id=calm.conversation_id, messages=calm_messages
        )
        is None
    )
    messages = [e for e in live.events if e.kind == "message"]
    assert [(m.actor, m.data) for m in messages] == [
        ("user", {"at": 100.0}),
        ("user", {"at": 101.0}),
    ]
    assert "Ahmed" not in (messages[0].text or "")
    assert kinds(calm) == ["created"]


def test_deleting_a_conversation_drops_its_copies_in_the_case_log(session: Session) -> None:
    case = new_case(session, live=True, help_mode=HelpMode.CHAT)
    service.record_user_messages(
        session, conversation_id=case.conversation_id, messages=[("Zijn jullie er?", 5.0)]
    )
    anna = adviser(session, "anna")
    service.claim(session, case=case, adviser=anna)
    service.add_message(session, case=case, adviser=anna, text="Vertel, wat speelt er bij Kim?")
    service.add_note(session, case=case, adviser=anna, text="Kim, 15, tekent symbolen")
    service.close(session, case=case, adviser=anna, outcome="advice_given", note="Over Kim")
    assert service.forget_conversation(session, conversation_id=case.conversation_id) == 1
    session.flush()
    session.expire_all()
    assert case.transcript == [] and case.summary == "" and case.closing_note is None
    assert all(e.text is None for e in case.events)
    assert "message" not in kinds(case) and "note" not in kinds(case)
    assert kinds(case)[-1] == "conversation_deleted"
    # a second request (the action and the tracker store both ask) adds no second entry
    service.forget_conversation(session, conversation_id=case.conversation_id)
    session.flush()
    session.expire_all()
    assert kinds(case).count("conversation_deleted") == 1


def test_follow_ups_due_today(session: Session) -> None:
    anna = adviser(session, "anna")
    case = new_case(session)
    service.claim(session, case=case, adviser=anna)
    service.set_follow_up(session, case=case, adviser=anna, on=date.today())
    assert case.status == "follow_up"
    assert service.follow_ups_due(session, viewer=anna, on=date.today()) == [case]
    assert service.follow_ups_due(session, viewer=anna, on=date.today() - timedelta(days=1)) == []


def test_urgency_only_goes_up(session: Session) -> None:
    case = new_case(session, Urgency.LOW)
    service.raise_urgency(session, case=case, to=Urgency.ACUTE)
    service.raise_urgency(session, case=case, to=Urgency.NORMAL)
    assert case.urgency == "acuut"
    assert kinds(case).count("urgency_changed") == 1


def test_the_audit_trail_cannot_be_rewritten(session: Session) -> None:
    case = new_case(session)
    session.flush()
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("UPDATE case_events SET text = 'changed'"))
    assert all(event.text != "changed" for event in case.events)


@pytest.mark.parametrize(
    "statement",
    ["DELETE FROM case_events", "DELETE FROM cases"],
)
def test_the_audit_trail_cannot_be_deleted_outside_the_sanctioned_path(
    session: Session, statement: str
) -> None:
    case = new_case(session)
    session.flush()
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement))
    session.expire_all()
    assert kinds(case) == ["created"]
    assert session.scalars(select(TrailDeletion)).all() == []


def test_the_sanctioned_deletion_leaves_no_permit_behind(session: Session) -> None:
    case = new_case(session)
    with service.trail_deletion(session, reason="test"):
        for event in list(case.events):
            case.events.remove(event)
    assert session.scalars(select(TrailDeletion)).all() == []
    service.raise_urgency(session, case=case, to=Urgency.ACUTE)  # a new trail entry
    session.flush()
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(f"DELETE FROM cases WHERE id = {case.id}"))


def test_presence_counts_advisers_seen_recently(session: Session) -> None:
    anna, bert = adviser(session, "anna"), adviser(session, "bert")
    service.touch_presence(session, adviser=anna)
    bert.last_seen_at = utcnow() - timedelta(minutes=10)
    assert service.advisers_online(session, within=timedelta(seconds=90)) == 1


def test_old_closed_cases_become_counts(session: Session) -> None:
    anna = adviser(session, "anna")
    old = new_case(session, sector="onderwijs", region="Utrecht")
    recent = new_case(session)
    for case in (old, recent):
        service.claim(session, case=case, adviser=anna)
        service.close(session, case=case, adviser=anna, outcome="advice_given")
    old.closed_at = utcnow() - timedelta(days=400)
    gone = service.anonymise_closed_cases(session, closed_before=utcnow() - timedelta(days=365))
    assert gone == 1
    assert service.get_case(session, reference=old.reference) is None
    assert session.scalars(select(CaseEvent).where(CaseEvent.case_id == old.id)).all() == []
    stats = session.scalars(select(CaseStatistic)).all()
    assert [(s.theme, s.region, s.sector, s.count) for s in stats] == [
        ("signalen", "Utrecht", "onderwijs", 1)
    ]
    assert service.get_case(session, reference=recent.reference) is not None


# --- retention of cases nobody finishes or touches (issue 11, item 9) ----------------


def aged_case(session: Session, *, days: float, **fields: object) -> Case:
    """A case whose every timestamp (and its trail's) lies ``days`` in the past."""
    then = utcnow() - timedelta(days=days)
    values: dict[str, Any] = {
        "reference": f"AL-{uuid.uuid4().hex[:6].upper()}",
        "channel": "rest",
        "conversation_id": f"aged-{uuid.uuid4().hex}",
        "themes": ["signalen"],
        "recommended_resources": [],
        "transcript": [{"who": "user", "text": "[PERSOON-1] tekent hakenkruizen"}],
        "summary": "",
        "status": CaseStatus.NEW.value,
        "intake_complete": False,
        "urgency": Urgency.NORMAL.value,
        "created_at": then,
        "updated_at": then,
        **fields,
    }
    case = Case(**values)
    session.add(case)
    session.add(CaseEvent(case=case, kind="created", actor="system", created_at=then))
    session.flush()
    return case


def test_intakes_nobody_finished_become_counts_after_the_intake_hours(session: Session) -> None:
    abandoned = aged_case(session, days=2)
    service.store_contact(
        session, case=abandoned, contact=Contact("phone", "+31612345678"), cipher=CIPHER
    )
    acute = aged_case(session, days=2, urgency=Urgency.ACUTE.value)
    finished = aged_case(session, days=2, intake_complete=True)
    recent = service.open_case(session, conversation_id="busy", channel="rest")
    cutoff = utcnow() - timedelta(hours=24)
    assert service.anonymise_abandoned_intakes(session, started_before=cutoff) == 1
    session.expire_all()
    assert service.get_case(session, reference=abandoned.reference) is None
    assert session.scalars(select(ContactDetail)).all() == []
    assert session.scalars(select(CaseEvent).where(CaseEvent.case_id == abandoned.id)).all() == []
    for kept in (acute, finished, recent):
        assert service.get_case(session, reference=kept.reference) is not None
    stats = session.scalars(select(CaseStatistic)).all()
    assert [(s.theme, s.count) for s in stats] == [("signalen", 1)]


def test_open_cases_nobody_touched_for_the_case_days_go_with_their_contacts(
    session: Session,
) -> None:
    anna = adviser(session, "anna")
    stale = aged_case(
        session,
        days=400,
        intake_complete=True,
        status=CaseStatus.WAITING_CALLBACK.value,
        help_mode=HelpMode.CALLBACK.value,
    )
    service.store_contact(
        session, case=stale, contact=Contact("email", "x@example.nl"), cipher=CIPHER
    )
    noted = aged_case(session, days=400, intake_complete=True)
    session.add(CaseEvent(case=noted, kind="note", actor=service.actor_of(anna), text="nog bezig"))
    closed = aged_case(session, days=400, status=CaseStatus.CLOSED.value, closed_at=utcnow())
    fresh = new_case(session)
    cutoff = utcnow() - timedelta(days=365)
    assert [c.id for c in service.stale_open_cases(session, idle_since=cutoff)] == [stale.id]
    assert service.anonymise_stale_cases(session, idle_since=cutoff) == 1
    session.expire_all()
    assert service.get_case(session, reference=stale.reference) is None
    assert session.scalars(select(ContactDetail)).all() == []
    for kept in (noted, closed, fresh):
        assert service.get_case(session, reference=kept.reference) is not None


def test_the_bot_lines_of_a_transcript_keep_the_catalogue_text(session: Session) -> None:
    """Issue 13: the bot's catalogue lines came back as "[INSTELLING-1] ...: [URL-2]"."""
    catalogue_line = (
        "Dit kan je verder helpen:\n- Stichting School & Veiligheid (SSV): "
        "https://www.schoolenveiligheid.nl/"
    )
    case = service.open_case(
        session,
        conversation_id=f"conv-{utcnow().timestamp()}",
        channel="rest",
        transcript=[
            {"who": "user", "text": "Mijn leerling Sanne de Jong tekent hakenkruizen"},
            {"who": "bot", "text": catalogue_line},
        ],
    )
    assert "Sanne" not in case.transcript[0]["text"]
    assert case.transcript[1]["text"] == catalogue_line


def test_an_urgency_from_the_intake_is_in_the_trail_as_in_the_header(session: Session) -> None:
    """Issue 13: the trail said urgentie 'Normaal' where the case header said Hoog."""
    case = new_case(session, urgency=Urgency.NORMAL)
    assert kinds(case) == ["created"]
    case = new_case(session, urgency=Urgency.NORMAL)
    service.complete_intake(
        session, case=case, help_mode=HelpMode.CHAT, summary="", live=True, urgency=Urgency.HIGH
    )
    assert case.urgency == Urgency.HIGH.value
    changed = [e for e in case.events if e.kind == "urgency_changed"]
    assert len(changed) == 1
    assert changed[0].data == {"from": "normaal", "to": Urgency.HIGH.value, "intake": "answered"}
    assert changed[0].actor == "user"
