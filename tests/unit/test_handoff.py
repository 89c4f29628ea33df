"""Office hours, availability and reading the intake answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from bot.caselog.contacts import Contact, ContactCipher, ContactError, find_contact
from bot.caselog.models import HelpMode, Urgency
from bot.handoff import (
    Vocabulary,
    in_office_hours,
    live_possible,
    next_opening,
    parse_help,
    parse_profile,
    parse_urgency,
    summarise,
    vocabulary,
    when_back,
)
from bot.settings import HandoffSettings, get_settings

# Tuesday 1 December 2026, in UTC (Amsterdam is UTC+1 in winter)
TUESDAY_10 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
TUESDAY_18 = datetime(2026, 12, 1, 17, 0, tzinfo=timezone.utc)
FRIDAY_20 = datetime(2026, 12, 4, 19, 0, tzinfo=timezone.utc)
SATURDAY_10 = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)
ROLE_SECTOR = {"docent": "onderwijs", "jongerenwerker": "jongerenwerk"}


@pytest.fixture(scope="module")
def hours() -> HandoffSettings:
    return get_settings().handoff


@pytest.fixture(scope="module")
def words() -> Vocabulary:
    return vocabulary(get_settings())


@pytest.mark.parametrize(
    ("moment", "open_"),
    [(TUESDAY_10, True), (TUESDAY_18, False), (FRIDAY_20, False), (SATURDAY_10, False)],
)
def test_office_hours_follow_the_settings_in_local_time(
    hours: HandoffSettings, moment: datetime, open_: bool
) -> None:
    assert in_office_hours(hours, moment) is open_
    assert in_office_hours(replace(hours, always_open=True), moment)


def test_live_needs_office_hours_and_an_adviser(hours: HandoffSettings) -> None:
    assert live_possible(hours, TUESDAY_10, advisers_online=1)
    assert not live_possible(hours, TUESDAY_10, advisers_online=0)
    assert not live_possible(hours, TUESDAY_18, advisers_online=3)
    assert live_possible(replace(hours, availability="always"), TUESDAY_10, 0)
    assert not live_possible(replace(hours, availability="never"), TUESDAY_10, 5)


def test_the_bot_says_when_an_adviser_comes_back(hours: HandoffSettings, words: Vocabulary) -> None:
    assert next_opening(hours, TUESDAY_10) == TUESDAY_10
    assert when_back(hours, TUESDAY_10, words) == "vandaag vóór 17:00"
    assert when_back(hours, TUESDAY_18, words) == "op woensdag 2 december vanaf 09:00"
    assert when_back(hours, FRIDAY_20, words) == "op maandag 7 december vanaf 09:00"
    assert when_back(hours, SATURDAY_10, words) == "op maandag 7 december vanaf 09:00"


@pytest.mark.parametrize(
    ("text", "entities", "role", "sector", "region"),
    [
        ("ik ben docent in Utrecht", {"role": ["docent"]}, "docent", "onderwijs", "Utrecht"),
        ("jongerenwerk in den haag", {}, None, "jongerenwerk", "'s-Gravenhage"),
        ("/inform", {"sector": ["jeugdhulp"]}, None, "jeugdhulp", None),
        ("wijkteam, regio Achterhoek", {}, None, "sociaal-domein", "Achterhoek"),
        ("ik doe mijn best", {}, None, None, None),  # "Best" is a place, but not here
        ("overslaan", {}, None, None, None),
        ("/inform", {"sector": ["hackers"]}, None, None, None),  # not a sector: ignored
        # a typed role outside the vocabulary never reaches the case log
        ("ik ben Jan de Vries", {"role": ["Jan de Vries"]}, None, None, None),
    ],
)
def test_the_first_answer_gives_role_sector_and_region(
    words: Vocabulary,
    text: str,
    entities: dict[str, list[str]],
    role: str | None,
    sector: str | None,
    region: str | None,
) -> None:
    profile = parse_profile(text, entities, words, ROLE_SECTOR)
    assert (profile.role, profile.sector, profile.region) == (role, sector, region)


@pytest.mark.parametrize(
    ("text", "entities", "expected"),
    [
        ("het moet vandaag nog", {}, Urgency.HIGH),
        ("geen haast hoor", {}, Urgency.LOW),
        ("deze week is goed", {}, Urgency.NORMAL),
        ("/inform", {"urgency": ["laag"]}, Urgency.LOW),
        ("/inform", {"urgency": ["meteen-alles"]}, None),
        ("weet ik niet", {}, None),
    ],
)
def test_urgency_is_read_from_words_or_buttons(
    words: Vocabulary, text: str, entities: dict[str, list[str]], expected: Urgency | None
) -> None:
    assert parse_urgency(text, entities, words) == expected


def test_a_typed_contact_is_a_call_back_request(words: Vocabulary) -> None:
    phone = parse_help("bel me op 06-12345678", {}, words, live=True)
    assert phone is not None and phone.mode == HelpMode.CALLBACK
    assert phone.contact == Contact("phone", "+31612345678")
    mail = parse_help("mail maar naar J.Jansen@School.nl", {}, words, live=False)
    assert mail is not None and mail.contact == Contact("email", "j.jansen@school.nl")


def test_waiting_in_the_chat_is_only_a_choice_when_live(words: Vocabulary) -> None:
    chat = parse_help("/inform", {"help_mode": ["chat"]}, words, live=True)
    assert chat is not None and chat.mode == HelpMode.CHAT
    assert parse_help("/inform", {"help_mode": ["chat"]}, words, live=False) is None
    assert parse_help("liever niet", {}, words, live=True) is None


@pytest.mark.parametrize(
    "text",
    ["in 2023 waren er 12345678 meldingen", "klas 3b, lokaal 12", "geen nummer", "bel@me"],
)
def test_text_without_a_contact_detail_gives_none(text: str) -> None:
    assert find_contact(text) is None


def test_contacts_decrypt_only_with_the_right_key() -> None:
    from cryptography.fernet import Fernet

    secret = ContactCipher(Fernet.generate_key().decode()).encrypt(Contact("phone", "+316"))
    with pytest.raises(ContactError):
        ContactCipher(Fernet.generate_key().decode()).decrypt(secret)
    with pytest.raises(ContactError):
        ContactCipher("not a key")


def test_the_summary_keeps_the_last_questions_and_skips_payloads() -> None:
    questions = [f"vraag {n}" for n in range(8)] + ["/inform", "  "]
    assert summarise(questions).splitlines() == [f"vraag {n}" for n in range(3, 8)]
