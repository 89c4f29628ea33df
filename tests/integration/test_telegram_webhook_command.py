"""`make telegram-webhook` against the Bot API stand-in."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.telegram import ALLOWED_UPDATES
from tests.fakes.telegram_api import FakeTelegramApi, running_telegram_api

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://advieslijn.example.nl/webhooks/telegram/webhook"


@pytest.fixture
def fake() -> Iterator[FakeTelegramApi]:
    with running_telegram_api() as api:
        yield api


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env["ADVIESLIJN_VAR"] = str(tmp_path / "var")
    env.update({k: v for k, v in values.items() if v})
    return env


def command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.telegram_webhook", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_telegram_webhook_registers_the_url_and_the_secret(
    tmp_path: Path, fake: FakeTelegramApi
) -> None:
    env = environment(tmp_path, **fake.env, TELEGRAM_WEBHOOK_URL=PUBLIC_URL)
    done = subprocess.run(
        ["make", "-s", "telegram-webhook"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # no secret was given: one was generated and kept for the Rasa server to check
    secret = (tmp_path / "var" / "secrets" / "telegram_secret_token").read_text().strip()
    assert len(secret) >= 32
    [call] = fake.calls_to("setWebhook")
    assert call.params["url"] == PUBLIC_URL
    assert call.params["secret_token"] == secret
    assert call.params["allowed_updates"] == list(ALLOWED_UPDATES)
    assert fake.calls_to("getWebhookInfo")
    assert PUBLIC_URL in done.stdout and "pending updates:  0" in done.stdout
    assert fake.token not in done.stdout + done.stderr


def test_a_given_secret_is_used_and_info_and_delete_work(
    tmp_path: Path, fake: FakeTelegramApi
) -> None:
    env = environment(
        tmp_path, **fake.env, TELEGRAM_WEBHOOK_URL=PUBLIC_URL, TELEGRAM_SECRET_TOKEN="own_Secret-1"
    )
    assert command(env).returncode == 0
    assert fake.calls_to("setWebhook")[-1].params["secret_token"] == "own_Secret-1"
    info = command(env, "--info")
    assert info.returncode == 0 and PUBLIC_URL in info.stdout
    assert len(fake.calls_to("setWebhook")) == 1
    deleted = command(env, "--delete")
    assert deleted.returncode == 0 and "webhook url:      (none)" in deleted.stdout
    assert fake.calls_to("deleteWebhook")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"TELEGRAM_TOKEN": ""}, "TELEGRAM_TOKEN is not set"),
        ({"TELEGRAM_WEBHOOK_URL": ""}, "TELEGRAM_WEBHOOK_URL is not set"),
        ({"TELEGRAM_WEBHOOK_URL": "http://advieslijn.example.nl/x"}, "https://"),
    ],
)
def test_missing_or_wrong_configuration_is_explained(
    tmp_path: Path, fake: FakeTelegramApi, values: dict[str, str], message: str
) -> None:
    env = environment(tmp_path, **{**fake.env, "TELEGRAM_WEBHOOK_URL": PUBLIC_URL, **values})
    env = {k: v for k, v in env.items() if v}
    done = command(env)
    assert done.returncode == 2
    assert message in done.stderr
    assert not fake.calls_to("setWebhook")


def test_an_error_from_telegram_is_reported(tmp_path: Path, fake: FakeTelegramApi) -> None:
    env = environment(tmp_path, **fake.env, TELEGRAM_WEBHOOK_URL=PUBLIC_URL)
    env["TELEGRAM_TOKEN"] = "987654321:" + "w" * 35  # a token Telegram does not know
    done = command(env)
    assert done.returncode == 1
    assert "Telegram refused setWebhook: Unauthorized (check TELEGRAM_TOKEN)" in done.stderr
    fake.fail_next("setWebhook", 400, "Bad Request: bad webhook: Failed to resolve host")
    env["TELEGRAM_TOKEN"] = fake.token
    done = command(env)
    assert done.returncode == 1 and "Failed to resolve host" in done.stderr
