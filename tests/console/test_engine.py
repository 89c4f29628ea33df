"""The Rasa HTTP API client fails with clear errors (its happy path runs against a real Rasa
server in tests/integration/test_console_handoff.py)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from bot.engine import ConversationEngine, EngineError
from scripts.serve import free_port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def test_an_engine_that_is_not_running_gives_a_clear_error() -> None:
    engine = ConversationEngine(f"http://127.0.0.1:{free_port()}", "token", timeout=2)
    with pytest.raises(EngineError, match="cannot be reached"):
        engine.adviser_joined("conversation-1")
    with pytest.raises(EngineError, match="cannot be reached"):
        engine.send_adviser_message("conversation-1", text="Hallo", name="Anna")
    with pytest.raises(EngineError, match="cannot be reached"):
        engine.hand_back("conversation-1")


def test_an_engine_that_does_not_answer_times_out(silent_port: int) -> None:
    engine = ConversationEngine(f"http://127.0.0.1:{silent_port}", "token", timeout=0.5)
    started = time.monotonic()
    with pytest.raises(EngineError, match="did not answer within"):
        engine.send_adviser_message("conversation-1", text="Hallo", name="Anna")
    assert time.monotonic() - started < 5


def test_nothing_is_sent_without_a_conversation_or_text() -> None:
    engine = ConversationEngine(f"http://127.0.0.1:{free_port()}", "token")
    with pytest.raises(EngineError, match="no conversation id"):
        engine.adviser_joined("")
    with pytest.raises(EngineError, match="empty message"):
        engine.send_adviser_message("c", text="  ", name="Anna")
