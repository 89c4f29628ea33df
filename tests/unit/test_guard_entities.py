"""Typed entity values never reach storage: lookup slots keep only their vocabulary.

Issue 11, item 1: with Rasa's intent syntax smuggled past the channel guard, a client
could set ``role`` (and ``phenomenon``, ``age_group``) to anything, and these slots
were stored unredacted because the bot "chose" their values. Now only values of the
lookup tables in ``data/nlu/entities.yml`` (or their synonyms' values) are kept.
"""

from __future__ import annotations

from typing import Any

import pytest

from components.redaction import entity_vocabulary, in_vocabulary, redact_event_dict

PLANTED = "Jan Jansen 0612345678"


def test_the_vocabulary_comes_from_the_lookup_tables() -> None:
    vocabulary = entity_vocabulary()
    assert {"role", "phenomenon", "age_group"} <= set(vocabulary)
    assert in_vocabulary("role", "docent")
    assert in_vocabulary("role", "Leraren")  # a form, case-folded
    assert not in_vocabulary("role", PLANTED)
    assert not in_vocabulary("sector", "docent")  # not a lookup entity


@pytest.mark.parametrize("slot", ["role", "phenomenon", "age_group"])
def test_a_lookup_slot_outside_the_vocabulary_is_dropped(slot: str) -> None:
    stored = redact_event_dict({"event": "slot", "name": slot, "value": PLANTED})
    assert stored["value"] is None
    listed = redact_event_dict({"event": "slot", "name": slot, "value": [PLANTED]})
    assert listed["value"] is None


def test_a_lookup_slot_inside_the_vocabulary_is_kept() -> None:
    assert redact_event_dict({"event": "slot", "name": "role", "value": "docent"})["value"] == (
        "docent"
    )
    assert redact_event_dict({"event": "slot", "name": "role", "value": None})["value"] is None


def test_typed_entity_values_are_redacted_in_parse_data() -> None:
    event: dict[str, Any] = {
        "event": "user",
        "text": "hallo",
        "parse_data": {
            "text": "hallo",
            "entities": [
                {"entity": "role", "value": PLANTED},
                {"entity": "role", "value": "docent", "start": 0, "end": 6},
            ],
        },
    }
    entities = redact_event_dict(event)["parse_data"]["entities"]
    assert "0612345678" not in str(entities[0]["value"])
    assert entities[1]["value"] == "docent"
