"""The adviser console in a real browser: Debian's chromium driven by Playwright.

The console runs as its own process (``python -m bot.console`` via ``running_stack``) with
the default settings, so the session cookie is ``__Host-``, Secure, HttpOnly and
SameSite=Strict, which chromium accepts on http://127.0.0.1. Cases are logged straight
into the case log, as the conversation side would.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bot.caselog import service
from bot.caselog.models import HelpMode, Urgency
from bot.console.admin import run as admin
from bot.db import Database
from scripts.serve import Stack, free_port, running_stack
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, set_up_second_factor

PASSWORD = "een wachtwoord voor de browser"
ACCOUNT = {"ADVISER_PASSWORD": PASSWORD}
SCRIPT = "<script>window.__pwned = 'summary'</script>"
IMAGE = "<img src=x onerror=\"window.__pwned='role'\">"
MESSAGE = "<img src=y onerror=\"window.__pwned='message'\"> hallo?"


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    base = tmp_path_factory.mktemp("browser-console")
    with running_stack(
        var_dir=base / "var", ports={"CONSOLE_PORT": free_port()}, services=("console",)
    ) as stack:
        admin(["add", "anna", "--name", "Anna"], environ={**stack.env, **ACCOUNT})
        yield stack


@pytest.fixture(scope="module")
def database(console_stack: Stack) -> Iterator[Database]:
    db = Database(console_stack.settings.database_url)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
            "(make chromium, or apt-get install -y chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def log_case(
    database: Database,
    *,
    role: str = "docent",
    summary: str = "vraag",
    urgency: Urgency = Urgency.NORMAL,
) -> tuple[str, str]:
    conversation = f"browser-{uuid.uuid4().hex[:8]}"
    with database.session_scope() as db:
        case = service.open_case(
            db, conversation_id=conversation, channel="rest", urgency=urgency, themes=["online"]
        )
        service.complete_intake(
            db,
            case=case,
            help_mode=HelpMode.CHAT,
            summary=summary,
            live=True,
            role=role,
            sector="onderwijs",
            transcript=[{"who": "user", "text": SCRIPT, "at": ""}],
        )
        return str(case.reference), conversation


def test_the_console_in_chromium(console_stack: Stack, database: Database, browser: Any) -> None:
    first, _ = log_case(database, summary=SCRIPT)
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    problems: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(message: Any) -> None:
        if message.type == "error":
            problems.append(f"{message.text} {message.location}")

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))

    # Log in with the keyboard.
    page.goto(console_stack.console_url + "/")
    assert page.url.startswith(console_stack.console_url + "/login")
    page.get_by_label("Gebruikersnaam").fill("anna")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")
    # The first login sets up the second factor (the page shows the secret for the app).
    set_up_second_factor(page, console_stack.console_url)
    page.wait_for_url(console_stack.console_url + "/")
    cookie = next(c for c in context.cookies() if c["name"].startswith("__Host-"))
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.wait_for_selector(f'tr[data-reference="{first}"]')

    # A new case shows up without a reload; its text stays text.
    page.evaluate("window.__marker = 'same page'")
    began = time.perf_counter()
    second, conversation = log_case(database, role=IMAGE, urgency=Urgency.ACUTE)
    row = page.wait_for_selector(f'#waiting tr[data-reference="{second}"]', timeout=15000)
    shown_after = time.perf_counter() - began
    print(f"\nnew case in the browser's queue after {shown_after * 1000:.0f} ms (polls every 3 s)")
    assert page.evaluate("window.__marker") == "same page"
    assert IMAGE in row.inner_text()
    assert "ACUUT" in row.inner_text().upper()
    # Acute first.
    assert page.locator("#waiting tbody tr").first.get_attribute("data-reference") == second

    # The case page: the script in the summary and transcript is shown, not run.
    page.click(f'a[href="/zaken/{first}"]')
    page.wait_for_selector("#conversation")
    assert SCRIPT in page.inner_text(".questions")
    assert SCRIPT in page.inner_text("#conversation")

    # A message the professional types during the handoff arrives by the poll, as text.
    page.goto(console_stack.console_url + f"/zaken/{second}")
    with database.session_scope() as db:
        service.record_user_messages(db, conversation_id=conversation, messages=[(MESSAGE, 1.0)])
    # (wait_for_function would need 'unsafe-eval', which the page's CSP refuses.)
    page.locator("#conversation li", has_text="hallo?").wait_for(timeout=15000)
    assert MESSAGE.split(">")[0] in page.inner_text("#conversation")

    assert page.evaluate("window.__pwned === undefined")
    assert dialogs == []
    assert problems == [], problems  # no CSP violation, no script error
    context.close()
