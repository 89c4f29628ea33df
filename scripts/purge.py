"""Delete what is kept longer than the retention periods (``make purge``).

    python -m scripts.purge                     # once, local SQLite tracker store
    python -m scripts.purge --profile production   # the PostgreSQL tracker store
    python -m scripts.purge --every 24          # keep running, once every 24 hours
    python -m scripts.purge --dry-run           # only say what would be deleted

Instead of ``--every``, cron can run it once a night: the line is in the README
("Privacy", retention).

Each run goes through :func:`default_steps` in order and prints one line per step.
The first step deletes every conversation whose last event is older than
``privacy.conversation_days`` from the tracker store's ``events`` table (the one
Rasa creates; SQLite or PostgreSQL). The case log's steps (their rules live in
``bot/caselog``) then replace by counts: cases closed longer ago than
``privacy.case_days``; intakes nobody finished within ``privacy.intake_hours``
(acute cases excepted: they are in the queue); and open cases nobody touched for
``privacy.case_days``, with their call-back contacts. A step that fails is
reported; the others still run and the exit code is 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session

from bot.caselog import service
from bot.db import checkpoint_wal, get_database, harden_sqlite_engine, session_scope
from bot.settings import Settings, get_settings

BATCH = 500


@dataclass(frozen=True)
class PurgeContext:
    """What every purge step gets: the settings, the moment of the run, where the data is."""

    settings: Settings
    now: datetime
    tracker_url: str
    dry_run: bool = False


@dataclass(frozen=True)
class Step:
    """One purge step: a name for the report and a function that returns one line."""

    name: str
    run: Callable[[PurgeContext], str]


def tracker_url(settings: Settings, profile: str) -> str:
    """Return the tracker store's database URL for the ``local`` or ``production`` profile."""
    if profile == "production":
        stores = settings.stores
        return URL.create(
            "postgresql",
            username=stores.postgres_user,
            password=settings.secrets.postgres_password or None,
            host=stores.postgres_host,
            port=stores.postgres_port,
            database=stores.postgres_db,
        ).render_as_string(hide_password=False)
    return f"sqlite:///{settings.var_dir / 'tracker.db'}"


def _engine(url: str) -> Engine:
    engine = sa.create_engine(url, future=True)
    harden_sqlite_engine(engine)  # deleted events are zeroed, not left in free pages
    return engine


def purge_tracker_store(context: PurgeContext) -> str:
    """Delete conversations whose last event is older than ``privacy.conversation_days``."""
    days = context.settings.privacy.conversation_days
    cutoff = context.now - timedelta(days=days)
    engine = _engine(context.tracker_url)
    try:
        if not sa.inspect(engine).has_table("events"):
            return "no conversations stored yet (no events table)"
        events = sa.Table("events", sa.MetaData(), autoload_with=engine)
        last = sa.func.max(events.c.timestamp)
        stale_query = (
            sa.select(events.c.sender_id)
            .group_by(events.c.sender_id)
            .having(last < cutoff.timestamp())
        )
        with engine.begin() as connection:
            stale = [row[0] for row in connection.execute(stale_query)]
            count = sa.select(sa.func.count()).select_from(events)
            removed = 0
            for start in range(0, len(stale), BATCH):
                batch = stale[start : start + BATCH]
                chosen = events.c.sender_id.in_(batch)
                if context.dry_run:
                    removed += connection.execute(count.where(chosen)).scalar_one()
                else:
                    removed += connection.execute(sa.delete(events).where(chosen)).rowcount
        if removed and not context.dry_run:
            checkpoint_wal(engine)
    finally:
        engine.dispose()
    verb = "would delete" if context.dry_run else "deleted"
    return (
        f"{verb} {len(stale)} conversations ({removed} events) whose last event is older than "
        f"{days} days (before {cutoff:%Y-%m-%d %H:%M} UTC)"
    )


def _anonymise_cases(
    context: PurgeContext,
    *,
    selected: Callable[[Session], Sequence[object]],
    anonymise: Callable[[Session], int],
    would: str,
    done: str,
) -> str:
    """Run one case-log step: count (dry run) or anonymise what ``selected`` finds.

    ``would`` and ``done`` are the step's report, with ``{count}`` for the number.
    """
    if not sa.inspect(get_database(context.settings).engine).has_table("cases"):
        return "no case log yet (no cases table)"
    with session_scope(context.settings) as session:
        if context.dry_run:
            return would.format(count=len(selected(session)))
        count = anonymise(session)
    if count:
        get_database(context.settings).wipe_deleted()
    return done.format(count=count)


def purge_case_log(context: PurgeContext) -> str:
    """Turn closed cases older than ``privacy.case_days`` into counts (case_statistics)."""
    days = context.settings.privacy.case_days
    cutoff = context.now - timedelta(days=days)
    return _anonymise_cases(
        context,
        selected=lambda session: service.closed_cases_before(session, closed_before=cutoff),
        anonymise=lambda session: service.anonymise_closed_cases(session, closed_before=cutoff),
        would=f"would anonymise {{count}} cases closed before {cutoff:%Y-%m-%d} ({days} days)",
        done=(
            f"anonymised {{count}} cases closed before {cutoff:%Y-%m-%d} ({days} days): only "
            "counts by month, theme, region and sector are kept"
        ),
    )


def purge_abandoned_intakes(context: PurgeContext) -> str:
    """Turn intakes nobody finished within ``privacy.intake_hours`` into counts."""
    hours = context.settings.privacy.intake_hours
    cutoff = context.now - timedelta(hours=hours)
    return _anonymise_cases(
        context,
        selected=lambda session: service.abandoned_intakes(session, started_before=cutoff),
        anonymise=lambda session: service.anonymise_abandoned_intakes(
            session, started_before=cutoff
        ),
        would=f"would anonymise {{count}} intakes nobody finished within {hours} hours",
        done=(
            f"anonymised {{count}} intakes nobody finished within {hours} hours (before "
            f"{cutoff:%Y-%m-%d %H:%M} UTC; acute cases stay in the queue)"
        ),
    )


def purge_stale_cases(context: PurgeContext) -> str:
    """Turn open cases nobody touched for ``privacy.case_days`` into counts (contacts go)."""
    days = context.settings.privacy.case_days
    cutoff = context.now - timedelta(days=days)
    return _anonymise_cases(
        context,
        selected=lambda session: service.stale_open_cases(session, idle_since=cutoff),
        anonymise=lambda session: service.anonymise_stale_cases(session, idle_since=cutoff),
        would=f"would anonymise {{count}} open cases untouched since {cutoff:%Y-%m-%d}",
        done=(
            f"anonymised {{count}} open cases untouched since {cutoff:%Y-%m-%d} ({days} days), "
            "with their call-back contacts"
        ),
    )


def default_steps() -> list[Step]:
    """Return the purge steps in the order they run."""
    return [
        Step("tracker store", purge_tracker_store),
        Step("case log", purge_case_log),
        Step("abandoned intakes", purge_abandoned_intakes),
        Step("stale open cases", purge_stale_cases),
    ]


def run_once(context: PurgeContext, steps: Sequence[Step]) -> bool:
    """Run every step, print one line each; return whether all succeeded."""
    ok = True
    for step in steps:
        try:
            print(f"{step.name}: {step.run(context)}", flush=True)
        except Exception as exc:  # report it and go on with the other steps
            ok = False
            print(f"{step.name}: failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
    return ok


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Purge once, or every ``--every`` hours until stopped."""
    parser = argparse.ArgumentParser(description="Delete data kept past its retention period.")
    parser.add_argument("--profile", choices=("local", "production"), default="local")
    parser.add_argument("--tracker-url", help="SQLAlchemy URL of the tracker store database")
    parser.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    parser.add_argument("--every", type=float, metavar="HOURS", help="repeat every HOURS hours")
    parser.add_argument("--runs", type=int, default=0, help=argparse.SUPPRESS)  # tests
    args = parser.parse_args(argv)
    if args.every is not None and args.every <= 0:
        parser.error("--every must be a positive number of hours")
    settings = settings or get_settings()
    url = args.tracker_url or tracker_url(settings, args.profile)
    runs, ok = 0, True
    try:
        while True:
            now = datetime.now(timezone.utc)
            print(f"purge at {now:%Y-%m-%d %H:%M:%S} UTC", flush=True)
            context = PurgeContext(settings, now, url, dry_run=args.dry_run)
            ok = run_once(context, default_steps()) and ok
            runs += 1
            if args.every is None or (args.runs and runs >= args.runs):
                break
            time.sleep(args.every * 3600)
    except KeyboardInterrupt:
        print("stopped", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
