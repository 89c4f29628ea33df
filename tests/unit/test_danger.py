"""The acute-danger check: each layer, long messages, danger spread over turns (real model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from bot.danger import (
    Assessment,
    DangerDetector,
    Level,
    RecentTurns,
    detector_for,
    read_self_harm_terms,
    split_sentences,
)
from bot.settings import PROJECT_ROOT

INTRO = (
    "Ik wil graag even mijn verhaal kwijt, want ik loop er al een tijd mee rond. Op onze school "
    "werken we sinds vorig jaar met een zorgteam dat elke twee weken bij elkaar komt, en daar "
    "bespreken we leerlingen over wie we ons zorgen maken. Dat werkt meestal goed, al is er "
    "weinig tijd en moeten we vaak kiezen wie we als eerste bespreken. Ouders zijn niet altijd "
    "makkelijk te bereiken en de wijkagent ken ik alleen van een voorlichting in de aula. "
)
STORY = (
    "Ik werk nu een paar jaar als mentor op een vmbo in het oosten van het land en ik vind het "
    "werk meestal heel mooi. Deze week hadden we een lastige periode met toetsen, en in mijn klas "
    "zit een jongen die het thuis niet makkelijk heeft. Hij is de laatste maanden stiller, zit "
    "vaak "
    "alleen, en hij heeft een paar keer gezegd dat niemand hem serieus neemt. Ik heb daar met mijn "
    "collega's over gesproken en we hebben afgesproken dat ik hem in de gaten houd. Vanochtend "
    "had hij ruzie met twee klasgenoten in de gang, en daarna is hij naar buiten gelopen. Ik heb "
    "zijn ouders nog niet gebeld omdat ik eerst wilde weten wat er precies was gebeurd. Een "
    "collega vertelde net dat hij op het schoolplein staat en tegen iedereen roept dat hij ze "
    "gaat afmaken. "
)


@pytest.fixture(scope="module")
def detector() -> DangerDetector:
    return detector_for(PROJECT_ROOT)


def test_sentences_are_split_and_short_fragments_dropped() -> None:
    assert split_sentences("Hoi. Ik heb een vraag over een leerling! Ok") == [
        "Ik heb een vraag over een leerling!"
    ]


def test_the_assessment_travels_as_metadata_without_text() -> None:
    assessment = Assessment(Level.POSSIBLE, "acute:riot", True, 0.61234, self_harm=True)
    data = assessment.as_metadata()
    assert data == {
        "level": "possible",
        "reason": "acute:riot",
        "suicidal": True,
        "self_harm": True,
        "score": 0.612,
    }
    assert Assessment.from_metadata(data) == Assessment(
        Level.POSSIBLE, "acute:riot", True, 0.612, self_harm=True
    )
    assert Assessment.from_metadata({"level": "boom"}) is None
    assert Assessment.from_metadata("acute") is None


def test_recent_turns_keep_the_last_two_texts_per_conversation() -> None:
    recent = RecentTurns(turns=2, conversations=2)
    for text in ("een", "twee", "drie"):
        recent.add("a", text)
    assert recent.previous("a") == ["twee", "drie"]
    recent.add("b", "x")
    recent.add("c", "y")
    assert recent.previous("a") == []  # the oldest conversation was dropped
    assert recent.previous("c") == ["y"]


def test_recent_turns_forget_old_texts() -> None:
    recent = RecentTurns(seconds=0)
    recent.add("a", "een")
    assert recent.previous("a") == []


def test_explicit_danger_is_acute(detector: DangerDetector) -> None:
    assert detector.assess("Hij heeft een mes getrokken in de kantine!").level is Level.ACUTE


def test_english_danger_is_acute(detector: DangerDetector) -> None:
    assert detector.assess("a student just pulled a gun in the hallway").level is Level.ACUTE


def test_a_long_story_that_ends_in_danger_is_acute(detector: DangerDetector) -> None:
    text = INTRO + STORY
    assert len(text) > 1100
    assert detector.assess(text).level is Level.ACUTE


def test_danger_spread_over_three_messages_is_acute_on_the_last(detector: DangerDetector) -> None:
    turns = [
        "ik sta bij de ingang van de sporthal",
        "er staan hier een stuk of tien jongens met stokken",
        "ze slaan een jongen die op de grond ligt",
    ]
    assert detector.assess(turns[2], previous=turns[:2]).level is Level.ACUTE


# Issue 12: honour-related violence and threats against the professional have their own
# answers now, and their training examples count as calm; danger now must still be acute.
@pytest.mark.parametrize(
    "text",
    [
        "ze belt me net in paniek: haar broers staan voor de deur en dreigen haar te vermoorden",
        "haar oom staat nu met een mes bij het schoolhek, hij zegt dat hij de eer komt herstellen",
        "een leerling staat op dit moment voor mijn huis en dreigt me neer te steken",
    ],
)
def test_honour_violence_or_a_threat_happening_now_is_acute(
    detector: DangerDetector, text: str
) -> None:
    assert detector.assess(text).level is Level.ACUTE


@pytest.mark.parametrize(
    "text",
    [
        "Wat is eergerelateerd geweld en hoe herken ik het bij een leerling?",
        "Een vader dreigde vorige maand na een oudergesprek, kan ik daar nog aangifte van doen?",
        "Valt radicalisering onder de meldcode?",
    ],
)
def test_questions_about_honour_violence_or_past_threats_get_no_full_alarm(
    detector: DangerDetector, text: str
) -> None:
    assert detector.assess(text).level is not Level.ACUTE


@pytest.mark.parametrize(
    "text",
    [
        "Hoe bespreek ik de aanslag in het nieuws met mijn klas?",
        "Vorig jaar was er een steekpartij bij ons op school, hoe voorkom ik dat het weer gebeurt?",
        "In de kooklessen gebruiken de leerlingen gewoon messen, moet ik daar iets mee?",
        "Waar kan ik een training volgen over extremisme?",
    ],
)
def test_calm_questions_with_danger_words_get_no_full_alarm(
    detector: DangerDetector, text: str
) -> None:
    assert detector.assess(text).level is not Level.ACUTE


def test_thoughts_of_suicide_without_danger_now_are_recognised(detector: DangerDetector) -> None:
    result = detector.assess(
        "Een leerling zei gisteren dat ze soms denkt dat het beter is als ze er niet meer is. "
        "Hoe ga ik daarmee om?"
    )
    assert result.suicidal
    assert result.level is not Level.ACUTE


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("ze snijdt zichzelf sinds de zomer, hoe begin ik daarover", True),
        ("Hij zegt dat hij niet meer wil leven", True),
        ("my student keeps talking about killing himself", True),
        ("she doesn't want to live anymore", True),
        ("een jongen praat over zelfdoding", True),
        ("hoe bespreek ik de zelfmoordaanslag in Brussel met mijn klas", False),
        ("what drives a suicide bomber, asks a pupil", False),
        ("hij zit vol haat tegen de overheid", False),
    ],
)
def test_self_harm_words_are_found_but_not_the_terrorism_sense(text: str, found: bool) -> None:
    terms = read_self_harm_terms(PROJECT_ROOT / "safety" / "self_harm_terms.yml")
    assert terms.found(text) is found


def test_the_113_line_only_when_no_113_or_112_answer_follows() -> None:
    assert Assessment(Level.CALM, self_harm=True).needs_113_line
    assert Assessment(Level.POSSIBLE, self_harm=True).needs_113_line
    assert not Assessment(Level.CALM, suicidal=True, self_harm=True).needs_113_line
    assert not Assessment(Level.ACUTE, self_harm=True).needs_113_line
    assert not Assessment(Level.CALM).needs_113_line


def test_a_bad_self_harm_word_list_gives_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "terms.yml"
    bad.write_text("version: 1\nterms:\n  - '(unclosed'\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"terms\.yml"):
        read_self_harm_terms(bad)
    bad.write_text("terms: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="version"):
        read_self_harm_terms(bad)


@pytest.mark.parametrize(("suicidal", "level"), [(0.30, Level.POSSIBLE), (0.05, Level.CALM)])
def test_signs_of_self_harm_lower_the_bar_of_the_possibly_acute_line(
    detector: DangerDetector, monkeypatch: pytest.MonkeyPatch, suicidal: float, level: Level
) -> None:
    # Just above the rule floor, just below the "possible" threshold: only with signs of
    # self-harm (here closeness to thoughts of suicide) does the 112 line come.
    t = detector.thresholds
    score = (t.rule_floor + t.possible) / 2
    assert t.rule_floor < score < t.possible and suicidal < t.suicidal

    def scores(
        texts: list[str],
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[str]]:
        n = len(texts)
        return np.full(n, score), np.full(n, suicidal), ["acute:overdose"] * n

    monkeypatch.setattr(detector, "_scores", scores)
    assert detector.assess("ze ligt stil in de hoek van het lokaal").level is level
