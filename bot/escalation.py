"""An escalation from the conversation's side: start it, finish the intake, stop it.

Each function is one unit of work on the case log (``session_scope``) for one
action of the conversation engine. They know nothing of Rasa: the conversation
arrives as plain values (intents, resource ids, transcript lines).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy.orm import Session

from bot.caselog import service
from bot.caselog.contacts import ContactCipher, find_contact
from bot.caselog.models import Case, HelpMode, Urgency, utcnow
from bot.catalogue import CatalogueError
from bot.db import get_database, session_scope
from bot.handoff import (
    Profile,
    live_possible,
    parse_help,
    parse_profile,
    parse_urgency,
    summarise,
    vocabulary,
    when_back,
)
from bot.routing import get_recommender
from bot.settings import Settings

# A sentinel the start of an escalation puts in ``help_mode`` when the case's intake
# was done before: the form then asks nothing and the bot says the case is open.
ALREADY_OPEN = "already_open"
# The same when the conversation opened its maximum of cases for the day: the form asks
# nothing and the bot gives the newest reference and the phone number.
LIMITED = "limited"


def themes_of(intents: Sequence[str]) -> list[str]:
    """Return the catalogue's main themes of the topics the professional asked about."""
    try:
        topics = get_recommender().catalogue().topics
    except CatalogueError:
        return []
    return list(dict.fromkeys(topics[i].themes[0] for i in intents if i in topics))


def role_sector() -> Mapping[str, str]:
    """Return role -> sector (the catalogue's role audiences)."""
    try:
        return get_recommender().catalogue().role_audience
    except CatalogueError:
        return {}


def read_profile(
    settings: Settings, *, text: str, entities: Mapping[str, Sequence[str]]
) -> Profile:
    """Read role, sector and region from the answer to the first intake question."""
    return parse_profile(text, entities, vocabulary(settings), role_sector())


def read_urgency(settings: Settings, *, text: str, entities: Mapping[str, Sequence[str]]) -> str:
    """Read the urgency from an answer; a skipped or unclear answer means ``normaal``."""
    found = parse_urgency(text, entities, vocabulary(settings))
    return (found or Urgency.NORMAL).value


def read_help_mode(settings: Settings, *, text: str, entities: Mapping[str, Sequence[str]]) -> str:
    """Read how the professional wants to be helped; ``none`` when skipped or unclear."""
    choice = parse_help(text, entities, vocabulary(settings), live=live_now(settings))
    return (choice.mode if choice else HelpMode.NONE).value


def when(settings: Settings, now: datetime | None = None) -> str:
    """Say in Dutch when an adviser comes back to the professional."""
    return when_back(settings.handoff, now or utcnow(), vocabulary(settings))


def live_now(settings: Settings, now: datetime | None = None) -> bool:
    """Whether a conversation can be queued for a live adviser at this moment."""
    with session_scope(settings) as session:
        online = service.advisers_online(
            session, within=timedelta(seconds=settings.handoff.presence_seconds)
        )
    return live_possible(settings.handoff, now or utcnow(), online)


@dataclass(frozen=True)
class Started:
    """The case an escalation belongs to."""

    reference: str
    urgency: str
    already_open: bool
    # A phone number or e-mail address in the request itself ("bel me op 06-..."):
    # the way to help is known, and the contact is already stored encrypted.
    help_mode: str | None = None
    # The conversation opened ``limits.cases_per_day`` cases in 24 hours: no new case;
    # ``reference`` is its newest case and the intake asks nothing (``already_open``).
    limited: bool = False


def start(
    settings: Settings,
    *,
    conversation_id: str,
    channel: str,
    urgent: bool,
    intents: Sequence[str],
    recommended: Sequence[str],
    transcript: Sequence[dict[str, str]],
    request: str = "",
) -> Started:
    """Log the escalation (or find the conversation's open case) before the intake.

    A contact detail in ``request`` (the message that asked for a person) is stored
    encrypted at once and makes it a call-back request; the text itself is not kept.
    A conversation opens at most ``limits.cases_per_day`` cases in 24 hours, unless
    it is acute danger.
    """
    contact = find_contact(request) if request else None
    with session_scope(settings) as session:
        case = service.find_open_case(session, conversation_id=conversation_id)
        if case is None and not urgent:
            newest = _newest_when_capped(settings, session, conversation_id)
            if newest is not None:
                return Started(
                    str(newest.reference), str(newest.urgency), already_open=True, limited=True
                )
        if case is None:
            case = service.open_case(
                session,
                conversation_id=conversation_id,
                channel=channel,
                urgency=Urgency.ACUTE if urgent else Urgency.NORMAL,
                themes=themes_of(intents),
                recommended=recommended,
                transcript=transcript,
            )
            mode = None
            if contact is not None:
                cipher = ContactCipher(settings.secrets.require("contact_key"))
                service.store_contact(session, case=case, contact=contact, cipher=cipher)
                mode = (HelpMode.EMAIL if contact.kind == "email" else HelpMode.CALLBACK).value
            return Started(
                str(case.reference), str(case.urgency), already_open=False, help_mode=mode
            )
        if urgent:
            service.raise_urgency(session, case=case, to=Urgency.ACUTE)
        return Started(
            str(case.reference), str(case.urgency), already_open=bool(case.intake_complete)
        )


def _newest_when_capped(settings: Settings, session: Session, conversation_id: str) -> Case | None:
    """Return the conversation's newest case when it may open no more today."""
    since = utcnow() - timedelta(days=1)
    opened = service.cases_opened_since(session, conversation_id=conversation_id, since=since)
    if opened < settings.limits.cases_per_day:
        return None
    return service.newest_case(session, conversation_id=conversation_id)


class Outcome(str, Enum):
    """How an escalation ended up."""

    QUEUED = "queued"  # waiting in the chat for a live adviser
    LOGGED = "logged"  # an adviser will call or mail back
    LOGGED_NO_CONTACT = "logged_no_contact"  # logged; the professional must call us
    ALREADY_OPEN = "already_open"  # the conversation had an open case already
    LIMITED = "limited"  # the conversation opened its maximum of cases for the day


@dataclass(frozen=True)
class Finished:
    """What to tell the professional after the intake."""

    outcome: Outcome
    reference: str
    position: int = 0
    when: str = ""


def finish(
    settings: Settings,
    *,
    reference: str,
    help_mode: str | None,
    answer: str,
    profile: Profile,
    urgency: str | None,
    questions: Sequence[str],
    transcript: Sequence[dict[str, str]],
    now: datetime | None = None,
) -> Finished:
    """Complete the intake: queue the conversation for a live adviser or log a call back.

    Args:
        settings: the settings.
        reference: the case's reference number.
        help_mode: what the professional chose (``HelpMode`` value, or the sentinel
            :data:`ALREADY_OPEN`).
        answer: the text of their last answer (a contact detail is read from it and
            stored encrypted; the text itself is not kept).
        profile: role, sector and region from the intake.
        urgency: the urgency from the intake.
        questions: what the professional asked before, for the summary.
        transcript: the conversation so far (de-identified when stored).
        now: the current time (tests).

    """
    now = now or utcnow()
    back = when(settings, now)
    if help_mode == ALREADY_OPEN:
        return Finished(Outcome.ALREADY_OPEN, reference, when=back)
    if help_mode == LIMITED:
        return Finished(Outcome.LIMITED, reference, when=back)
    mode = HelpMode(help_mode) if help_mode in {m.value for m in HelpMode} else HelpMode.NONE
    contact = find_contact(answer) if mode in (HelpMode.CALLBACK, HelpMode.EMAIL) else None
    live = mode == HelpMode.CHAT and live_now(settings, now)
    if mode == HelpMode.CHAT and not live:
        mode = HelpMode.NONE
    cipher = ContactCipher(settings.secrets.require("contact_key")) if contact else None
    with session_scope(settings) as session:
        case = service.get_case(session, reference=reference)
        if case is None:
            raise service.CaseError(f"no case {reference}")
        if contact is None and mode in (HelpMode.CALLBACK, HelpMode.EMAIL):
            # a call back without a contact, unless one came with the request for a person
            mode = mode if service.has_contact(session, case=case) else HelpMode.NONE
        service.complete_intake(
            session,
            case=case,
            help_mode=mode,
            summary=summarise(questions),
            live=live,
            urgency=Urgency(urgency) if urgency in {u.value for u in Urgency} else None,
            role=profile.role,
            sector=profile.sector,
            region=profile.region,
            contact=contact,
            cipher=cipher,
            transcript=transcript,
        )
        if live:
            position = service.queue_position(session, case=case)
            return Finished(Outcome.QUEUED, reference, position=position)
    callback = mode in (HelpMode.CALLBACK, HelpMode.EMAIL)
    outcome = Outcome.LOGGED if callback else Outcome.LOGGED_NO_CONTACT
    return Finished(outcome, reference, when=back)


def stop(settings: Settings, *, reference: str) -> None:
    """Record that the professional left the intake (urgent cases stay in the queue)."""
    with session_scope(settings) as session:
        case = service.get_case(session, reference=reference)
        if case is not None and case.is_open and not case.intake_complete:
            service.stop_intake(session, case=case)


def record_live_messages(
    settings: Settings, *, conversation_id: str, messages: Sequence[tuple[str, float]]
) -> None:
    """Put what the professional typed while an adviser has the chat in the case's trail."""
    with session_scope(settings) as session:
        service.record_user_messages(session, conversation_id=conversation_id, messages=messages)


def forget(settings: Settings, *, conversation_id: str) -> None:
    """Drop the case log's copies of a conversation its professional had deleted.

    On SQLite the write-ahead log is then checkpointed and emptied, so no older copy
    of the deleted rows stays in it.
    """
    with session_scope(settings) as session:
        touched = service.forget_conversation(session, conversation_id=conversation_id)
    if touched:
        get_database(settings).wipe_deleted()


def mark_acute(settings: Settings, *, conversation_id: str) -> None:
    """Acute danger was written during a handoff: the conversation's open case becomes acute."""
    with session_scope(settings) as session:
        case = service.find_open_case(session, conversation_id=conversation_id)
        if case is not None:
            service.raise_urgency(session, case=case, to=Urgency.ACUTE)


def in_live_handoff(settings: Settings, *, conversation_id: str) -> bool:
    """Whether the conversation waits for, or talks with, an adviser in the chat."""
    with session_scope(settings) as session:
        case = service.find_open_case(session, conversation_id=conversation_id)
        return case is not None and case.live


def adviser_name(settings: Settings, *, reference: str) -> str | None:
    """Return the display name of the adviser who has the case."""
    with session_scope(settings) as session:
        case = service.get_case(session, reference=reference)
        adviser = case.assigned_adviser if case else None
        return str(adviser.display_name) if adviser else None
