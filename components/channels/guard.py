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
    RATE_LIMITED_RESPONSE,
    URGENT_RESPONSE,
    Screened,
    is_command,
    offered_payloads,
    screen_text,
)
from bot.danger import Assessment, DangerDetector, Level, RecentTurns, detector_for
from bot.ratelimit import RateLimits
from bot.settings import Settings, get_settings

#: Where the channel leaves its danger assessment for the NLU (server-side metadata).
DANGER_METADATA_KEY = "advieslijn_danger"
POSSIBLY_URGENT_RESPONSE = "utter_possibly_urgent"
#: One line with 113 above the answer when the text may be about suicide or self-harm.
SELF_HARM_LINE_RESPONSE = "utter_possibly_suicidal"


class ChannelGuard:
    """Screens user text and applies the rate limits for one channel."""

    def __init__(self, settings: Settings | None = None) -> None:
        settings = self.settings = settings or get_settings()
        self.max_chars = settings.limits.max_message_chars
        self.max_body_bytes = settings.limits.max_body_bytes
        self.rate_limits = RateLimits.from_settings(settings.limits)
        # Proxies whose X-Forwarded-For names the client (server.trusted_proxies).
        self.trusted_proxies = settings.server.trusted_proxies
        self.recent = RecentTurns()
        self._detector: DangerDetector | None = None

    @property
    def detector(self) -> DangerDetector:
        """The acute-danger check (loaded on first use, shared with the NLU)."""
        if self._detector is None:
            self._detector = detector_for(self.settings.root)
        return self._detector

    async def assess(self, sender_id: str, text: Any) -> Assessment:
        """Assess a user text with the conversation's previous texts, before anything else."""
        if not isinstance(text, str) or not text.strip():
            return Assessment(Level.CALM)
        previous = self.recent.previous(sender_id)
        self.recent.add(sender_id, text[: self.max_chars * 4])
        return await asyncio.to_thread(self.detector.assess, text, previous=previous)

    async def screen(self, agent: Agent, sender_id: str, text: Any) -> Screened:
        """Return what of ``text`` Rasa may see (see :func:`bot.channels.guard.screen_text`)."""
        offered: frozenset[str] = frozenset()
        if is_command(text):
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
        """Assess a screened message for acute danger, then hand it to Rasa.

        The assessment travels with the message as server-side metadata, so the NLU
        reads the same verdict (which saw the conversation's previous turns too).
        Possible danger gets the one line "Is er nu direct gevaar? Bel 112." above the
        normal answer. While an adviser has the conversation the bot is paused and says
        nothing (the adviser reads along); acute danger still gets the 112 message at
        once, and the case becomes acute.
        """
        assessment = await self.assess(message.sender_id, message.text)
        message.metadata = {
            **(message.metadata or {}),
            DANGER_METADATA_KEY: assessment.as_metadata(),
        }
        if assessment.level is Level.ACUTE:
            if await self._paused(agent, message.sender_id):
                await self.send_response(
                    agent, message.sender_id, URGENT_RESPONSE, message.output_channel
                )
                await asyncio.to_thread(
                    escalation.mark_acute, self.settings, conversation_id=message.sender_id
                )
        elif (
            assessment.level is Level.POSSIBLE or assessment.needs_113_line
        ) and not await self._paused(agent, message.sender_id):
            await self._warn(agent, message.sender_id, assessment, message.output_channel)
        await on_new_message(message)

    async def _warn(
        self,
        agent: Agent,
        sender_id: str,
        assessment: Assessment,
        output_channel: OutputChannel,
        *,
        answered: bool = True,
    ) -> None:
        """Send the lines above the answer: possible danger (112), suicide or self-harm (113).

        ``answered`` ``False``: no answer follows (a refusal), so thoughts of suicide get
        the 113 line too instead of the 113 answer.
        """
        if assessment.level is Level.POSSIBLE:
            await self.send_response(agent, sender_id, POSSIBLY_URGENT_RESPONSE, output_channel)
        unanswered = not answered and (assessment.self_harm or assessment.suicidal)
        if assessment.needs_113_line or unanswered:
            await self.send_response(agent, sender_id, SELF_HARM_LINE_RESPONSE, output_channel)

    async def refuse(
        self,
        agent: Agent,
        sender_id: str,
        refusal: str | None,
        output_channel: OutputChannel,
        *,
        text: Any,
        **variables: Any,
    ) -> None:
        """Refuse a message (too long, rate limited), but never without 112 in danger.

        The refused text is assessed first; when it is acute the 112 message goes out
        before the refusal (and the case of a conversation with an adviser becomes acute);
        when danger is possible, the one line "Is er nu direct gevaar? Bel 112." does, and
        a text that may be about suicide or self-harm gets the line with 113.
        ``refusal`` ``None``: say nothing unless it is acute.
        """
        assessment = await self.assess(sender_id, text)
        if assessment.level is Level.ACUTE:
            await self.send_response(agent, sender_id, URGENT_RESPONSE, output_channel)
            if await self._paused(agent, sender_id):
                await asyncio.to_thread(
                    escalation.mark_acute, self.settings, conversation_id=sender_id
                )
        else:
            await self._warn(agent, sender_id, assessment, output_channel, answered=False)
        if refusal is not None:
            await self.send_response(agent, sender_id, refusal, output_channel, **variables)

    @staticmethod
    async def _paused(agent: Agent, sender_id: str) -> bool:
        """Whether an adviser has the conversation (the bot is paused)."""
        tracker = await agent.tracker_store.retrieve(sender_id)
        return tracker is not None and bool(tracker.is_paused())

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
        self,
        agent: Agent,
        sender_id: str,
        output_channel: OutputChannel,
        retry_after: int,
        *,
        text: Any = None,
    ) -> None:
        """Tell the user to wait (for channels that cannot answer with HTTP 429)."""
        await self.refuse(
            agent, sender_id, RATE_LIMITED_RESPONSE, output_channel, text=text, seconds=retry_after
        )
