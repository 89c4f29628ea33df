"""The message contract shared by every channel (widget, Telegram, REST, tests).

* recommendations: ``{"type": "resources", "items": [{"id", "title", "kind", "url"}]}``
  plus a plain-text list of the same titles with links;
* escalation to a human: ``{"type": "handoff", "stage": ...}``;
* acute danger: ``{"type": "urgent"}`` with a text that says to call 112 now.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from bot.catalogue import Resource


class HandoffStage(str, Enum):
    """Where an escalation to a human adviser stands."""

    OFFERED = "offered"  # the bot offers an adviser (buttons yes/no)
    STARTED = "started"  # the intake begins
    QUEUED = "queued"  # waiting in the chat for a live adviser
    LOGGED = "logged"  # logged for a call back or e-mail
    CANCELLED = "cancelled"  # the professional left the intake
    CONNECTED = "connected"  # an adviser took the conversation over
    ENDED = "ended"  # the adviser handed the conversation back to the bot


def resources_payload(resources: Sequence[Resource]) -> dict[str, Any]:
    """Build the custom payload that lists recommended resources, best first."""
    return {
        "type": "resources",
        "items": [{"id": r.id, "title": r.title, "kind": r.kind, "url": r.url} for r in resources],
    }


def resource_list_text(resources: Sequence[Resource]) -> str:
    """Render resources as plain-text lines for channels that ignore custom payloads."""
    return "\n".join(f"- {r.title}: {r.url}" for r in resources)


def handoff_payload(stage: HandoffStage, **details: Any) -> dict[str, Any]:
    """Build the custom payload that tells a channel a human handoff is under way."""
    return {"type": "handoff", "stage": stage.value, **details}


def adviser_payload(name: str) -> dict[str, Any]:
    """Build the custom payload that marks a message an adviser wrote."""
    return {"type": "adviser", "name": name}


def urgent_payload() -> dict[str, Any]:
    """Build the custom payload that marks an acute-danger message."""
    return {"type": "urgent"}
