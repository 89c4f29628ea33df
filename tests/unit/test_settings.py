"""Settings are read once from the file, with environment overrides and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, ensure_secret_files, load_settings


def test_defaults_come_from_the_service_file(root: Path) -> None:
    settings = load_settings(environ={})
    assert settings.contact.phone
    assert settings.contact.email
    assert settings.catalogue_path == root / "catalogue" / "catalogue.yml"
    assert settings.max_results == 3


def test_environment_overrides_the_file() -> None:
    settings = load_settings(
        environ={"ADVIESLIJN_PHONE": "0800-0000", "ADVIESLIJN_MAX_RESULTS": "2"}
    )
    assert settings.contact.phone == "0800-0000"
    assert settings.max_results == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("contact: [1, 2]", "'contact' must be a mapping"),
        ("contact: {phone: '', email: a, hours: b}", "'phone' must be a non-empty text"),
        (
            "contact: {phone: a, email: b, hours: c}\nrouting: {max_results: many}",
            "whole number",
        ),
        ("contact: {phone: a, email: b, hours: c}\nrouting: {max_results: 50}", r"between 1"),
        ("- just a list", "must hold a mapping"),
        ("contact: {phone: [", "invalid YAML"),
    ],
)
def test_bad_settings_file_gives_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "service.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(environ={}, config_path=path)


def test_missing_settings_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"nope\.yml: cannot read file"):
        load_settings(environ={}, config_path=tmp_path / "nope.yml")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ADVIESLIJN_TIMEZONE": "Mars/Olympus"}, "unknown timezone"),
        ({"ADVIESLIJN_OPENS": "17:00", "ADVIESLIJN_CLOSES": "09:00"}, "later than 'opens'"),
        ({"ADVIESLIJN_OPENS": "negen uur"}, "a time such as 09:00"),
        ({"ADVIESLIJN_AVAILABILITY": "soms"}, "one of presence, always, never"),
        ({"ADVIESLIJN_RATE_CONVERSATION": "veel"}, "like 20/minute"),
        ({"ADVIESLIJN_MAX_MESSAGE_CHARS": "5"}, "between 20"),
        ({"ADVIESLIJN_ALWAYS_OPEN": "misschien"}, "true or false"),
        ({"RASA_PORT": "70000"}, "between 1 and 65535"),
    ],
)
def test_bad_overrides_of_the_new_sections_give_a_clear_error(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(environ=environ)


def test_defaults_of_the_escalation_and_the_limits() -> None:
    settings = load_settings(environ={})
    assert settings.server.host == "127.0.0.1"
    assert settings.handoff.office_days == (0, 1, 2, 3, 4)
    assert settings.privacy.conversation_days == 30 and settings.privacy.case_days == 365
    assert settings.limits.max_body_bytes == 65536
    assert (
        settings.database_url.startswith("sqlite:///") and "advieslijn.db" in settings.database_url
    )


def test_secrets_are_created_once_private_and_kept(tmp_path: Path) -> None:
    ensure_secret_files(tmp_path, environ={})
    folder = tmp_path / "secrets"
    first = {p.name: p.read_text() for p in folder.iterdir()}
    assert {"rasa_token", "action_secret", "console_secret_key", "contact_key"} <= set(first)
    assert all((folder / name).stat().st_mode & 0o777 == 0o600 for name in first)
    ensure_secret_files(tmp_path, environ={})
    assert {p.name: p.read_text() for p in folder.iterdir()} == first
    settings = load_settings(environ={"ADVIESLIJN_VAR": str(tmp_path), "RASA_TOKEN": "from-env"})
    assert settings.secrets.rasa_token == "from-env"  # the environment wins
    assert settings.secrets.action_secret == first["action_secret"]
    with pytest.raises(SettingsError, match="TELEGRAM_TOKEN"):
        settings.secrets.require("telegram_token")
