"""A real action server and Rasa server with the trained model, shared by the integration tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from scripts.serve import MEASUREMENT_LIMITS, Stack, free_port, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    base = tmp_path_factory.mktemp("stack")
    with running_stack(
        var_dir=base / "var",
        ports={
            "RASA_PORT": free_port(),
            "ACTION_PORT": free_port(),
            "CONSOLE_PORT": free_port(),
        },
        extra_env=MEASUREMENT_LIMITS,
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


def customs(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["custom"] for m in messages if "custom" in m]


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages if m.get("text"))
