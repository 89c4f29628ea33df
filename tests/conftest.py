"""Shared fixtures: project paths, the domain, the real catalogue and the running stack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.catalogue import Catalogue, load_catalogue
from scripts.serve import MEASUREMENT_LIMITS, Stack, free_port, running_stack

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(ROOT / "catalogue" / "catalogue.yml")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The action server, the Rasa server with the trained model and the demo website.

    Started once per test session and shared by the integration and browser tests.
    """
    base = tmp_path_factory.mktemp("stack")
    with running_stack(
        var_dir=base / "var",
        ports={"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()},
        services=("actions", "rasa", "web"),
        extra_env=MEASUREMENT_LIMITS,
    ) as running:
        yield running
