"""The conversation engine as the adviser console sees it: Rasa's HTTP API, over HTTP only.

Three things the console does to a conversation, each one or two calls of Rasa's
HTTP API (``rasa run --enable-api --auth-token T``; the token goes in ``?token=``):

* an adviser takes a live conversation: execute ``action_adviser_joined``, which
  introduces the adviser by display name (read from the case log);
* an adviser writes: append a ``bot`` event with the custom payload
  ``{"type": "adviser", "name": ...}`` and push it to the conversation's latest
  channel;
* an adviser hands back: execute ``action_hand_back``, then append
  ``action_listen`` and ``resume`` (without the ``action_listen`` the bot stays
  silent on the next message).

This module never imports Rasa: it is an HTTP client (``requests``) with timeouts,
and every failure becomes one :class:`EngineError` with a message an operator can act on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from bot.messages import adviser_payload

ADVISER_JOINED = "action_adviser_joined"
HAND_BACK = "action_hand_back"
DEFAULT_TIMEOUT = 10.0


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

    def _post(self, url: str, body: Any, params: dict[str, str], what: str) -> Any:
        try:
            response = self._http.post(
                url, json=body, params={"token": self._token, **params}, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise EngineError(
                f"{what}: the conversation engine did not answer within {self.timeout:.0f} s"
            ) from exc
        except requests.RequestException as exc:
            raise EngineError(
                f"{what}: the conversation engine at {self.base_url} cannot be reached ({exc})"
            ) from exc
        if response.status_code == 401 or response.status_code == 403:
            raise EngineError(f"{what}: the conversation engine refused the API token")
        if not response.ok:
            detail = _error_message(response)
            raise EngineError(
                f"{what}: the conversation engine answered {response.status_code}: {detail}"
            )
        try:
            return response.json()
        except ValueError:
            return None

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
        try:
            response = self._http.get(
                self._url(conversation_id, "tracker"),
                params={"token": self._token, "include_events": "ALL"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise EngineError(f"reading the conversation: engine not reachable ({exc})") from exc
        if not response.ok:
            raise EngineError(
                f"reading the conversation: engine answered {response.status_code}: "
                f"{_error_message(response)}"
            )
        tracker: dict[str, Any] = response.json()
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
