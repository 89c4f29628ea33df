"""Redaction of Rasa events before they are stored or published.

One rule for the tracker store (:mod:`components.tracker_store`) and the event
broker (:mod:`components.event_broker`), applied to an event's dictionary form
(what both of them write):

- user messages: the text (also in ``parse_data``) is redacted; client metadata is
  dropped; entity values are redacted unless the entity is one of the bot's own
  lookup tables (:data:`KEPT_ENTITIES`) AND its value is in that table's vocabulary
  (``data/nlu/entities.yml``: the lookup forms and their synonyms' values);
- bot messages: the text of a message an adviser typed (custom payload of type
  ``adviser``) and of any message not rendered from a domain response is redacted,
  and so are the template variables an action passed (kept in the metadata). The
  text of a domain response is kept: actions fill response variables only from the
  settings and the catalogue, never with what a user typed;
- slots: string values are redacted unless the slot holds only values the bot
  itself chose (:data:`KEPT_SLOTS`); a slot filled from a lookup entity keeps only
  values of that vocabulary (anything else, e.g. typed in Rasa's intent syntax, is
  dropped); ``session_started_metadata`` (the client's metadata again) is dropped;
- entities added by actions, reminders and legacy agent messages likewise.

Nothing is added, removed or reordered: one event in, one event out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasa.shared.core.events import Event, SlotSet
from rasa.shared.nlu.training_data.loading import load_data

from bot.privacy import DELETE_CONVERSATION_SLOT, redact
from bot.settings import get_settings

logger = logging.getLogger(__name__)

# Slots whose values the bot chooses itself (lookup-table entities, catalogue ids,
# counters, flags, case references); every other slot's strings are redacted.
KEPT_SLOTS = frozenset(
    {
        "role",
        "phenomenon",
        "age_group",
        "sector",
        "region",
        "urgency",
        "help_mode",
        "case_reference",
        "recommended_resources",
        "clarify_count",
        "human_offered",
        "requested_slot",
        DELETE_CONVERSATION_SLOT,
    }
)
# Entities found with the bot's own lookup tables (data/nlu/entities.yml); the slots of
# the same names are filled from them.
KEPT_ENTITIES = frozenset({"role", "phenomenon", "age_group"})
ENTITY_FILE = Path("data") / "nlu" / "entities.yml"
DROPPED_SLOTS = frozenset({"session_started_metadata"})
# Rasa's own flag for messages it made itself (reminders, triggered intents).
USER_METADATA_KEPT = frozenset({"is_external"})
BOT_METADATA_KEPT = frozenset({"utter_action", "template_name", "model_id", "assistant_id"})
ADVISER = "adviser"


def redact_value(value: Any) -> Any:
    """Redact every string inside ``value`` (lists and mappings are walked)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(item) for item in value]
    return value


@lru_cache(maxsize=4)
def entity_vocabulary(path: Path | None = None) -> Mapping[str, frozenset[str]]:
    """Return, per lookup entity, every value it may hold (case-folded).

    The forms of the lookup table and the canonical values their synonyms map to.
    A missing or unreadable file gives empty vocabularies: nothing is kept.
    """
    path = path or get_settings().root / ENTITY_FILE
    try:
        data = load_data(str(path))
    except Exception:  # fail closed: without the vocabulary no value is trusted
        logger.exception("cannot read the entity vocabulary %s", path)
        return {}
    synonyms = {form.casefold(): value for form, value in data.entity_synonyms.items()}
    vocabulary: dict[str, frozenset[str]] = {}
    for table in data.lookup_tables:
        forms = {str(form).casefold() for form in table.get("elements") or []}
        values = {str(synonyms[form]).casefold() for form in forms if form in synonyms}
        vocabulary[str(table.get("name"))] = frozenset(forms | values)
    return vocabulary


def in_vocabulary(entity: Any, value: Any) -> bool:
    """Whether ``value`` is a value the bot's lookup table for ``entity`` can produce."""
    words = entity_vocabulary().get(entity, frozenset()) if isinstance(entity, str) else None
    return bool(words) and isinstance(value, str) and value.strip().casefold() in (words or ())


def _vocabulary_slot(name: str, value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [item for item in value if in_vocabulary(name, item)] or None
    return value if value is None or in_vocabulary(name, value) else None


def _entities(entities: Any) -> Any:
    if not isinstance(entities, list):
        return entities
    result = []
    for entity in entities:
        if isinstance(entity, Mapping) and not (
            entity.get("entity") in KEPT_ENTITIES
            and in_vocabulary(entity.get("entity"), entity.get("value"))
        ):
            entity = {**entity, "value": redact_value(entity.get("value"))}
            if "text" in entity:
                entity["text"] = redact_value(entity["text"])
        result.append(entity)
    return result


def _kept_metadata(metadata: Any) -> dict[str, Any]:
    if not isinstance(metadata, Mapping):
        return {}
    return {key: value for key, value in metadata.items() if key in USER_METADATA_KEPT}


def _user(data: dict[str, Any]) -> dict[str, Any]:
    text = data.get("text")
    redacted = redact(text) if isinstance(text, str) else text
    data["text"] = redacted
    data["metadata"] = _kept_metadata(data.get("metadata"))
    parse = data.get("parse_data")
    if isinstance(parse, Mapping):
        parse = dict(parse)
        if "text" in parse:
            parse["text"] = redacted
        if "metadata" in parse:
            parse["metadata"] = _kept_metadata(parse["metadata"])
        if "entities" in parse:
            parse["entities"] = _entities(parse["entities"])
        data["parse_data"] = parse
    return data


def is_adviser_message(data: Mapping[str, Any]) -> bool:
    """Tell whether a bot event carries a message an adviser typed."""
    payload = data.get("data")
    custom = payload.get("custom") if isinstance(payload, Mapping) else None
    return isinstance(custom, Mapping) and custom.get("type") == ADVISER


def _bot(data: dict[str, Any]) -> dict[str, Any]:
    metadata = data.get("metadata")
    from_response = isinstance(metadata, Mapping) and bool(metadata.get("utter_action"))
    if is_adviser_message(data) or not from_response:
        text = data.get("text")
        if isinstance(text, str):
            data["text"] = redact(text)
    if isinstance(metadata, Mapping):
        # an action's template variables end up here
        data["metadata"] = {
            key: value if key in BOT_METADATA_KEPT else redact_value(value)
            for key, value in metadata.items()
        }
    return data


def _slot(data: dict[str, Any]) -> dict[str, Any]:
    name = data.get("name")
    if name in DROPPED_SLOTS:
        data["value"] = None
    elif name in KEPT_ENTITIES:
        data["value"] = _vocabulary_slot(name, data.get("value"))
    elif name not in KEPT_SLOTS:
        data["value"] = redact_value(data.get("value"))
    return data


def redact_event_dict(event: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of one event in dictionary form with its personal data redacted."""
    data = dict(event)
    kind = data.get("event")
    if kind == "user":
        return _user(data)
    if kind == "bot":
        return _bot(data)
    if kind == "slot":
        return _slot(data)
    if kind in {"entities", "reminder"}:
        data["entities"] = _entities(data.get("entities"))
    elif kind == "agent":
        data["text"] = redact_value(data.get("text"))
    elif kind == "session_started":
        data.pop("metadata", None)
    return data


def redact_event(event: Event) -> Event:
    """Return a redacted copy of ``event`` (same type, timestamp and place)."""
    copy = Event.from_parameters(redact_event_dict(event.as_dict()))
    if copy is None:  # pragma: no cover - every event Rasa writes has a type
        raise ValueError(f"cannot rebuild event {event.type_name}")
    return copy


def is_deletion_request(event: Event) -> bool:
    """Tell whether ``event`` is an action's request to delete the conversation."""
    return (
        isinstance(event, SlotSet) and event.key == DELETE_CONVERSATION_SLOT and event.value is True
    )
