"""A real action server and Rasa server with the trained model, shared by the integration tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from scripts.serve import MEASUREMENT_LIMITS, Stack, free_port, running_stack
from tests.fakes.telegram_api import FakeTelegramApi, running_telegram_api

# The secret the shared stack's Telegram channel expects in every update.
TELEGRAM_SECRET = "stack-secret_" + "T" * 24


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[FakeTelegramApi]:
    """The Bot API stand-in the shared stack's Telegram channel talks to."""
    with running_telegram_api() as api:
        yield api


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, telegram_api: FakeTelegramApi
) -> Iterator[Stack]:
    base = tmp_path_factory.mktemp("stack")
    with running_stack(
        var_dir=base / "var",
        ports={"RASA_PORT": free_port(), "ACTION_PORT": free_port()},
        extra_env={
            **MEASUREMENT_LIMITS,
            **telegram_api.env,
            "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            # An adviser is always there: the escalation tests reach the live queue.
            "ADVIESLIJN_AVAILABILITY": "always",
            "ADVIESLIJN_ALWAYS_OPEN": "true",
        },
    ) as running:
        yield running


Conversation = Callable[[str], list[dict[str, Any]]]


@pytest.fixture
def conversation(stack: Stack) -> Conversation:
    """A fresh conversation: call it with a user text, get the bot's messages."""
    sender = f"test-{uuid.uuid4().hex[:12]}"

    def say(text: str) -> list[dict[str, Any]]:
        return stack.webhook(sender, text)

    return say


def tracker(stack: Stack, sender: str) -> dict[str, Any]:
    """The conversation as the Rasa HTTP API shows it (what REST clients poll)."""
    answer = requests.get(
        f"{stack.rasa_url}/conversations/{sender}/tracker",
        params={"token": stack.token},
        timeout=10,
    )
    answer.raise_for_status()
    found: dict[str, Any] = answer.json()
    return found


def customs(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["custom"] for m in messages if "custom" in m]


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages if m.get("text"))
