"""The Telegram channel for teachers (``POST /webhooks/telegram/webhook``).

Replaces Rasa's built-in connector, which calls Telegram at start-up (and aborts
when it cannot), cannot push messages from the HTTP API and does not check the
secret header. This one:

* never calls Telegram at start-up; the webhook is registered by
  ``make telegram-webhook`` (``scripts/telegram_webhook.py``);
* is off, and harmless, without ``TELEGRAM_TOKEN``: the webhook answers 503 and the
  server starts as usual;
* checks ``X-Telegram-Bot-Api-Secret-Token`` on every update in constant time
  (wrong or missing: 403, nothing processed or counted), validates the body (400,
  413) and limits the rate per chat (updates all come from Telegram's addresses);
* passes private text through the :class:`ChannelGuard`; buttons are inline
  keyboards, and a press counts only for a payload the bot offered in its latest
  turn (an old button counts as its label typed as text);
* answers each Telegram update with 200 once it is read, also when it is ignored
  or refused, so Telegram does not deliver it again. A chat over its rate limit is
  told to wait in the chat (a 429 would only make Telegram deliver the update again,
  and the teacher would see nothing);
* sends with aiohttp from inside the running event loop, with timeouts; a failed
  call is logged and never breaks the conversation.

Only the chat id and the text reach Rasa: no names or usernames are stored.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.telegram import (
    ADVISER_LABEL_RESPONSE,
    SECRET_HEADER,
    BotApi,
    NoticeThrottle,
    RecentIds,
    Step,
    TelegramApiError,
    TelegramUpdate,
    UpdateError,
    UpdateKind,
    adviser_name,
    chat_id_of,
    configuration_problem,
    decide,
    parse_update,
    render_message,
    resolve_callback,
    secret_matches,
    send_messages,
)
from bot.logsafe import conversation_hash
from bot.settings import Settings, get_settings
from components.channels.guard import ChannelGuard
from components.channels.output import WholeMessageOutput
from components.channels.public import ChannelBlueprint
from components.channels.rest import error, json_object

logger = logging.getLogger(__name__)

# The same notice goes to the same chat at most once in this many seconds.
NOTICE_SECONDS = 60.0
GROUP_NOTICE_SECONDS = 3600.0


class TelegramOutput(WholeMessageOutput):
    """Sends bot messages to a Telegram chat (the conversation id is the chat id)."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel."""
        return "telegram"

    def __init__(self, api: BotApi, app: Sanic | None = None) -> None:
        self.api = api
        self.app = app

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send one bot message: text, buttons and custom payload together."""
        chat_id = chat_id_of(recipient_id)
        if chat_id is None:
            logger.warning(
                "conversation %s is not a Telegram chat; message not sent",
                conversation_hash(recipient_id),
            )
            return
        name = adviser_name(message)
        label = await self._adviser_label(recipient_id, name) if name else None
        await send_messages(self.api, chat_id, render_message(message, adviser_label=label))

    async def answer_callback(self, callback_query_id: str) -> None:
        """Stop the button's progress indicator (errors are logged)."""
        try:
            await self.api.call("answerCallbackQuery", {"callback_query_id": callback_query_id})
        except TelegramApiError as exc:
            logger.warning("Telegram answerCallbackQuery failed: %s", exc)

    async def _adviser_label(self, recipient_id: str, name: str) -> str | None:
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        if agent is None:
            return None
        try:
            tracker = agent.tracker_store.init_tracker(recipient_id)
            rendered = await agent.nlg.generate(
                ADVISER_LABEL_RESPONSE, tracker, self.name(), name=name
            )
        except Exception:  # a label is a nicety: never lose the adviser's message over it
            logger.exception("could not render %s", ADVISER_LABEL_RESPONSE)
            return None
        text = rendered.get("text") if rendered else None
        return text if isinstance(text, str) else None


class TelegramInput(InputChannel):
    """Telegram webhook for teachers; see the module docstring."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel, as Rasa's HTTP API refers to it."""
        return "telegram"

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings
        self.api: BotApi | None = None
        self.app: Sanic | None = None
        self.problem: str | None = None
        self._told_off = False  # "the channel is off" is logged once per process

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Create the channel. Secrets come from the settings, not credentials.yml."""
        if credentials:
            logger.warning("telegram: values in credentials.yml are ignored; see README")
        return cls()

    def _configure(self) -> Settings:
        settings = self.settings = self.settings or get_settings()
        token = settings.secrets.telegram_token
        self.problem = configuration_problem(token, settings.secrets.telegram_secret_token)
        if self.problem:
            logger.info("Telegram channel is off: %s", self.problem)
        elif token:
            self.api = BotApi(settings.telegram, token)
        return settings

    def get_output_channel(self) -> OutputChannel | None:
        """Return the channel that pushes messages into Telegram chats (``None`` when off)."""
        if self.api is None:
            return None
        return TelegramOutput(self.api, self.app)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Create the routes of the channel."""
        settings = self._configure()
        secret = settings.secrets.telegram_secret_token or ""
        guard = ChannelGuard(settings)
        recent, notices = RecentIds(), NoticeThrottle()
        webhook = ChannelBlueprint("advieslijn_telegram_webhook", __name__)

        @webhook.listener("before_server_start")
        async def remember_app(app: Sanic, _loop: Any) -> None:
            self.app = app

        @webhook.listener("after_server_stop")
        async def close_session(_app: Sanic, _loop: Any) -> None:
            if self.api is not None:
                await self.api.close()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.api else "off"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.api is None:
                if not self._told_off:
                    self._told_off = True
                    logger.warning(
                        "a Telegram update arrived, but the channel is off: %s", self.problem
                    )
                return error(503, "the Telegram channel is not configured")
            # The secret first: nothing is counted for a forged update. Then each chat
            # is counted on its own (_handle): every update comes from Telegram's few
            # addresses, so a count per address would be one bucket for all teachers.
            if not secret_matches(request.headers.get(SECRET_HEADER), secret):
                return error(403, "wrong or missing secret token")
            body = await json_object(request, guard.max_body_bytes)
            if isinstance(body, HTTPResponse):
                return body
            try:
                update = parse_update(body)
            except UpdateError as exc:
                return error(400, str(exc))
            if recent.seen(update.update_id):
                return response.json({"status": "duplicate"})
            try:
                await self._handle(request.app.ctx.agent, update, on_new_message, guard, notices)
            except Exception:  # the update is read: never make Telegram send it again
                logger.exception("Telegram update %s could not be handled", update.update_id)
            return response.json({"status": "ok"})

        return webhook

    async def _handle(
        self,
        agent: Agent,
        update: TelegramUpdate,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        guard: ChannelGuard,
        notices: NoticeThrottle,
    ) -> None:
        assert self.api is not None
        output = TelegramOutput(self.api, self.app)
        if update.callback_query_id:
            await output.answer_callback(update.callback_query_id)
        handling = decide(update)
        sender = update.sender_id
        if handling.step is Step.IGNORE or sender is None:
            return
        group = update.kind is UpdateKind.GROUP
        wait = guard.retry_after(sender, None)
        if wait is not None:
            if not group and notices.allow(f"{sender}:rate", wait):
                await guard.refuse_rate_limited(agent, sender, output, wait, text=handling.text)
            elif not group:
                await guard.refuse(agent, sender, None, output, text=handling.text)
            return
        if handling.step is Step.NOTICE and handling.response:
            period = GROUP_NOTICE_SECONDS if group else NOTICE_SECONDS
            allowed = notices.allow(f"{sender}:{handling.response}", period)
            await guard.refuse(
                agent, sender, handling.response if allowed else None, output, text=handling.text
            )
            return

        async def forward(text: str) -> None:
            message = UserMessage(text, output, sender, input_channel=self.name())
            await guard.deliver(agent, message, on_new_message)

        if handling.step is Step.GREETING and handling.text:
            await forward(handling.text)
            return
        text = handling.text or ""
        if handling.step is Step.BUTTON:
            payload = resolve_callback(text, await guard.offered(agent, sender))
            screened = await guard.screen(agent, sender, payload)
            if screened.text == payload:
                await forward(payload)
                return
            # Not offered in the latest turn (an old button): read its label as text.
            text = update.button_title(text) or ""
        screened = await guard.screen(agent, sender, text)
        if screened.refusal:
            await guard.refuse(agent, sender, screened.refusal, output, text=text)
        elif screened.text is not None:
            await forward(screened.text)
