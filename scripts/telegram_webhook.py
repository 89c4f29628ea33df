"""Register the Telegram webhook (``make telegram-webhook``).

Calls the Bot API's ``setWebhook`` with the public address
(``TELEGRAM_WEBHOOK_URL``), the secret Telegram must send with every update
(``TELEGRAM_SECRET_TOKEN``, generated in ``var/secrets/`` when not set) and the
update types the channel handles, then prints ``getWebhookInfo``. The Rasa server
never calls Telegram at start-up; this command is the one place that does.

    python -m scripts.telegram_webhook            # register, then show the status
    python -m scripts.telegram_webhook --info     # only show the status
    python -m scripts.telegram_webhook --delete   # stop deliveries (deleteWebhook)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from bot.channels.telegram import (
    ALLOWED_UPDATES,
    BotApi,
    TelegramApiError,
    configuration_problem,
)
from bot.settings import (
    Settings,
    SettingsError,
    check_contact_key_location,
    ensure_secret_files,
    load_settings,
)

WEBHOOK_PATH = "/webhooks/telegram/webhook"


class CommandError(RuntimeError):
    """A problem the operator has to fix; the message says how."""


class TelegramRefusedError(CommandError):
    """Telegram answered a call with an error, or could not be reached."""


def _settings() -> Settings:
    settings = load_settings()
    # creates the secrets make run would (in production never the contact key in var/)
    check_contact_key_location(settings)
    ensure_secret_files(settings.var_dir)
    return load_settings()


def _check(settings: Settings, *, need_url: bool) -> tuple[str, str, str]:
    secrets = settings.secrets
    problem = configuration_problem(secrets.telegram_token, secrets.telegram_secret_token)
    if problem:
        hint = (
            " (create a bot with @BotFather in Telegram and set its token)"
            if "TELEGRAM_TOKEN" in problem
            else ""
        )
        raise CommandError(f"{problem}{hint}")
    url = settings.telegram.webhook_url
    if need_url and not url:
        raise CommandError(
            "TELEGRAM_WEBHOOK_URL is not set: set it to the public https address of the "
            f"Rasa server's {WEBHOOK_PATH}, e.g. https://advieslijn.example.nl{WEBHOOK_PATH} "
            "(or telegram.webhook_url in config/service.yml)"
        )
    if need_url and not url.startswith("https://"):
        raise CommandError(f"TELEGRAM_WEBHOOK_URL must be an https:// address: {url}")
    return str(secrets.telegram_token), str(secrets.telegram_secret_token), url


def describe(info: Mapping[str, Any]) -> str:
    """Render ``getWebhookInfo`` for the operator."""
    lines = [
        f"webhook url:      {info.get('url') or '(none)'}",
        f"pending updates:  {info.get('pending_update_count', 0)}",
        f"allowed updates:  {', '.join(info.get('allowed_updates') or []) or '(all)'}",
    ]
    if info.get("max_connections"):
        lines.append(f"max connections:  {info['max_connections']}")
    if info.get("last_error_message"):
        lines.append(f"last error:       {info['last_error_message']}")
    return "\n".join(lines)


async def run(settings: Settings, *, mode: str, drop_pending: bool) -> str:
    """Carry out one mode (``set``, ``info`` or ``delete``) and return what to print."""
    token, secret, url = _check(settings, need_url=mode == "set")
    api = BotApi(settings.telegram, token, timeout=20.0)
    printed = []
    try:
        if mode == "set":
            await api.call(
                "setWebhook",
                {
                    "url": url,
                    "secret_token": secret,
                    "allowed_updates": list(ALLOWED_UPDATES),
                    "drop_pending_updates": drop_pending,
                },
            )
            printed.append(f"Webhook set: Telegram sends updates to {url}")
        elif mode == "delete":
            await api.call("deleteWebhook", {"drop_pending_updates": drop_pending})
            printed.append("Webhook deleted: Telegram no longer sends updates")
        info = await api.call("getWebhookInfo")
        printed.append(describe(info if isinstance(info, Mapping) else {}))
    except TelegramApiError as exc:
        hint = " (check TELEGRAM_TOKEN)" if exc.error_code in (401, 404) else ""
        message = f"Telegram refused {exc.method}: {exc.description}{hint}"
        raise TelegramRefusedError(message) from exc
    finally:
        await api.close()
    return "\n".join(printed)


def main(argv: Sequence[str] | None = None) -> int:
    """Register, show or delete the webhook; exit code 2 for configuration, 1 for Telegram."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--info", action="store_true", help="only show the webhook status")
    group.add_argument("--delete", action="store_true", help="delete the webhook")
    parser.add_argument(
        "--drop-pending-updates", action="store_true", help="discard updates Telegram holds"
    )
    args = parser.parse_args(argv)
    mode = "info" if args.info else "delete" if args.delete else "set"
    try:
        settings = _settings()
        print(asyncio.run(run(settings, mode=mode, drop_pending=args.drop_pending_updates)))
    except (SettingsError, CommandError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, TelegramRefusedError) else 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
