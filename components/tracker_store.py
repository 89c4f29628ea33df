"""A tracker store that stores only redacted conversations, and can delete one.

``endpoints.yml``::

    tracker_store:
      type: components.tracker_store.RedactingTrackerStore
      inner:
        type: SQL
        dialect: sqlite
        db: ${TRACKER_DB}

Rasa builds a custom store with ``host``, ``domain``, ``event_broker`` and the
remaining keys of the section (``_load_from_module_name_in_endpoint_config``); the
``inner`` section is built the way Rasa builds any store. On every save the inner
store gets a copy of the tracker whose events are redacted by
:mod:`components.redaction`; the number and order of events stay the same, so the
SQL store (which appends the events beyond the number it holds) and the event
broker's difference work as before. Reading, keys and existence are the inner
store's.

When the tracker holds the event with which ``action_delete_conversation`` asks for
deletion (``SlotSet(conversation_deleted, True)``), the store deletes every stored
event of that conversation instead of saving (and its copies in the case log), and
publishes that one event so that whoever consumes the broker can delete too.

While the bot is paused for a live handoff, the professional's messages are also
added to the open case's audit trail (:mod:`bot.caselog`), where the adviser reads
them. Deletion works for the SQL, Redis and in-memory stores; another inner store is
refused at start-up.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import (
    InMemoryTrackerStore,
    RedisTrackerStore,
    SQLTrackerStore,
    TrackerStore,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ConversationPaused, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import text

from bot import escalation
from bot.db import checkpoint_wal, harden_sqlite_engine
from bot.privacy import DELETE_CONVERSATION_SLOT, warm_up
from bot.settings import get_settings
from components.event_broker import RedactingEventBroker
from components.redaction import is_deletion_request, redact_event

logger = logging.getLogger(__name__)
CASE_SLOT = "case_reference"  # set once a conversation has a case in the case log
DELETABLE = (SQLTrackerStore, RedisTrackerStore, InMemoryTrackerStore)


class TrackerStoreConfigError(ValueError):
    """The ``inner`` section of the tracker store configuration is missing or unusable."""


def _innermost(store: TrackerStore) -> TrackerStore:
    """Return the store behind Rasa's own wrappers (awaitable, fail-safe)."""
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


def messages_since_pause(tracker: DialogueStateTracker) -> list[tuple[str, float]]:
    """Return (text, timestamp) of the user messages since the conversation was paused."""
    found: list[tuple[str, float]] = []
    for event in reversed(tracker.events):
        if isinstance(event, ConversationPaused):
            break
        if isinstance(event, UserUttered) and event.text:
            found.append((event.text, event.timestamp))
    return found[::-1]


def redacted_copy(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """Return a shallow copy of ``tracker`` whose events are redacted copies."""
    events = [redact_event(event) for event in tracker.events]
    clone = copy.copy(tracker)
    clone.events = deque(events, maxlen=tracker.events.maxlen)
    return clone


class RedactingTrackerStore(TrackerStore):
    """Hands the inner store redacted trackers; deletes a conversation on request."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        inner: Mapping[str, Any] | TrackerStore | None = None,
        **kwargs: Any,
    ) -> None:
        """Build the inner store from its section of the endpoint configuration.

        Raises:
            TrackerStoreConfigError: when ``inner`` is missing or names a store in
                which a conversation cannot be deleted.

        """
        if event_broker is not None and not isinstance(event_broker, RedactingEventBroker):
            event_broker = RedactingEventBroker(event_broker)
        if isinstance(inner, TrackerStore):
            store = inner
            store.event_broker = event_broker
        elif isinstance(inner, Mapping):
            store = TrackerStore.create(
                EndpointConfig.from_dict(dict(inner)), domain=domain, event_broker=event_broker
            )
        else:
            raise TrackerStoreConfigError(
                "tracker_store: RedactingTrackerStore needs an 'inner' section, e.g. "
                "inner: {type: SQL, dialect: sqlite, db: var/tracker.db}"
            )
        if not isinstance(_innermost(store), DELETABLE):
            raise TrackerStoreConfigError(
                f"tracker_store: conversations cannot be deleted from "
                f"{type(_innermost(store)).__name__}; use SQL, redis or the in-memory store"
            )
        self.inner = store
        if isinstance(_innermost(store), SQLTrackerStore):
            # SQLite zeroes what a deletion removes (no copy left in free pages)
            harden_sqlite_engine(_innermost(store).engine)
        super().__init__(domain, event_broker, **kwargs)
        # the redactor takes seconds to build: start now, not on the first message
        warm_up()

    @property
    def domain(self) -> Domain:
        """Return the inner store's domain."""
        domain: Domain = self.inner.domain
        return domain

    @domain.setter
    def domain(self, domain: Domain | None) -> None:
        if hasattr(self, "inner"):
            self.inner.domain = domain

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Save a redacted copy, or delete the conversation when the tracker asks for it.

        While an adviser has the conversation (the bot is paused), what the
        professional types also goes to the open case's trail in the case log.
        """
        if any(is_deletion_request(event) for event in tracker.events):
            await self.delete(tracker.sender_id)
            if tracker.get_slot(CASE_SLOT):
                await self._case_log(escalation.forget, tracker.sender_id)
            return
        redacted = redacted_copy(tracker)
        await self.inner.save(redacted)
        if tracker.is_paused():
            messages = messages_since_pause(redacted)
            if messages:
                await self._case_log(
                    escalation.record_live_messages, tracker.sender_id, messages=messages
                )

    @staticmethod
    async def _case_log(change: Callable[..., None], conversation_id: str, **values: Any) -> None:
        """Apply a change to the case log; a failure there never loses the conversation."""
        try:
            await asyncio.to_thread(
                change, get_settings(), conversation_id=conversation_id, **values
            )
        except Exception:
            logger.exception("The case log could not be updated for a conversation.")

    async def delete(self, sender_id: str) -> None:
        """Delete every stored event of one conversation and tell the event broker."""
        store = _innermost(self.inner)
        if isinstance(store, SQLTrackerStore):
            with store.session_scope() as session:
                if store.engine.dialect.name == "sqlite":
                    session.execute(text("PRAGMA secure_delete=ON"))
                session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender_id).delete(
                    synchronize_session=False
                )
                session.commit()
            checkpoint_wal(store.engine)
        elif isinstance(store, RedisTrackerStore):
            store.red.delete(store.key_prefix + sender_id)
        elif isinstance(store, InMemoryTrackerStore):
            store.store.pop(sender_id, None)
        logger.info("Deleted a conversation on its user's request.")
        if self.event_broker is not None:
            self.event_broker.publish(
                {
                    "sender_id": sender_id,
                    "event": "slot",
                    "name": DELETE_CONVERSATION_SLOT,
                    "value": True,
                    "timestamp": time.time(),
                }
            )

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """Return the latest session of a conversation, from the inner store."""
        tracker: DialogueStateTracker | None = await self.inner.retrieve(sender_id)
        return tracker

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        """Return every session of a conversation, from the inner store."""
        tracker: DialogueStateTracker | None = await self.inner.retrieve_full_tracker(
            conversation_id
        )
        return tracker

    async def keys(self) -> Iterable[str]:
        """Return the conversation ids the inner store holds."""
        keys: Iterable[str] = await self.inner.keys()
        return keys

    async def exists(self, conversation_id: str) -> bool:
        """Tell whether the inner store holds the conversation."""
        found: bool = await self.inner.exists(conversation_id)
        return found
