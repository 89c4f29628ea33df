"""Helpers for the integration tests; the stack fixture lives in tests/conftest.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests

from scripts.serve import Stack
from tests.conftest import TELEGRAM_SECRET

__all__ = ["TELEGRAM_SECRET", "Conversation", "customs", "texts", "tracker"]

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
