"""The redactor removes every planted piece of personal data and nothing it should keep."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.privacy import TAG, clear_cache, find, redact
from scripts.privacy_eval import load_messages, score, score_clean

ROLE_AND_TOPIC_WORDS = [
    "docent",
    "jongerenwerker",
    "extreemrechts",
    "jihadisme",
    "complotdenken",
    "aandachtsfunctionaris",
    "radicalisering",
    "polarisatie",
    "leerkracht",
    "wijkagent",
    "mentor",
]
SERVICES = ["Veilig Thuis", "Landelijk Steunpunt Extremisme", "Meld Misdaad Anoniem"]


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return load_messages()


def test_every_planted_item_is_gone(data: dict[str, Any]) -> None:
    result = score(data["messages"])
    assert result.planted >= 200
    assert not result.misses, "\n".join(f"{item!r}: {red}" for item, _, red in result.misses)
    for message in data["messages"]:
        plain = TAG.sub(" ", redact(message["text"]))
        for item in message["planted"]:
            assert not re.search(rf"(?<!\w){re.escape(item)}(?!\w)", plain), (item, plain)


def test_words_that_must_stay_do(data: dict[str, Any]) -> None:
    for message in data["messages"]:
        redacted = redact(message["text"])
        for word in message.get("keep", []):
            assert word in redacted, (word, redacted)


def test_held_out_recall_and_precision_stay_high(data: dict[str, Any]) -> None:
    result = score(data["holdout"])
    assert result.recall >= 0.95
    assert result.precision >= 0.9


def test_messages_without_personal_data_stay_almost_whole(data: dict[str, Any]) -> None:
    result = score_clean(data["clean"])
    assert result.spans <= 3, result.false_positives


@pytest.mark.parametrize("word", ROLE_AND_TOPIC_WORDS)
def test_role_and_topic_words_are_left_alone(word: str) -> None:
    for text in (
        f"Ik ben {word} en maak me zorgen.",
        f"{word.capitalize()} is het onderwerp van mijn vraag.",
        f"Wat moet ik weten over {word}?",
    ):
        assert word in redact(text).replace(word.capitalize(), word), text


@pytest.mark.parametrize("name", SERVICES)
def test_the_services_the_bot_names_are_left_alone(name: str) -> None:
    for text in (f"Ik heb {name} gebeld.", f"Moet ik {name} inschakelen?", f"Ik ben {name}."):
        assert name in redact(text), text


@pytest.mark.parametrize(
    "text",
    [
        "/request_human",
        "/deny",
        '/ask_signals{"role": "docent"}',
        "[PERSOON-1] ([LEEFTIJD-1]) woont in [LOCATIE-1].",
        "[INSTELLING-2] [PERSOON-3][LOCATIE-1]",
        "",
        "   ",
    ],
)
def test_text_without_new_personal_data_is_unchanged(text: str) -> None:
    assert redact(text) == text


def test_new_tags_count_on_after_existing_ones() -> None:
    redacted = redact("Jan Jansen en [PERSOON-1] wonen in [LOCATIE-4] en Utrecht.")
    assert redacted == "[PERSOON-2] en [PERSOON-1] wonen in [LOCATIE-4] en [LOCATIE-5]."


def test_the_same_name_gets_the_same_tag_within_a_message() -> None:
    redacted = redact("Mohammed zegt dit. Later zei Mohammed het weer, en Yusuf ook.")
    assert redacted.count("[PERSOON-1]") == 2
    assert "[PERSOON-2]" in redacted


def test_redacting_twice_changes_nothing(data: dict[str, Any]) -> None:
    for message in [*data["messages"], *data["holdout"]]:
        once = redact(message["text"])
        assert redact(once) == once


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_redaction_is_idempotent_on_mixed_text(data_strategy: st.DataObject) -> None:
    corpus = load_messages()
    words = sorted(
        {w for m in corpus["messages"] for w in m["text"].split()}
        | {"[PERSOON-1]", "[LOCATIE-2]", "(15)", "@x_y", "NL91 ABNA 0417 1643 00"}
    )
    text = " ".join(data_strategy.draw(st.lists(st.sampled_from(words), min_size=1, max_size=25)))
    once = redact(text)
    assert redact(once) == once


def test_find_reports_what_redact_replaces() -> None:
    text = "Mijn leerling Ayoub (15) zit op het Da Vinci College."
    spans = find(text)
    assert {s.tag for s in spans} == {"persoon", "leeftijd", "instelling"}
    assert [text[s.start : s.end] for s in spans] == [s.text for s in spans]


def test_redaction_takes_about_a_millisecond(data: dict[str, Any]) -> None:
    texts = [m["text"] for m in data["messages"]]
    redact("warm")
    clear_cache()
    started = time.perf_counter()
    for text in texts:
        redact(text)
    mean_ms = (time.perf_counter() - started) * 1000 / len(texts)
    assert mean_ms < 5, mean_ms  # about 0.6 ms measured; slack for a busy machine


def test_a_text_is_redacted_once_and_its_result_maps_to_itself() -> None:
    clear_cache()
    first = redact("Noor Haddad woont in Gouda.")
    assert redact("Noor Haddad woont in Gouda.") == first
    assert redact(first) == first


def test_building_the_model_leaves_the_process_logging_alone() -> None:
    # deduce calls logging.basicConfig(level=DEBUG) when imported.
    root = logging.getLogger()
    redact("Jan")
    assert root.level != logging.DEBUG or not root.handlers
    assert logging.getLogger("deduce").level == logging.WARNING


def test_the_cache_holds_no_original_text() -> None:
    """Issue 11, item 12: the cache held up to 8,192 originals in memory, names and all."""
    import bot.privacy as privacy

    original = "Mijn leerling Sanne de Vries van het Stedelijk Lyceum appt haatberichten."
    redacted = redact(original)
    assert "Sanne" not in redacted
    assert redact(original) == redacted  # served from the cache
    for key, value in list(privacy._cache.items()):
        assert isinstance(key, bytes) and len(key) == 32
        assert "Sanne" not in value and "Stedelijk Lyceum" not in value
    assert redacted in privacy.cached_texts()
