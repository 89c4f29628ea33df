"""Settings are read once from the file, with environment overrides and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings


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
