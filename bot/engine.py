"""The conversation engine as the adviser console sees it: Rasa's HTTP API, over HTTP only.

Three things the console does to a conversation, each one or two calls of Rasa's
HTTP API (``python -m components.rasa_server``, which gives Rasa the API token as its
JWT secret). The token itself never travels: every request carries a short-lived JWT
signed with it (HS256, ``Authorization: Bearer ...``), so no URL, log line or error
message can hold it:

* an adviser takes a live conversation: execute ``action_adviser_joined``, which
  introduces the adviser by display name (read from the case log);
* an adviser writes: append a ``bot`` event with the custom payload
  ``{"type": "adviser", "name": ...}`` and push it to the conversation's latest
  channel;
* an adviser hands back: execute ``action_hand_back``, then append
  ``action_listen`` and ``resume`` (without the ``action_listen`` the bot stays
  silent on the next message).

This module never imports Rasa: it is an HTTP client (``requests``) with timeouts,
and every failure becomes one :class:`EngineError` whose message is built from fixed
texts only (never the library's message, which names the URL): advisers see it, and
the details go to the (scrubbed) log.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import quote

import jwt
import requests

from bot.messages import adviser_payload

logger = logging.getLogger(__name__)

ADVISER_JOINED = "action_adviser_joined"
HAND_BACK = "action_hand_back"
DEFAULT_TIMEOUT = 10.0
# The JWT's lifetime: long enough for one request, useless soon after if it leaks.
JWT_SECONDS = 60
JWT_ALGORITHM = "HS256"
# Rasa's HTTP API lets a JWT user with role "admin" use every conversation.
JWT_USER = {"username": "advieslijn-console", "role": "admin"}


def api_jwt(secret: str, *, now: float | None = None, lifetime: int = JWT_SECONDS) -> str:
    """Return a JWT for Rasa's HTTP API, signed with the API token (Rasa's ``--jwt-secret``)."""
    issued = int(time.time() if now is None else now)
    claims = {"user": JWT_USER, "iat": issued, "exp": issued + lifetime}
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


def auth_header(secret: str) -> dict[str, str]:
    """Return the ``Authorization`` header for one call of Rasa's HTTP API."""
    return {"Authorization": f"Bearer {api_jwt(secret)}"}


class EngineError(RuntimeError):
    """The conversation engine could not be reached or refused the request."""


class ConversationEngine:
    """Client for the handoff calls of Rasa's HTTP API."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        http: requests.Session | None = None,
    ) -> None:
        """Talk to the Rasa server at ``base_url`` with the HTTP API ``token``."""
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self._http = http or requests.Session()

    def _url(self, conversation_id: str, path: str) -> str:
        if not conversation_id:
            raise EngineError("no conversation id given")
        return f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/{path}"

    def _request(
        self, method: str, url: str, what: str, *, params: dict[str, str], body: Any = None
    ) -> requests.Response:
        """Make one authenticated call; every failure becomes an :class:`EngineError`.

        The error's message is made of fixed texts: the library's own message names
        the URL (and would name a token in it), so it never reaches a page. Its class
        name goes to the log.
        """
        try:
            response = self._http.request(
                method,
                url,
                json=body,
                params=params,
                headers=auth_header(self._token),
                timeout=self.timeout,
            )
        except requests.Timeout:
            raise EngineError(
                f"{what}: the conversation engine did not answer within {self.timeout:.0f} s"
            ) from None
        except requests.RequestException as exc:
            logger.warning("%s: %s", what, type(exc).__name__)
            raise EngineError(f"{what}: the conversation engine cannot be reached") from None
        if response.status_code in (401, 403):
            raise EngineError(f"{what}: the conversation engine refused the API token")
        if not response.ok:
            logger.warning(
                "%s: answer %s: %s", what, response.status_code, _error_message(response)
            )
            raise EngineError(f"{what}: the conversation engine answered {response.status_code}")
        return response

    def _post(self, url: str, body: Any, params: dict[str, str], what: str) -> Any:
        response = self._request("POST", url, what, params=params, body=body)
        try:
            return response.json()
        except ValueError:
            return None

    def reachable(self) -> bool:
        """Whether the Rasa server answers at all (its ``/status``, with the token).

        For the console's banner: it tells the advisers that the chat, not the console,
        is down. Never raises.
        """
        try:
            self._request("GET", f"{self.base_url}/status", "status", params={})
        except EngineError:
            return False
        return True

    def execute(self, conversation_id: str, action: str) -> Any:
        """Run an action in the conversation and send its messages to the latest channel."""
        return self._post(
            self._url(conversation_id, "execute"),
            {"name": action},
            {"output_channel": "latest"},
            f"running {action}",
        )

    def append_events(self, conversation_id: str, events: list[dict[str, Any]], what: str) -> Any:
        """Append events to the conversation's tracker, with their side effects."""
        return self._post(
            self._url(conversation_id, "tracker/events"),
            events,
            {"execute_side_effects": "true", "output_channel": "latest"},
            what,
        )

    def adviser_joined(self, conversation_id: str) -> None:
        """Introduce the adviser who took the conversation (``action_adviser_joined``)."""
        self.execute(conversation_id, ADVISER_JOINED)

    def send_adviser_message(self, conversation_id: str, *, text: str, name: str) -> None:
        """Push a message the adviser wrote into the conversation."""
        if not text.strip():
            raise EngineError("an empty message is not sent")
        self.append_events(
            conversation_id,
            [{"event": "bot", "text": text, "data": {"custom": adviser_payload(name)}}],
            "sending the adviser's message",
        )

    def hand_back(self, conversation_id: str) -> None:
        """Say goodbye for the adviser (``action_hand_back``) and let the bot answer again."""
        self.execute(conversation_id, HAND_BACK)
        self.append_events(
            conversation_id,
            [{"event": "action", "name": "action_listen"}, {"event": "resume"}],
            "resuming the bot",
        )

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        """Return the conversation's tracker (all events)."""
        response = self._request(
            "GET",
            self._url(conversation_id, "tracker"),
            "reading the conversation",
            params={"include_events": "ALL"},
        )
        try:
            tracker: dict[str, Any] = response.json()
        except ValueError:
            raise EngineError("reading the conversation: the answer was not JSON") from None
        return tracker

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])[:200]
    return str(body)[:200]
