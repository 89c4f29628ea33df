"""What the console shows of a case: plain values for the templates and the JSON polls.

Everything here is data (strings, numbers, booleans); escaping is the job of the
template (Jinja2 autoescape) and of the browser code (``textContent``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from bot.caselog import service
from bot.caselog.models import Adviser, Case, CaseEvent, CaseStatus, EventKind, Urgency
from bot.catalogue import Catalogue
from bot.console.texts import Labels

ADVISER_PREFIX = "adviser:"


def waiting_label(seconds: float) -> str:
    """Say how long something waits, short ("nu", "4 min", "2 u 5 min", "3 d")."""
    minutes = int(max(0, seconds) // 60)
    if minutes < 1:
        return "minder dan 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} u {rest} min" if rest else f"{hours} u"
    return f"{hours // 24} d"


@dataclass(frozen=True)
class Clock:
    """The current time and the zone the advisers work in."""

    now: datetime
    zone: ZoneInfo

    def time(self, moment: datetime | None) -> str:
        """Format a moment for the page ("1 dec. 14:05")."""
        if moment is None:
            return ""
        return str(format_datetime(moment.astimezone(self.zone), "d MMM HH:mm", locale="nl"))

    def day(self, value: date | None) -> str:
        """Format a date ("maandag 7 december 2026")."""
        if value is None:
            return ""
        return str(format_date(value, "EEEE d MMMM y", locale="nl"))

    @property
    def today(self) -> date:
        """Today in the advisers' zone."""
        return self.now.astimezone(self.zone).date()


def actor_label(actor: str, labels: Labels, names: Mapping[str, str]) -> str:
    """Return who did something, for people ("Professional", an adviser's name)."""
    if actor.startswith(ADVISER_PREFIX):
        username = actor[len(ADVISER_PREFIX) :]
        return names.get(username, username)
    return labels.label("who", actor)


def event_detail(event: CaseEvent, labels: Labels) -> str:
    """Describe the data of an audit-trail entry in Dutch ("van Nieuw naar In behandeling")."""
    data: dict[str, Any] = event.data or {}
    kind = event.kind
    if kind in (EventKind.STATUS_CHANGE.value,):
        return (
            f"van '{labels.label('status', data.get('from'))}' "
            f"naar '{labels.label('status', data.get('to'))}'"
        )
    if kind == EventKind.URGENCY_CHANGED.value:
        return (
            f"van '{labels.label('urgency', data.get('from'))}' "
            f"naar '{labels.label('urgency', data.get('to'))}'"
        )
    if kind == EventKind.FOLLOW_UP_SET.value and data.get("on"):
        try:
            return str(format_date(date.fromisoformat(str(data["on"])), "d MMMM y", locale="nl"))
        except ValueError:
            return str(data["on"])
    if kind == EventKind.REASSIGNED.value:
        return f"van {data.get('from') or 'niemand'} naar {data.get('to')}"
    if kind == EventKind.CLOSED.value:
        return labels.label("outcome", data.get("outcome"))
    if kind == EventKind.CREATED.value and data.get("urgency"):
        return f"urgentie '{labels.label('urgency', data.get('urgency'))}'"
    if data.get("intake") == "stopped":
        return "intake afgebroken"
    return ""


def present_event(
    event: CaseEvent, labels: Labels, names: Mapping[str, str], clock: Clock
) -> dict[str, Any]:
    """Return one audit-trail entry as plain values."""
    if event.kind == EventKind.MESSAGE.value:
        who = "user" if event.actor == service.USER else "adviser"
    else:
        who = "system"
    return {
        "id": event.id,
        "kind": event.kind,
        "kind_label": labels.label("event", event.kind),
        "actor": actor_label(event.actor, labels, names),
        "who": who,
        "text": event.text or "",
        "detail": event_detail(event, labels),
        "at": clock.time(event.created_at),
        "at_iso": event.created_at.isoformat(),
    }


def present_row(case: Case, viewer: Adviser, labels: Labels, clock: Clock) -> dict[str, Any]:
    """Return a case as one row of the queue."""
    waited = (clock.now - case.created_at).total_seconds()
    adviser = case.assigned_adviser
    return {
        "reference": case.reference,
        "urgency": case.urgency,
        "urgency_label": labels.label("urgency", case.urgency),
        # the group a waiting case is listed under
        "group": labels.label("urgency", case.urgency),
        "acute": case.urgency == Urgency.ACUTE.value,
        "status": case.status,
        "status_label": labels.label("status", case.status),
        "live": bool(case.live),
        "help_mode_label": labels.label("help_mode", case.help_mode) if case.help_mode else "",
        "role": case.role or "",
        "sector": case.sector or "",
        "region": case.region or "",
        "themes": list(case.themes or []),
        "waiting": waiting_label(waited),
        "waiting_seconds": int(waited),
        "since": clock.time(case.created_at),
        "adviser": adviser.display_name if adviser else "",
        "mine": case.assigned_adviser_id == viewer.id,
        "claimable": claimable(case),
        "follow_up_on": clock.day(case.follow_up_on),
    }


def claimable(case: Case) -> bool:
    """Whether a case is free to be taken."""
    return (
        case.is_open
        and case.assigned_adviser_id is None
        and CaseStatus.CLAIMED.value in service.TRANSITIONS[case.status]
    )


@dataclass(frozen=True)
class Abilities:
    """What the viewer may do with a case now (the console shows only these controls)."""

    owner: bool
    claim: bool
    reply: bool
    hand_back: bool
    announce: bool
    note: bool
    follow_up: bool
    statuses: tuple[str, ...]
    close: bool
    reassign: bool
    contact: bool


def abilities(case: Case, viewer: Adviser) -> Abilities:
    """Work out the viewer's controls for a case (the service checks again on every change)."""
    open_ = case.is_open
    owner = viewer.is_coordinator or case.assigned_adviser_id == viewer.id
    assigned_to_me = case.assigned_adviser_id == viewer.id
    in_hand = case.assigned_adviser_id is not None
    live_mine = open_ and bool(case.live) and assigned_to_me and in_hand
    statuses: tuple[str, ...] = ()
    # While the conversation is live the bot is paused: the status changes when the
    # adviser hands the conversation back (or closes), never leaving a chat stuck.
    settled = open_ and owner and not case.live
    if settled:
        statuses = tuple(
            s
            for s in (c.value for c in CaseStatus)
            if s in service.TRANSITIONS[case.status]
            and s not in (CaseStatus.CLOSED.value, CaseStatus.FOLLOW_UP.value)
            and (in_hand or s != CaseStatus.CLAIMED.value)
        )
    return Abilities(
        owner=owner,
        claim=claimable(case) and service.can_view(viewer, case),
        reply=live_mine and case.status != CaseStatus.NEW.value,
        hand_back=open_ and bool(case.live) and owner and in_hand,
        announce=live_mine,
        note=open_ and service.can_view(viewer, case),
        follow_up=settled and case.status in (CaseStatus.CLAIMED.value, CaseStatus.FOLLOW_UP.value),
        statuses=statuses,
        close=open_ and owner,
        reassign=open_ and viewer.is_coordinator,
        contact=owner,
    )


def resource_titles(ids: Sequence[str], catalogue: Catalogue | None) -> list[dict[str, str]]:
    """Return the recommended resources by title (an id no longer in the catalogue as is)."""
    out = []
    for resource_id in ids:
        try:
            resource = catalogue.get(resource_id) if catalogue else None
        except KeyError:
            resource = None
        if resource is None:
            out.append({"id": resource_id, "title": resource_id, "url": "", "kind": ""})
        else:
            out.append(
                {
                    "id": resource.id,
                    "title": resource.title,
                    "url": resource.url,
                    "kind": resource.kind,
                }
            )
    return out
