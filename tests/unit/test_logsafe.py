"""Log records never carry conversation text, whatever logs them and at any level."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import logging.config
import re
from collections.abc import Iterator

import pytest

from bot import logsafe
from bot.logsafe import (
    ConversationTextFilter,
    ScrubbedLogRecord,
    conversation_hash,
    install,
    scrub,
    set_key,
)

TEXT = "Mijn leerling Mohammed (15) zit op het Stedelijk Lyceum"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    previous = logging.getLogRecordFactory()
    install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(f"test.logsafe.{id(stream)}")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logging.setLogRecordFactory(previous)


@pytest.mark.parametrize(
    "message",
    [
        f"Received user message '{TEXT}' with intent 'ask_travel'",
        json.dumps({"parse_data_text": TEXT, "event": "processor.message.parse"}),
        f"Action 'utter_x' ended with events '[BotUttered('{TEXT}', {{}}, {{}})]'.",
        f"[UserUttered(text: {TEXT}, intent: ask_travel, use_text_for_featurization: False)]",
        f"SlotSet(key: situation, value: {TEXT})",
        f'Request body: {{"sender": "a", "message": "{TEXT}"}}',
        f"Current slot values: \n\trole: docent\n\tsituation: {TEXT}\n",
    ],
)
def test_conversation_text_is_masked(message: str) -> None:
    scrubbed = scrub(message)
    for word in ("Mohammed", "Stedelijk", "Lyceum"):
        assert word not in scrubbed, scrubbed


def test_structlog_console_lines_are_masked_too() -> None:
    from structlog.dev import ConsoleRenderer

    line = ConsoleRenderer(colors=True)(
        None,
        "debug",
        {"event": "processor.message.parse", "parse_data_text": TEXT, "action_name": "utter_x"},
    )
    scrubbed = scrub(line)
    assert "Mohammed" not in scrubbed and "processor.message.parse" in scrubbed
    assert "utter_x" in scrubbed


def test_what_helps_to_follow_the_flow_stays() -> None:
    assert scrub("Predicted next action 'utter_greet' with confidence 1.00.") == (
        "Predicted next action 'utter_greet' with confidence 1.00."
    )
    data = json.loads(
        scrub(json.dumps({"action_name": "action_listen", "event": "processor.actions.log"}))
    )
    assert data == {"action_name": "action_listen", "event": "processor.actions.log"}
    assert "4 events" in scrub("Logged UserUtterance - tracker now has 4 events.")


def test_query_strings_are_masked() -> None:
    line = scrub("POST http://127.0.0.1:5005/conversations/x/tracker/events?token=s3cr3t&a=b")
    assert "s3cr3t" not in line
    assert f"/conversations/{conversation_hash('x')}/tracker/events" in line


def test_authorization_credentials_are_masked() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjp7fX0.c2lnbmF0dXJl"
    line = scrub(f"send: headers {{Authorization: Bearer {jwt}}} and Basic dXNlcjpwdw==")
    assert jwt not in line and "dXNlcjpwdw" not in line
    assert "Bearer" in line and "Authorization" in line


def test_every_record_of_the_process_is_scrubbed(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.debug("Received user message '%s'", TEXT)
    logger.info(f"Received user message '{TEXT}'")
    try:
        raise ValueError(f"cannot parse '{TEXT}'")
    except ValueError:
        logger.exception("failed on %r", TEXT)
    output = stream.getvalue()
    assert "Mohammed" not in output
    assert "ValueError" in output and "Traceback" in output


def test_sanic_access_records_lose_their_query_string() -> None:
    record = logging.LogRecord("sanic.access", logging.INFO, __file__, 1, "", None, None)
    record.__dict__["request"] = "GET http://h/status?token=s3cr3t"
    assert ConversationTextFilter(install_factory=False).filter(record)
    assert "s3cr3t" not in record.__dict__["request"]


def test_naming_the_filter_in_a_logging_config_installs_the_factory() -> None:
    previous = logging.getLogRecordFactory()
    try:
        logging.setLogRecordFactory(logging.LogRecord)
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "filters": {"safe": {"()": "bot.logsafe.ConversationTextFilter"}},
            }
        )
        assert logging.getLogRecordFactory() is ScrubbedLogRecord
    finally:
        logging.setLogRecordFactory(previous)


# -- conversation ids appear only as a keyed hash (issue 11, item 10) -------------------

WIDGET_ID = "3f2a9c1e5b7d4e2f9a1c3b5d7e9f1a2b"  # a widget conversation: UUID4 hex
REST_ID = "jan.devries@school.nl"  # a REST client may name its conversation anything
TELEGRAM_ID = "telegram-123456789"
SOCKET_ID = "Xq3_kz0Lr-8aAAAB"  # an engine.io session id


@pytest.fixture
def log_key() -> Iterator[str]:
    previous = logsafe._key
    set_key("the installation's log key")
    yield "the installation's log key"
    logsafe._key = previous


def test_a_conversation_hash_is_keyed_short_and_stable(log_key: str) -> None:
    digest = conversation_hash(REST_ID)
    assert re.fullmatch(r"conv-[0-9a-f]{12}", digest)
    assert conversation_hash(REST_ID) == digest  # one conversation, one hash to follow
    assert conversation_hash(WIDGET_ID) != digest
    expected = hmac.new(log_key.encode(), REST_ID.encode(), hashlib.sha256).hexdigest()[:12]
    assert digest == f"conv-{expected}"  # HMAC-SHA256 under the key, nothing weaker
    set_key("another installation")
    assert conversation_hash(REST_ID) != digest
    set_key(log_key)
    assert conversation_hash(digest) == digest  # a line scrubbed twice keeps its hash
    assert conversation_hash(123456) == conversation_hash("123456")


def test_without_a_key_the_hash_still_hides_the_id() -> None:
    previous = logsafe._key
    try:
        set_key(None)
        assert REST_ID not in conversation_hash(REST_ID)
        assert conversation_hash(REST_ID).startswith("conv-")
    finally:
        logsafe._key = previous


# Rasa's own lines that carry a conversation or socket id (rasa 3.6: lock_store,
# processor, tracker_store, server, channels.socketio; engineio), with every kind of id.
RASA_LINES = [
    "Issuing ticket for conversation '{id}'.",
    "Acquiring lock for conversation '{id}'.",
    "Acquired lock for conversation '{id}'.",
    "Failed to acquire lock for conversation ID '{id}' because 2 other item(s) for this "
    "conversation ID have to be finished processing first. Retrying in 1 seconds ...",
    "Could not acquire lock for conversation_id '{id}'.",
    "Deleted lock for conversation '{id}'.",
    "Starting a new session for conversation ID '{id}'.",
    "Circuit breaker tripped. Stopped predicting more actions for sender '{id}'.",
    "Could not find tracker for conversation ID '{id}'.",
    "Recreating tracker for id '{id}'",
    "Recreating tracker from sender id '{id}'",
    "Tracker with sender_id '{id}' stored to database",
    "Fetched trackers for 1 conversation sessions for conversation ID {id}.",
    "User {id} connected to socketIO endpoint.",
    "User {id} disconnected from socketIO endpoint.",
    "Cannot send to sid {id}",
    "POST http://127.0.0.1:5005/conversations/{id}/tracker/events",  # Sanic's access log
    "{{'sender_id': '{id}', 'channel': 'rest'}}",
]


@pytest.mark.parametrize("template", RASA_LINES)
@pytest.mark.parametrize("conversation", [WIDGET_ID, REST_ID, TELEGRAM_ID, SOCKET_ID])
def test_rasas_lines_show_conversation_ids_only_as_their_hash(
    log_key: str, template: str, conversation: str
) -> None:
    line = scrub(template.format(id=conversation))
    assert conversation not in line, line
    assert conversation_hash(conversation) in line, line


def test_structured_records_hash_their_ids(log_key: str) -> None:
    record = {"event": "processor.x", "sender_id": REST_ID, "conversation_id": TELEGRAM_ID}
    data = json.loads(scrub(json.dumps(record)))
    assert data == {
        "event": "processor.x",
        "sender_id": conversation_hash(REST_ID),
        "conversation_id": conversation_hash(TELEGRAM_ID),
    }
    from structlog.dev import ConsoleRenderer

    line = ConsoleRenderer(colors=True)(None, "debug", {"event": "x", "sender_id": REST_ID})
    assert REST_ID not in scrub(line) and conversation_hash(REST_ID) in scrub(line)


def test_ids_of_a_known_shape_are_hashed_anywhere(log_key: str) -> None:
    dashed = "3f2a9c1e-5b7d-4e2f-9a1c-3b5d7e9f1a2b"
    line = scrub(f"pushing to {TELEGRAM_ID} and {WIDGET_ID} (also {dashed})")
    assert TELEGRAM_ID not in line and WIDGET_ID not in line and "3b5d7e9f1a2b" not in line
    assert conversation_hash(TELEGRAM_ID) in line and conversation_hash(WIDGET_ID) in line


def test_the_path_id_is_hashed_as_the_conversation_id(log_key: str) -> None:
    line = scrub("GET /conversations/jan.devries%40school.nl/tracker HTTP/1.1")
    assert "jan.devries" not in line and conversation_hash(REST_ID) in line


def test_route_patterns_and_model_ids_stay_readable(log_key: str) -> None:
    routes = "/conversations/<conversation_id:path>/tracker/events POST append_events"
    assert scrub(routes) == routes
    model = "ExecutionContext(model_id='a1b2c3d4e5f64a7b8c9d0e1f2a3b4c5d', should_add=False)"
    assert scrub(model) == model
    data = {"event": "x", "model_id": "a1b2c3d4e5f64a7b8c9d0e1f2a3b4c5d"}
    assert json.loads(scrub(json.dumps(data))) == data


def test_words_after_a_label_are_not_taken_for_ids(log_key: str) -> None:
    text = "2 other item(s) for this conversation ID have to be finished; the sender is gone"
    assert scrub(text) == text
    assert scrub("a conversation over the event cap starts afresh") == (
        "a conversation over the event cap starts afresh"
    )


def test_a_hash_the_project_logged_is_not_hashed_again(log_key: str) -> None:
    hashed = conversation_hash(REST_ID)
    assert scrub(f"conversation '{hashed}' is not a Telegram chat") == (
        f"conversation '{hashed}' is not a Telegram chat"
    )
    assert hashed in scrub(f"Tracker with sender_id '{hashed}' stored to database")


def test_the_telegram_channel_logs_the_hash_not_the_conversation(
    log_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Real lines of the project's channel code, without the scrubber: hashed at the source."""
    import asyncio

    from bot.channels.telegram import BotApi, OutgoingMessage, TelegramApiError, send_messages
    from bot.settings import TelegramSettings
    from components.channels.telegram import TelegramOutput

    previous = logging.getLogRecordFactory()
    logging.setLogRecordFactory(logging.LogRecord)  # the plain factory: nothing scrubs
    try:
        api = BotApi(TelegramSettings(api_base_url="http://127.0.0.1:9", webhook_url=""), "1:x")

        async def refused(method: str, params: object = None) -> None:
            raise TelegramApiError(method, "Forbidden: bot was blocked by the user", 403)

        api.call = refused  # type: ignore[method-assign]
        with caplog.at_level(logging.INFO):
            asyncio.run(TelegramOutput(api).send_response(REST_ID, {"text": "hallo"}))
            hallo = OutgoingMessage(html="hallo", plain="hallo")
            asyncio.run(send_messages(api, 123456789, [hallo]))
    finally:
        logging.setLogRecordFactory(previous)
    lines = [r.getMessage() for r in caplog.records]
    assert any("is not a Telegram chat" in line for line in lines), lines
    assert any("not delivered" in line for line in lines), lines
    logged = "\n".join(lines)
    assert REST_ID not in logged and "123456789" not in logged
    assert conversation_hash(REST_ID) in logged and conversation_hash(TELEGRAM_ID) in logged


def test_the_scrubber_uses_the_key_it_is_given(log_key: str) -> None:
    previous, factory = logsafe._key, logging.getLogRecordFactory()
    try:
        install("the key from var/secrets/log_key")
        expected = hmac.new(b"the key from var/secrets/log_key", REST_ID.encode(), hashlib.sha256)
        assert scrub(f"sender '{REST_ID}'") == f"sender 'conv-{expected.hexdigest()[:12]}'"
    finally:
        logsafe._key = previous
        logging.setLogRecordFactory(factory)
