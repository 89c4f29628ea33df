"""On a running stack each process holds only its own secrets, and the logs no conversation id.

Issue 11, items 10 and 11. One stack of its own at DEBUG (Rasa's lock store, tracker
store and Sanic's access log then write conversation ids in nearly every line).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot import logsafe
from bot.settings import PROCESS_SECRETS, SECRET_VARIABLES
from scripts.serve import MEASUREMENT_LIMITS, Stack, free_ports, running_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def debug_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    base = tmp_path_factory.mktemp("secrets")
    env = {
        **MEASUREMENT_LIMITS,
        "LOG_LEVEL": "DEBUG",
        "LOG_LEVEL_LIBRARIES": "DEBUG",
        "TELEGRAM_TOKEN": "123456:not-a-real-bot-token",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9",
    }
    with running_stack(var_dir=base / "var", ports=free_ports(), extra_env=env) as running:
        yield running


def environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


def test_each_process_holds_only_its_own_secrets(debug_stack: Stack) -> None:
    secrets = {
        name: debug_stack.env[variable]
        for name, variable in SECRET_VARIABLES.items()
        if len(debug_stack.env.get(variable, "")) >= 8  # not the empty store passwords
    }
    assert {"rasa_token", "action_secret", "contact_key", "log_key", "telegram_token"} <= set(
        secrets
    )
    for name, process in debug_stack.processes.items():
        env = environment(process.pid)
        assert env["ADVIESLIJN_PROCESS"] == name
        everything = "\n".join(env.values())
        for secret, value in secrets.items():
            if secret in PROCESS_SECRETS[name]:
                assert env[SECRET_VARIABLES[secret]] == value, (name, secret)
            else:
                assert value not in everything, f"the {name} process holds {secret}"


def test_no_log_holds_a_conversation_id(debug_stack: Stack) -> None:
    conversation = f"jan.devries.{uuid.uuid4().hex[:6]}@school.nl"
    debug_stack.webhook(conversation, "hallo")
    debug_stack.webhook(conversation, "wat is polarisatie?")
    # the HTTP API with the id in its path (Sanic's access log at DEBUG)
    requests.get(
        f"{debug_stack.rasa_url}/conversations/{conversation}/tracker",
        params={"token": debug_stack.token},
        timeout=10,
    ).raise_for_status()
    time.sleep(1)  # let the processes flush
    logs = {
        path.name: path.read_text(encoding="utf-8", errors="replace")
        for path in debug_stack.log_dir.iterdir()
    }
    assert "DEBUG" in logs["rasa.out"]  # it really logged
    logsafe.set_key(debug_stack.env["LOG_KEY"])
    hashed = logsafe.conversation_hash(conversation)
    for name, text in logs.items():
        assert conversation not in text, name
        assert conversation.split("@")[0] not in text, name
    # an operator can still follow it: every process used the same key
    assert hashed in logs["rasa.out"] + logs.get("rasa.log", "")
