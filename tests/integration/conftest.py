"""Helpers for the integration tests; the stack fixture lives in tests/conftest.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from scripts.serve import Stack

Conversation = Callable[[str], list[dict[str, Any]]]


@pytest.fixture
def conversation(stack: Stack) -> Conversation:
    """A fresh conversation: call it with a user text, get the bot's messages."""
    sender = f"test-{uuid.uuid4().hex[:12]}"

    def say(text: str) -> list[dict[str, Any]]:
        return stack.webhook(sender, text)

    return say


def customs(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["custom"] for m in messages if "custom" in m]


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages if m.get("text"))
