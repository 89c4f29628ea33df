"""The base of the channels' output: every bot message goes out whole, in one piece.

Rasa's ``OutputChannel.send_response`` takes a bot message apart (text split on
blank lines, buttons, custom payload, image) and calls a ``send_*`` method for each
part. The widget and Telegram want the message whole: one socket.io event, one
Telegram message with its keyboard. Here every ``send_*`` method builds the message
back up and hands it to ``send_response``, which a channel implements.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa.core.channels.channel import OutputChannel


class WholeMessageOutput(OutputChannel, ABC):
    """An output channel that sends each bot message as one piece."""

    @abstractmethod
    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send one bot message: text, buttons, custom payload and image together."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send a text (not split on blank lines)."""
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send a text with its buttons in the same message."""
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send quick replies as buttons."""
        await self.send_response(recipient_id, {"text": text, "buttons": quick_replies})

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Send a custom payload as the ``custom`` part of one message."""
        await self.send_response(recipient_id, {"custom": json_message})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """Send an image address."""
        await self.send_response(recipient_id, {"image": image})
