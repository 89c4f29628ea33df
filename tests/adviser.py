"""The adviser's side in tests: the console over HTTP, as a browser would use it."""

from __future__ import annotations

import re
import time
from typing import Any

import requests

from bot.engine import ConversationEngine
from scripts.serve import Stack

PASSWORD = "een wachtwoord voor de test"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ACCOUNT = {"ADVISER_PASSWORD": PASSWORD}


class Console:
    """The adviser's side: an HTTP session that logs in and posts forms with CSRF tokens."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.http = requests.Session()

    def token(self, path: str) -> str:
        page = self.http.get(self.base + path, timeout=10)
        page.raise_for_status()
        match = CSRF.search(page.text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, username: str, password: str) -> None:
        answer = self.http.post(
            self.base + "/login",
            data={"username": username, "password": password, "csrf_token": self.token("/login")},
            timeout=10,
        )
        assert answer.url == self.base + "/", answer.text[:500]

    def post(self, path: str, data: dict[str, str] | None = None) -> requests.Response:
        token = self.token("/")
        answer = self.http.post(
            self.base + path, data={**(data or {}), "csrf_token": token}, timeout=30
        )
        answer.raise_for_status()
        return answer

    def queue(self) -> dict[str, Any]:
        answer = self.http.get(self.base + "/api/queue", timeout=10)
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()
        return data


def flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, flags=re.DOTALL)


def bot_events(engine: ConversationEngine, sender: str) -> list[dict[str, Any]]:
    return [e for e in engine.tracker(sender)["events"] if e["event"] == "bot"]


def wait_for(predicate: Any, timeout: float = 20.0, step: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(step)
    raise AssertionError("not seen in time")


def push_adviser_message(stack: Stack, conversation: str, text: str, name: str = "Anna") -> None:
    """Push an adviser's message into a conversation, the way the console does."""
    ConversationEngine(stack.rasa_url, stack.token).send_adviser_message(
        conversation, text=text, name=name
    )
