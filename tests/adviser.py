"""The adviser's side in tests: the console over HTTP, as a browser would use it.

Logging in takes the password and then the code of the account's second factor. At
an account's first login the console asks to set it up: the helper reads the secret
from the page and keeps it (``SECRETS``), as the adviser's authenticator app would,
and computes the codes with pyotp.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import requests

from bot.engine import ConversationEngine
from scripts.serve import Stack

PASSWORD = "een wachtwoord voor de test"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ACCOUNT = {"ADVISER_PASSWORD": PASSWORD}
TOTP_SECRET = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<')
# The tests' authenticator app: each account's secret, by console address and username,
# and the last time step whose code was sent (the console never accepts one twice).
SECRETS: dict[tuple[str, str], str] = {}
_USED_STEPS: dict[str, int] = {}


def fresh_code(secret: str) -> str:
    """Return the app's current code, waiting for a new one if this one was sent already."""
    totp = pyotp.TOTP(secret)
    while totp.timecode(time.time()) <= _USED_STEPS.get(secret, -1):
        time.sleep(0.5)
    step = totp.timecode(time.time())
    _USED_STEPS[secret] = step
    return totp.generate_otp(step)


def csrf_of(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no CSRF token in the page"
    return match.group(1)


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
        """Log in with the password and the second factor (set up first if asked)."""
        answer = self.http.post(
            self.base + "/login",
            data={"username": username, "password": password, "csrf_token": self.token("/login")},
            timeout=10,
        )
        if answer.url == self.base + "/tweestaps":
            found = TOTP_SECRET.search(answer.text)
            assert found, answer.text[:500]
            secret = SECRETS[(self.base, username)] = found.group(1).replace(" ", "")
            confirmed = self.http.post(
                self.base + "/tweestaps",
                data={"code": fresh_code(secret), "csrf_token": csrf_of(answer.text)},
                timeout=30,
            )
            assert confirmed.status_code == 200 and "herstelcodes" in confirmed.text
            answer = self.http.get(self.base + "/", timeout=10)
        elif answer.url == self.base + "/login/code":
            secret = SECRETS[(self.base, username)]
            answer = self.http.post(
                self.base + "/login/code",
                data={"code": fresh_code(secret), "csrf_token": csrf_of(answer.text)},
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
