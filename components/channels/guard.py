"""The checks every Advieslijn connector runs before a message reaches Rasa.

:class:`ChannelGuard` joins the engine-neutral rules of :mod:`bot.channels.guard`
and :mod:`bot.ratelimit` to Rasa: it reads the conversation's latest bot turn from
the tracker store (only for text that starts with ``/``) and renders refusals
from the domain's responses with the agent's own NLG, so no bot text lives in
Python and a refused message is never stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import OutputChannel, UserMessage

from bot import escalation
from bot.channels.guard import (
    INTENT_PREFIX,
    RATE_LIMITED_RESPONSE,
    URGENT_RESPONSE,
    Screened,
    offered_payloads,
    screen_text,
)
from bot.ratelimit import RateLimits
from bot.safety import assess_acute
from bot.settings import Settings, get_settings


class ChannelGuard:
    """Screens user text and applies the rate limits for one channel."""

    def __init__(self, settings: Settings | None = None) -> None:
        settings = self.settings = settings or get_settings()
        self.max_chars = settings.limits.max_message_chars
        self.max_body_bytes = settings.limits.max_body_bytes
        self.rate_limits = RateLimits.from_settings(settings.limits)

    async def screen(self, agent: Agent, sender_id: str, text: Any) -> Screened:
        """Return what of ``text`` Rasa may see (see :func:`bot.channels.guard.screen_text`)."""
        offered: frozenset[str] = frozenset()
        if isinstance(text, str) and text.lstrip().startswith(INTENT_PREFIX):
            offered = await self.offered(agent, sender_id)
        return screen_text(text, offered=offered, max_chars=self.max_chars)

    @staticmethod
    async def offered(agent: Agent, sender_id: str) -> frozenset[str]:
        """Return the button payloads the bot offered in its latest turn."""
        tracker = await agent.tracker_store.retrieve(sender_id)
        if tracker is None:
            return frozenset()
        return offered_payloads(event.as_dict() for event in reversed(tracker.events))

    async def deliver(
        self,
        agent: Agent,
        message: UserMessage,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """Hand a screened message to Rasa.

        While an adviser has the conversation the bot is paused and says nothing;
        acute danger still gets the 112 message at once, and the case becomes acute.
        """
        if isinstance(message.text, str) and assess_acute(message.text).acute:
            tracker = await agent.tracker_store.retrieve(message.sender_id)
            if tracker is not None and tracker.is_paused():
                await self.send_response(
                    agent, message.sender_id, URGENT_RESPONSE, message.output_channel
                )
                await asyncio.to_thread(
                    escalation.mark_acute, self.settings, conversation_id=message.sender_id
                )
        await on_new_message(message)

    def retry_after(self, conversation: str | None, address: str | None) -> int | None:
        """Count one message; the seconds to wait when a rate limit is exceeded, else ``None``."""
        return self.rate_limits.retry_after(conversation=conversation, address=address)

    @staticmethod
    async def send_response(
        agent: Agent,
        sender_id: str,
        response: str,
        output_channel: OutputChannel,
        **variables: Any,
    ) -> None:
        """Send one domain response to the user without storing anything."""
        tracker = agent.tracker_store.init_tracker(sender_id)
        message = await agent.nlg.generate(response, tracker, output_channel.name(), **variables)
        if message:
            await output_channel.send_response(sender_id, dict(message))

    async def refuse_rate_limited(
        self, agent: Agent, sender_id: str, output_channel: OutputChannel, retry_after: int
    ) -> None:
        """Tell the user to wait (for channels that cannot answer with HTTP 429)."""
        await self.send_response(
            agent, sender_id, RATE_LIMITED_RESPONSE, output_channel, seconds=retry_after
        )
