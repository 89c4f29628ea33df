"""Log records never carry conversation text, whatever logs them and at any level."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest

from bot.logsafe import ConversationTextFilter, ScrubbedLogRecord, install, scrub

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
    assert "s3cr3t" not in line and "/conversations/x/tracker/events" in line


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
