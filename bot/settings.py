"""Settings for Advieslijn, read once into one immutable object.

Values come from ``config/service.yml`` (or the file named by ``ADVIESLIJN_CONFIG``)
and can be overridden by environment variables. Nothing is read at import time:
call :func:`get_settings` (cached) or :func:`load_settings` (uncached, for tests).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.datafiles import read_mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """Raised when the configuration file or an environment override is invalid."""


@dataclass(frozen=True)
class ContactDetails:
    """How a professional reaches a human adviser; shown in bot text via variables."""

    phone: str
    email: str
    hours: str


@dataclass(frozen=True)
class Settings:
    """All settings of the advice line."""

    root: Path
    contact: ContactDetails
    catalogue_path: Path
    max_results: int


def _section(data: Mapping[str, Any], key: str, source: Path) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise SettingsError(f"{source}: '{key}' must be a mapping, got {type(value).__name__}")
    return value


def _text(
    section: Mapping[str, Any], key: str, env: Mapping[str, str], env_name: str, source: Path
) -> str:
    value = env.get(env_name, section.get(key))
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{source}: '{key}' must be a non-empty text (or set {env_name})")
    return value.strip()


def load_settings(
    environ: Mapping[str, str] | None = None, config_path: Path | None = None
) -> Settings:
    """Read the settings file and environment overrides into a :class:`Settings`.

    Args:
        environ: environment to read overrides from; defaults to ``os.environ``.
        config_path: settings file; defaults to ``ADVIESLIJN_CONFIG`` or
            ``config/service.yml`` under the project root.

    Raises:
        SettingsError: when the file is missing, unreadable or holds invalid values.

    """
    env = os.environ if environ is None else environ
    root = Path(env.get("ADVIESLIJN_HOME", str(PROJECT_ROOT)))
    path = config_path or Path(env.get("ADVIESLIJN_CONFIG", str(root / "config" / "service.yml")))
    raw = read_mapping(path, SettingsError)

    contact = _section(raw, "contact", path)
    catalogue = _section(raw, "catalogue", path)
    routing = _section(raw, "routing", path)

    max_results_raw = env.get("ADVIESLIJN_MAX_RESULTS", routing.get("max_results", 3))
    try:
        max_results = int(max_results_raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{path}: 'max_results' must be a whole number") from exc
    if not 1 <= max_results <= 10:
        raise SettingsError(f"{path}: 'max_results' must be between 1 and 10")

    contact_details = ContactDetails(
        phone=_text(contact, "phone", env, "ADVIESLIJN_PHONE", path),
        email=_text(contact, "email", env, "ADVIESLIJN_EMAIL", path),
        hours=_text(contact, "hours", env, "ADVIESLIJN_HOURS", path),
    )
    catalogue_path = Path(
        _text(
            {"path": "catalogue/catalogue.yml", **catalogue},
            "path",
            env,
            "ADVIESLIJN_CATALOGUE",
            path,
        )
    )
    if not catalogue_path.is_absolute():
        catalogue_path = root / catalogue_path

    return Settings(
        root=root,
        contact=contact_details,
        catalogue_path=catalogue_path,
        max_results=max_results,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read on first use."""
    return load_settings()
