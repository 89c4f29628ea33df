"""A youth worker in the widget reaches an adviser in the console, and back: two real pages.

The professional chats in the widget on the demo site and asks for an adviser; an
adviser logs into the console in the same browser, claims the case, reads what the
professional wrote while waiting, replies; the reply shows in the widget as the
adviser's; the adviser hands back and the bot answers again; the case is closed and
the case log holds the whole trail.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot.caselog import service
from bot.console.admin import run as admin
from bot.db import Database
from scripts.serve import Stack
from tests.adviser import ACCOUNT, PASSWORD
from tests.browser.conftest import ROOT, Browser, set_up_second_factor
from tests.browser.test_widget import open_widget, say, wait_for_bubble

pytestmark = pytest.mark.browser

CONSOLE_SCREENSHOT = ROOT / "docs" / "console.png"
WAITING = "Het gaat om een leerling die hakenkruizen tekent. Ik weet niet wat ik moet doen."
REPLY = "Hoi, ik ben Lotte, adviseur. Fijn dat je het vraagt. Wat zie je precies?"


def choose(page: Page, title: str) -> None:
    """Press the newest button with this title (by keyboard, as a keyboard user would)."""
    button = page.locator("deep-chat button.al-choice", has_text=title).last
    expect(button).to_be_enabled()
    button.focus()
    page.keyboard.press("Enter")


def console_page(browser: Browser, stack: Stack) -> Page:
    page = browser.context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "Teruggeven?", "Afsluiten?"
    page.goto(stack.console_url + "/login")
    page.get_by_label("Gebruikersnaam").fill("lotte")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    set_up_second_factor(page, stack.console_url)  # lotte's first login
    expect(page).to_have_url(re.compile(re.escape(stack.console_url) + r"/$"))
    return page


def case_reference(stack: Stack, conversation: str) -> str:
    database = Database(stack.settings.database_url)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with database.session_scope() as session:
                case = service.find_open_case(session, conversation_id=conversation)
                if case is not None and case.live:
                    return case.reference
            time.sleep(0.2)
    finally:
        database.dispose()
    raise AssertionError("no live case for the widget's conversation")


def trail(stack: Stack, reference: str) -> list[tuple[str, str]]:
    database = Database(stack.settings.database_url)
    try:
        with database.session_scope() as session:
            case = service.get_case(session, reference=reference)
            assert case is not None and case.status == "closed"
            return [(event.kind, event.actor) for event in case.events]
    finally:
        database.dispose()


def test_a_youth_worker_reaches_an_adviser_in_the_console_and_back(
    browser: Browser, stack: Stack, tmp_path: Path
) -> None:
    admin(["add", "lotte", "--name", "Lotte"], environ={**stack.env, **ACCOUNT})

    # The professional asks for an adviser in the widget and answers the intake by buttons.
    widget = browser.tab()
    open_widget(widget)
    say(widget, "ik wil graag een adviseur spreken")
    wait_for_bubble(widget, "Noem niet de naam van de jongere")
    choose(widget, "Overslaan")  # sector and role
    choose(widget, "Overslaan")  # urgency
    choose(widget, "Wachten op een adviseur in deze chat")
    wait_for_bubble(widget, "Je wacht nu op een adviseur")
    say(widget, WAITING)
    conversation = widget.evaluate("window.advieslijnWidget.conversation")
    reference = case_reference(stack, conversation)

    # The adviser sees it in the queue, claims it and reads what was written while waiting.
    console = console_page(browser, stack)
    expect(console.get_by_role("link", name=reference)).to_be_visible()
    console.get_by_role("link", name=reference).click()
    console.get_by_role("button", name="Zaak oppakken").click()
    wait_for_bubble(widget, "Lotte is er nu voor je")
    expect(console.locator("#conversation")).to_contain_text("hakenkruizen tekent")

    # The adviser replies; the widget shows it as the adviser's message.
    console.get_by_label("Jouw bericht aan de professional").fill(REPLY)
    console.get_by_role("button", name="Versturen").click()
    adviser = widget.locator("deep-chat .al-adviser").last
    expect(adviser.locator(".al-adviser-name")).to_have_text("Lotte")
    expect(adviser.locator(".al-text")).to_have_text(REPLY)
    console.screenshot(path=str(CONSOLE_SCREENSHOT), full_page=True)

    # Hand back: the bot says so and answers a question with resources again.
    console.get_by_role("button", name="Teruggeven aan de chatbot").click()
    wait_for_bubble(widget, "weer met de chatbot")
    say(widget, "welke signalen van radicalisering moet ik serieus nemen?")
    # the bot answers again, with its resource cards (the answer's wording changed with
    # the content of issue 12: it says no list can tell)
    wait_for_bubble(widget, "Geen lijst kan zeggen")
    expect(widget.locator("deep-chat .al-card").first).to_be_visible(timeout=20_000)

    # Close; the case log holds the whole trail.
    console.get_by_label("Uitkomst").select_option("advice_given")
    console.get_by_role("button", name="Afsluiten").click()
    expect(console.locator("body")).to_contain_text("afgesloten")
    kinds = trail(stack, reference)
    order = [
        ("created", "system"),
        ("message", "user"),  # written while waiting in the queue
        ("claimed", "adviser:lotte"),
        ("message", "adviser:lotte"),
        ("handed_back", "adviser:lotte"),
        ("closed", "adviser:lotte"),
    ]
    assert [entry for entry in kinds if entry in order] == order, kinds
    assert not browser.errors, browser.errors
