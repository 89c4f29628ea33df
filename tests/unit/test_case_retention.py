"""Cases nobody finishes or touches leave the case log; one conversation opens few cases.

Issue 11, item 9: abandoned intakes stayed forever, call-back contacts stayed until
someone closed the case, and one conversation could open cases without end.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot import escalation
from bot.caselog import service
from bot.caselog.models import Case, CaseStatistic, ContactDetail, utcnow
from bot.db import session_scope
from bot.handoff import Profile
from bot.settings import Settings, load_settings
from scripts import purge


def start(
    settings: Settings, conversation_id: str, urgent: bool = False, request: str = ""
) -> escalation.Started:
    return escalation.start(
        settings,
        conversation_id=conversation_id,
        channel="rest",
        urgent=urgent,
        intents=[],
        recommended=[],
        transcript=[{"who": "user", "text": "ik wil een adviseur"}],
        request=request,
    )


def cases_of(settings: Settings, conversation_id: str) -> list[str]:
    with session_scope(settings) as session:
        rows = session.scalars(
            select(Case.reference).where(Case.conversation_id == conversation_id)
        )
        return list(rows)


def test_one_conversation_opens_at_most_the_cap_of_cases_a_day(case_settings: Settings) -> None:
    assert case_settings.limits.cases_per_day == 3
    opened = []
    for _ in range(3):
        started = start(case_settings, "flood")
        assert not started.limited and not started.already_open
        opened.append(started.reference)
        escalation.stop(case_settings, reference=started.reference)  # closes the case
    capped = start(case_settings, "flood")
    assert capped.limited and capped.already_open  # the intake asks nothing
    assert capped.reference == opened[-1]
    # over the cap the bot says so (with the phone number), not that an adviser will call
    finished = escalation.finish(
        case_settings,
        reference=capped.reference,
        help_mode=escalation.LIMITED,
        answer="",
        profile=Profile(),
        urgency=None,
        questions=[],
        transcript=[],
    )
    assert finished.outcome is escalation.Outcome.LIMITED
    assert sorted(cases_of(case_settings, "flood")) == sorted(opened)
    # another conversation is not affected, and acute danger always opens a case
    assert not start(case_settings, "other").limited
    acute = start(case_settings, "flood", urgent=True)
    assert not acute.limited and acute.urgency == "acuut"
    assert len(cases_of(case_settings, "flood")) == 4


def test_the_cap_counts_the_last_24_hours(case_settings: Settings) -> None:
    for _ in range(3):
        escalation.stop(case_settings, reference=start(case_settings, "daily").reference)
    with session_scope(case_settings) as session:
        session.execute(update(Case).values(created_at=utcnow() - timedelta(hours=25)))
    assert not start(case_settings, "daily").limited


def test_the_cap_comes_from_the_settings(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"ADVIESLIJN_VAR": str(tmp_path), "ADVIESLIJN_CASES_PER_DAY": "1"}
    )
    assert settings.limits.cases_per_day == 1
    hours = load_settings(environ={"ADVIESLIJN_VAR": str(tmp_path), "ADVIESLIJN_INTAKE_HOURS": "6"})
    assert hours.privacy.intake_hours == 6


def test_make_purge_anonymises_abandoned_intakes_and_stale_open_cases(
    case_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the number is stored encrypted at once
    abandoned = start(case_settings, "gone", request="bel me op 0612345678").reference
    waiting = start(case_settings, "waiting").reference
    later = datetime.now(timezone.utc) + timedelta(hours=case_settings.privacy.intake_hours + 1)
    context = purge.PurgeContext(case_settings, later, f"sqlite:///{tmp_path / 'none.db'}")
    assert purge.run_once(context, purge.default_steps()) is True
    out = capsys.readouterr().out
    assert "abandoned intakes: anonymised 2 intakes" in out
    assert "stale open cases: anonymised 0 open cases" in out
    with session_scope(case_settings) as session:
        assert service.get_case(session, reference=abandoned) is None
        assert service.get_case(session, reference=waiting) is None
        assert session.scalars(select(ContactDetail)).all() == []
        assert sum(s.count for s in session.scalars(select(CaseStatistic))) == 2

    # an acute case (in the queue without an intake) goes only after privacy.case_days
    acute = start(case_settings, "acute", urgent=True).reference
    assert purge.run_once(context, purge.default_steps())
    with session_scope(case_settings) as session:
        assert service.get_case(session, reference=acute) is not None
    much_later = context.now + timedelta(days=case_settings.privacy.case_days + 1)
    purge.run_once(
        purge.PurgeContext(case_settings, much_later, context.tracker_url),
        [purge.Step("stale", purge.purge_stale_cases)],
    )
    assert "stale: anonymised 1 open cases" in capsys.readouterr().out
    with session_scope(case_settings) as session:
        assert service.get_case(session, reference=acute) is None


def test_a_dry_run_anonymises_nothing(
    case_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = start(case_settings, "dry").reference
    later = datetime.now(timezone.utc) + timedelta(days=400)
    context = purge.PurgeContext(case_settings, later, "sqlite://", dry_run=True)
    purge.run_once(context, [purge.Step("intakes", purge.purge_abandoned_intakes)])
    assert "would anonymise 1 intakes" in capsys.readouterr().out
    with session_scope(case_settings) as session:
        assert service.get_case(session, reference=reference) is not None
