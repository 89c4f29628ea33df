"""Debian's chromium, driven by Playwright, against the running stack (tests/conftest.py).

Every test gets a fresh browser with a fresh user data directory; its tabs share that
profile's storage, as tabs of one browser do. No browser is ever downloaded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, ViewportSize, sync_playwright

from scripts.serve import Stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
LABELS = json.loads((ROOT / "web" / "widget" / "labels.nl.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    # Module scope: the sync API keeps an event loop running in this thread until it
    # stops, and later tests call asyncio.run().
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run 'make test' (it installs it)")
    with sync_playwright() as running:
        yield running


class Browser:
    """One fresh browser profile; ``tab()`` opens the demo page in a new tab."""

    def __init__(self, context: BrowserContext, stack: Stack) -> None:
        self.context = context
        self.stack = stack
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def tab(self) -> Page:
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )

        def refuse(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", refuse)
        page.goto(self.stack.web_url + "/")
        page.wait_for_function("() => window.advieslijnWidget !== undefined", timeout=20_000)
        return page


# The sizes the issue 13 review used: a laptop and a phone (CSS pixels).
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@contextmanager
def open_browser(
    playwright: Playwright,
    stack: Stack,
    profile: Path,
    viewport: ViewportSize | None = None,
    *,
    mobile: bool = False,
) -> Iterator[Browser]:
    """A fresh chromium profile at ``viewport`` (touch and meta viewport if ``mobile``)."""
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        headless=True,
        viewport=viewport or ViewportSize(width=1100, height=850),
        locale="nl-NL",
        is_mobile=mobile,
        has_touch=mobile,
    )
    context.set_default_timeout(20_000)
    try:
        yield Browser(context, stack)
    finally:
        context.close()


@pytest.fixture
def browser(
    playwright: Playwright, stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Browser]:
    with open_browser(playwright, stack, tmp_path_factory.mktemp("chromium-profile")) as opened:
        yield opened


def set_up_second_factor(page: Page, console_url: str) -> str:
    """After an account's first password: set up its second factor, as an adviser would.

    Reads the secret on the page (what the adviser types into the authenticator app),
    fills in the app's code by keyboard, and goes on past the recovery codes. Returns
    the secret.
    """
    page.wait_for_url(console_url + "/tweestaps")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    field = page.get_by_label("Code uit je app")
    field.fill(pyotp.TOTP(secret).now())
    field.press("Enter")
    page.locator("#recovery-codes li").first.wait_for()
    assert page.locator("#recovery-codes li").count() == 10
    go_on = page.get_by_role("link", name="Verder naar de adviesconsole")
    go_on.focus()
    page.keyboard.press("Enter")
    return secret
