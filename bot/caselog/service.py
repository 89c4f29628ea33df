"""Every change to the case log goes through these functions.

They take a session (one unit of work: ``with session_scope() as session``) and
keyword-only arguments, de-identify every piece of free text before it is
written, keep the audit trail (one :class:`CaseEvent` per change) and enforce the
status transitions and who may see what.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.caselog.contacts import Contact, ContactCipher
from bot.caselog.models import (
    Adviser,
    Case,
    CaseEvent,
    CaseStatistic,
    CaseStatus,
    ContactDetail,
    EventKind,
    HelpMode,
    TrailDeletion,
    Urgency,
    utcnow,
)
from bot.privacy import redact

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
URGENCY_ORDER = {u.value: i for i, u in enumerate(Urgency)}  # acuut first
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.NEW.value: frozenset(
        {CaseStatus.CLAIMED.value, CaseStatus.WAITING_CALLBACK.value, CaseStatus.CLOSED.value}
    ),
    CaseStatus.WAITING_CALLBACK.value: frozenset(
        {CaseStatus.CLAIMED.value, CaseStatus.CLOSED.value}
    ),
    CaseStatus.CLAIMED.value: frozenset(
        {CaseStatus.WAITING_CALLBACK.value, CaseStatus.FOLLOW_UP.value, CaseStatus.CLOSED.value}
    ),
    CaseStatus.FOLLOW_UP.value: frozenset({CaseStatus.CLAIMED.value, CaseStatus.CLOSED.value}),
    CaseStatus.CLOSED.value: frozenset(),
}
# The waiting queue: open cases nobody has taken yet.
UNCLAIMED = (CaseStatus.NEW.value, CaseStatus.WAITING_CALLBACK.value)
USER, BOT, SYSTEM = "user", "bot", "system"
# Why a case was closed (the console shows Dutch labels for these).
OUTCOMES = (
    "advice_given",
    "referred",
    "called_back",
    "no_contact",
    "intake_stopped",
    "other",
)


class CaseError(ValueError):
    """A change that the case's state does not allow (wrong transition, bad value)."""


class NotAllowedError(PermissionError):
    """The adviser may not see or change this case."""


def actor_of(adviser: Adviser) -> str:
    """Return the audit-trail name of an adviser."""
    return f"adviser:{adviser.username}"


def _event(
    session: Session,
    case: Case,
    kind: EventKind,
    actor: str,
    *,
    adviser: Adviser | None = None,
    text: str | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case=case,
        kind=kind.value,
        actor=actor,
        adviser_id=adviser.id if adviser else None,
        text=redact(text) if text else None,
        data=data,
    )
    session.add(event)
    return event


@contextmanager
def trail_deletion(session: Session, *, reason: str) -> Iterator[None]:
    """Let the block delete trail entries (a trigger refuses it anywhere else).

    A row in ``trail_deletions`` exists only inside this transaction: it is removed
    before the block returns, so no other transaction ever sees it. When the block
    raises, the row goes with the rollback the caller's ``session_scope`` does.
    """
    permit = TrailDeletion(reason=reason)
    session.add(permit)
    session.flush()
    yield
    session.flush()
    session.delete(permit)
    session.flush()


def _new_reference(session: Session) -> str:
    while True:
        reference = "AL-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if session.scalar(select(Case.id).where(Case.reference == reference)) is None:
            return reference


def _redacted_transcript(transcript: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """De-identify what people typed; the bot's own lines (domain and catalogue text) stay.

    Redacting the bot's lines turned catalogue titles and links into tags
    ("[INSTELLING-1] & Veiligheid (SSV): [URL-2]", issue 13). Any line not marked as
    the bot's is taken as a person's.
    """
    return [
        dict(line) if line.get("who") == "bot" else {**line, "text": redact(line.get("text", ""))}
        for line in transcript
    ]


# --- the conversation side ---------------------------------------------------------


def open_case(
    session: Session,
    *,
    conversation_id: str,
    channel: str,
    urgency: Urgency = Urgency.NORMAL,
    themes: Sequence[str] = (),
    recommended: Sequence[str] = (),
    transcript: Sequence[dict[str, str]] = (),
    role: str | None = None,
    sector: str | None = None,
    region: str | None = None,
) -> Case:
    """Log a new escalation (intake still to come) and return the case."""
    case = Case(
        reference=_new_reference(session),
        channel=channel,
        conversation_id=conversation_id,
        urgency=urgency.value,
        themes=list(dict.fromkeys(themes)),
        recommended_resources=list(dict.fromkeys(recommended)),
        transcript=_redacted_transcript(transcript),
        role=role,
        sector=sector,
        region=region,
        status=CaseStatus.NEW.value,
        intake_complete=False,
        live=False,
        summary="",
    )
    session.add(case)
    _event(session, case, EventKind.CREATED, SYSTEM, data={"urgency": urgency.value})
    session.flush()
    return case


def cases_opened_since(session: Session, *, conversation_id: str, since: datetime) -> int:
    """Count the cases (open or closed) a conversation opened since ``since``."""
    count = session.scalar(
        select(func.count(Case.id)).where(
            Case.conversation_id == conversation_id, Case.created_at >= since
        )
    )
    return int(count or 0)


def newest_case(session: Session, *, conversation_id: str) -> Case | None:
    """Return the conversation's newest case, open or closed."""
    case: Case | None = session.scalar(
        select(Case)
        .where(Case.conversation_id == conversation_id)
        .order_by(Case.id.desc())
        .limit(1)
    )
    return case


def find_open_case(session: Session, *, conversation_id: str) -> Case | None:
    """Return the newest open case of a conversation, if any."""
    case: Case | None = session.scalar(
        select(Case)
        .where(Case.conversation_id == conversation_id, Case.status != CaseStatus.CLOSED.value)
        .order_by(Case.id.desc())
        .limit(1)
    )
    return case


def get_case(session: Session, *, reference: str) -> Case | None:
    """Return the case with this reference number."""
    case: Case | None = session.scalar(select(Case).where(Case.reference == reference))
    return case


def store_contact(
    session: Session, *, case: Case, contact: Contact, cipher: ContactCipher | None
) -> None:
    """Keep the case's call-back contact, encrypted and apart (it replaces an earlier one)."""
    if cipher is None:
        raise CaseError("a contact detail needs the contact cipher")
    session.execute(delete(ContactDetail).where(ContactDetail.case_id == case.id))
    session.add(
        ContactDetail(case_id=case.id, kind=contact.kind, ciphertext=cipher.encrypt(contact))
    )


def complete_intake(
    session: Session,
    *,
    case: Case,
    help_mode: HelpMode,
    summary: str,
    live: bool,
    urgency: Urgency | None = None,
    role: str | None = None,
    sector: str | None = None,
    region: str | None = None,
    contact: Contact | None = None,
    cipher: ContactCipher | None = None,
    transcript: Sequence[dict[str, str]] = (),
) -> Case:
    """Record what the intake gave; a call-back contact is stored encrypted, apart."""
    if contact is not None:
        store_contact(session, case=case, contact=contact, cipher=cipher)
    case.role, case.sector, case.region = role or case.role, sector or case.sector, region
    if urgency is not None and urgency.value != case.urgency:
        # in the trail too, so that it never says 'Normaal' where the header says Hoog
        _event(
            session,
            case,
            EventKind.URGENCY_CHANGED,
            USER,
            data={"from": case.urgency, "to": urgency.value, "intake": "answered"},
        )
        case.urgency = urgency.value
    case.help_mode = help_mode.value
    case.summary = redact(summary)
    if transcript:
        case.transcript = _redacted_transcript(transcript)
    case.live = live
    case.intake_complete = True
    if help_mode in (HelpMode.CALLBACK, HelpMode.EMAIL) and case.status == CaseStatus.NEW.value:
        _set_status(session, case, CaseStatus.WAITING_CALLBACK, SYSTEM)
    session.flush()
    return case


def stop_intake(session: Session, *, case: Case) -> Case:
    """Record that the professional left the intake: urgent cases stay, others close."""
    case.intake_complete = True
    if case.urgency == Urgency.ACUTE.value:
        _event(session, case, EventKind.NOTE, SYSTEM, data={"intake": "stopped"})
        return case
    case.help_mode = HelpMode.NONE.value
    _close(session, case, SYSTEM, None, outcome="intake_stopped", note=None)
    return case


def raise_urgency(session: Session, *, case: Case, to: Urgency, actor: str = SYSTEM) -> None:
    """Make a case more urgent (never less): e.g. acute danger during an escalation."""
    old = case.urgency
    if URGENCY_ORDER[to.value] < URGENCY_ORDER.get(old, len(URGENCY_ORDER)):
        case.urgency = to.value
        _event(session, case, EventKind.URGENCY_CHANGED, actor, data={"from": old, "to": to.value})


def record_user_messages(
    session: Session, *, conversation_id: str, messages: Sequence[tuple[str, float]]
) -> Case | None:
    """Add what the professional typed during a live handoff to the open case's trail.

    ``messages`` are (text, timestamp) pairs as the conversation engine stored them; a
    message already in the trail (same timestamp) is not added again, so the caller
    may pass every message since the handoff began each time.
    """
    case = find_open_case(session, conversation_id=conversation_id)
    if case is None or not case.live:
        return None
    seen = {
        (event.data or {}).get("at")
        for event in case.events
        if event.kind == EventKind.MESSAGE.value and event.actor == USER
    }
    for text, stamp in messages:
        if stamp not in seen and text.strip():
            _event(session, case, EventKind.MESSAGE, USER, text=text, data={"at": stamp})
            seen.add(stamp)
    return case


def forget_conversation(session: Session, *, conversation_id: str) -> int:
    """Drop a deleted conversation's copies in the case log.

    The transcript, the summary, the closing note and every trail entry with text (the
    professional's and the adviser's messages, notes) go; the case itself (for a call
    back), its contact and an entry saying that this happened stay. Returns the cases
    touched; a second call for the same conversation adds no second entry.
    """
    cases = session.scalars(select(Case).where(Case.conversation_id == conversation_id)).all()
    with trail_deletion(session, reason="conversation_deleted"):
        for case in cases:
            case.transcript = []
            case.summary = ""
            case.closing_note = None
            for event in list(case.events):
                if event.text is not None:
                    case.events.remove(event)
                    session.delete(event)
    for case in cases:
        kinds = [event.kind for event in case.events]
        if not kinds or kinds[-1] != EventKind.CONVERSATION_DELETED.value:
            _event(session, case, EventKind.CONVERSATION_DELETED, USER)
    return len(cases)


def queue_position(session: Session, *, case: Case) -> int:
    """Return the case's place (1 = next) among the live cases waiting for an adviser."""
    waiting = session.scalars(
        select(Case).where(Case.status == CaseStatus.NEW.value, Case.live.is_(True))
    ).all()
    ordered = sorted(waiting, key=_queue_key)
    ids = [c.id for c in ordered]
    return ids.index(case.id) + 1 if case.id in ids else len(ids) + 1


# --- the adviser side ----------------------------------------------------------------


def can_view(viewer: Adviser, case: Case) -> bool:
    """Coordinators see everything; an adviser sees the waiting queue and their own cases."""
    if viewer.is_coordinator:
        return True
    if case.assigned_adviser_id == viewer.id:
        return True
    return case.assigned_adviser_id is None and case.status in UNCLAIMED


def require_view(viewer: Adviser, case: Case) -> None:
    """Raise :class:`NotAllowedError` unless the viewer may see the case."""
    if not can_view(viewer, case):
        raise NotAllowedError(f"{viewer.username} may not open case {case.reference}")


def _require_owner(adviser: Adviser, case: Case) -> None:
    if not adviser.is_coordinator and case.assigned_adviser_id != adviser.id:
        raise NotAllowedError(f"case {case.reference} is not assigned to {adviser.username}")


def _queue_key(case: Case) -> tuple[int, datetime]:
    return (URGENCY_ORDER.get(case.urgency, len(URGENCY_ORDER)), case.created_at)


def visible_cases(session: Session, *, viewer: Adviser) -> list[Case]:
    """Return the open cases the viewer may see: urgent first, then longest waiting."""
    query = select(Case).where(
        Case.status != CaseStatus.CLOSED.value,
        or_(Case.intake_complete.is_(True), Case.urgency == Urgency.ACUTE.value),
    )
    if not viewer.is_coordinator:
        query = query.where(
            or_(
                Case.assigned_adviser_id == viewer.id,
                (Case.assigned_adviser_id.is_(None) & Case.status.in_(UNCLAIMED)),
            )
        )
    return sorted(session.scalars(query).unique().all(), key=_queue_key)


def follow_ups_due(session: Session, *, viewer: Adviser, on: date) -> list[Case]:
    """Return the viewer's open cases whose follow-up date is ``on`` or earlier."""
    query = select(Case).where(
        Case.status != CaseStatus.CLOSED.value,
        Case.follow_up_on.is_not(None),
        Case.follow_up_on <= on,
    )
    if not viewer.is_coordinator:
        query = query.where(Case.assigned_adviser_id == viewer.id)
    return list(session.scalars(query.order_by(Case.follow_up_on)).unique().all())


def _set_status(
    session: Session, case: Case, to: CaseStatus, actor: str, adviser: Adviser | None = None
) -> None:
    old = str(case.status)
    if to.value == old:
        return
    if to.value not in TRANSITIONS[old]:
        raise CaseError(f"case {case.reference}: {old} cannot become {to.value}")
    case.status = to.value
    _event(
        session,
        case,
        EventKind.STATUS_CHANGE,
        actor,
        adviser=adviser,
        data={"from": old, "to": to.value},
    )


def claim(session: Session, *, case: Case, adviser: Adviser) -> None:
    """Take a waiting case (of two advisers who click at once, one gets it)."""
    require_view(adviser, case)
    if case.assigned_adviser_id not in (None, adviser.id):
        raise CaseError(f"case {case.reference} is already claimed")
    # Conditional update: another session may have claimed it since this one read it.
    taken = session.execute(
        update(Case)
        .where(
            Case.id == case.id,
            or_(Case.assigned_adviser_id.is_(None), Case.assigned_adviser_id == adviser.id),
        )
        .values(assigned_adviser_id=adviser.id)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 1) != 1:
        session.refresh(case)
        raise CaseError(f"case {case.reference} is already claimed")
    _set_status(session, case, CaseStatus.CLAIMED, actor_of(adviser), adviser)
    case.assigned_adviser_id = adviser.id
    _event(session, case, EventKind.CLAIMED, actor_of(adviser), adviser=adviser)
    session.flush()


def add_message(session: Session, *, case: Case, adviser: Adviser, text: str) -> CaseEvent:
    """Record a live message the adviser sends to the professional."""
    _require_owner(adviser, case)
    _require_open(case)
    if not text.strip():
        raise CaseError("an empty message is not sent")
    return _event(session, case, EventKind.MESSAGE, actor_of(adviser), adviser=adviser, text=text)


def add_note(session: Session, *, case: Case, adviser: Adviser, text: str) -> CaseEvent:
    """Add an internal note to the case."""
    require_view(adviser, case)
    if not text.strip():
        raise CaseError("an empty note is not saved")
    return _event(session, case, EventKind.NOTE, actor_of(adviser), adviser=adviser, text=text)


def set_follow_up(session: Session, *, case: Case, adviser: Adviser, on: date) -> None:
    """Plan a follow-up on a date (the case moves to ``follow_up``)."""
    _require_owner(adviser, case)
    _require_open(case)
    if on < utcnow().date() - timedelta(days=1):
        raise CaseError("a follow-up date lies in the future")
    case.follow_up_on = on
    _event(
        session,
        case,
        EventKind.FOLLOW_UP_SET,
        actor_of(adviser),
        adviser=adviser,
        data={"on": on.isoformat()},
    )
    _set_status(session, case, CaseStatus.FOLLOW_UP, actor_of(adviser), adviser)


def change_status(session: Session, *, case: Case, adviser: Adviser, to: CaseStatus) -> None:
    """Move the case to another status (closing goes through :func:`close`)."""
    _require_owner(adviser, case)
    if to == CaseStatus.CLOSED:
        raise CaseError("close a case with an outcome")
    _set_status(session, case, to, actor_of(adviser), adviser)


def hand_back(session: Session, *, case: Case, adviser: Adviser) -> None:
    """End the live conversation: the bot takes over again."""
    _require_owner(adviser, case)
    case.live = False
    _event(session, case, EventKind.HANDED_BACK, actor_of(adviser), adviser=adviser)


def reassign(session: Session, *, case: Case, to: Adviser, by: Adviser) -> None:
    """Give a case to another adviser (coordinators only)."""
    if not by.is_coordinator:
        raise NotAllowedError("only a coordinator reassigns cases")
    _require_open(case)
    previous = case.assigned_adviser.username if case.assigned_adviser else None
    if case.status in UNCLAIMED:
        _set_status(session, case, CaseStatus.CLAIMED, actor_of(by), by)
    case.assigned_adviser_id = to.id
    _event(
        session,
        case,
        EventKind.REASSIGNED,
        actor_of(by),
        adviser=by,
        data={"from": previous, "to": to.username},
    )


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise CaseError(f"case {case.reference} is closed")


def _erase_contact(session: Session, case: Case, actor: str) -> None:
    erased = session.execute(delete(ContactDetail).where(ContactDetail.case_id == case.id))
    if getattr(erased, "rowcount", 0):
        _event(session, case, EventKind.CONTACT_ERASED, actor)


def _close(
    session: Session,
    case: Case,
    actor: str,
    adviser: Adviser | None,
    *,
    outcome: str,
    note: str | None,
) -> None:
    if outcome not in OUTCOMES:
        raise CaseError(f"unknown outcome '{outcome}'")
    _set_status(session, case, CaseStatus.CLOSED, actor, adviser)
    case.outcome = outcome
    case.closing_note = redact(note) if note else None
    case.closed_at = utcnow()
    case.live = False
    _erase_contact(session, case, actor)
    _event(session, case, EventKind.CLOSED, actor, adviser=adviser, data={"outcome": outcome})


def close(
    session: Session, *, case: Case, adviser: Adviser, outcome: str, note: str | None = None
) -> None:
    """Close the case with an outcome; its contact details are erased."""
    _require_owner(adviser, case)
    _close(session, case, actor_of(adviser), adviser, outcome=outcome, note=note)


def read_contact(
    session: Session, *, case: Case, viewer: Adviser, cipher: ContactCipher
) -> Contact | None:
    """Return the call-back contact: only for the assigned adviser and coordinators."""
    _require_owner(viewer, case)
    row = session.scalar(select(ContactDetail).where(ContactDetail.case_id == case.id))
    return cipher.decrypt(row.ciphertext) if row else None


def reveal_contact(
    session: Session, *, case: Case, viewer: Adviser, cipher: ContactCipher
) -> Contact | None:
    """Decrypt the call-back contact for the viewer and note in the trail who saw it."""
    contact = read_contact(session, case=case, viewer=viewer, cipher=cipher)
    if contact is not None:
        _event(session, case, EventKind.CONTACT_VIEWED, actor_of(viewer), adviser=viewer)
    return contact


def events_after(session: Session, *, case: Case, after: int) -> list[CaseEvent]:
    """Return the case's audit-trail entries newer than the entry with id ``after``."""
    return list(
        session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.id > after)
            .order_by(CaseEvent.id)
        ).all()
    )


def active_advisers(session: Session) -> list[Adviser]:
    """Return every adviser who may work in the console, by display name."""
    return list(
        session.scalars(
            select(Adviser).where(Adviser.active.is_(True)).order_by(Adviser.display_name)
        ).all()
    )


def has_contact(session: Session, *, case: Case) -> bool:
    """Whether a call-back contact is stored for the case (without decrypting it)."""
    return (
        session.scalar(select(ContactDetail.id).where(ContactDetail.case_id == case.id)) is not None
    )


# --- presence and retention ----------------------------------------------------------


def touch_presence(session: Session, *, adviser: Adviser) -> None:
    """Note that the adviser's console is open now."""
    adviser.last_seen_at = utcnow()


def advisers_online(session: Session, *, within: timedelta) -> int:
    """Count the advisers whose console was open within the given time."""
    since = utcnow() - within
    count = session.scalar(
        select(func.count(Adviser.id)).where(
            Adviser.active.is_(True),
            Adviser.last_seen_at.is_not(None),
            Adviser.last_seen_at >= since,
        )
    )
    return int(count or 0)


def abandoned_intakes(session: Session, *, started_before: datetime) -> list[Case]:
    """Return the open cases whose intake nobody finished, untouched since the cut-off.

    They never reach the queue (:func:`visible_cases`) and nobody closes them. Acute
    cases are left out: they are in the queue without an intake.
    """
    query = select(Case).where(
        Case.status != CaseStatus.CLOSED.value,
        Case.intake_complete.is_(False),
        Case.urgency != Urgency.ACUTE.value,
        Case.updated_at < started_before,
    )
    return list(session.scalars(query).unique().all())


def stale_open_cases(session: Session, *, idle_since: datetime) -> list[Case]:
    """Return the open cases with no change and no trail entry since the cut-off."""
    recent = select(CaseEvent.id).where(
        CaseEvent.case_id == Case.id, CaseEvent.created_at >= idle_since
    )
    query = select(Case).where(
        Case.status != CaseStatus.CLOSED.value,
        Case.updated_at < idle_since,
        ~recent.exists(),
    )
    return list(session.scalars(query).unique().all())


def closed_cases_before(session: Session, *, closed_before: datetime) -> list[Case]:
    """Return the cases closed before the cut-off."""
    query = select(Case).where(
        Case.status == CaseStatus.CLOSED.value, Case.closed_at < closed_before
    )
    return list(session.scalars(query).unique().all())


def anonymise_closed_cases(session: Session, *, closed_before: datetime) -> int:
    """Replace closed cases older than the cut-off by counts; return how many went."""
    return anonymise(session, cases=closed_cases_before(session, closed_before=closed_before))


def anonymise_abandoned_intakes(session: Session, *, started_before: datetime) -> int:
    """Replace intakes nobody finished (see :func:`abandoned_intakes`) by counts."""
    return anonymise(session, cases=abandoned_intakes(session, started_before=started_before))


def anonymise_stale_cases(session: Session, *, idle_since: datetime) -> int:
    """Replace open cases nobody touched since the cut-off by counts (contacts go too)."""
    return anonymise(session, cases=stale_open_cases(session, idle_since=idle_since))


def anonymise(session: Session, *, cases: Sequence[Case]) -> int:
    """Replace the cases by counts (month, theme, region, sector); return how many went.

    The case, its trail and its contact detail are deleted.
    """
    old = list(cases)
    if not old:
        return 0
    for case in old:
        for theme in case.themes or ["onbekend"]:
            key = {
                "month": case.created_at.strftime("%Y-%m"),
                "theme": theme,
                "region": case.region or "onbekend",
                "sector": case.sector or "onbekend",
            }
            row = session.scalar(select(CaseStatistic).filter_by(**key))
            if row is None:
                row = CaseStatistic(count=0)
                for column, value in key.items():
                    setattr(row, column, value)
                session.add(row)
            row.count += 1
    with trail_deletion(session, reason="retention"):
        for case in old:
            session.delete(case)
    return len(old)
