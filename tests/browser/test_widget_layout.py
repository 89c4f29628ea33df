"""The widget as a professional sees it on a laptop and on a phone (issue 13, "The widget").

In chromium at 1280x800 and at 390x844 (a phone: touch, meta viewport), against the real
stack: the 112 message stays in view while the rest of its turn arrives below it; on a
phone the panel is the whole screen and the privacy text folds to one line after the
first message; the text field shows a focus ring; after a reload the history says once
why the user's own messages come back redacted. The screenshots in docs/ are made
here, and axe-core runs on each size.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Playwright, expect

from scripts.serve import Stack
from tests.browser.conftest import DESKTOP, LABELS, PHONE, ROOT, Browser, open_browser
from tests.browser.test_widget import (
    ACUTE,
    QUESTION,
    axe_violations,
    open_widget,
    say,
    wait_for_bubble,
    wait_until_answered,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SIZES = {"desktop": DESKTOP, "phone": PHONE}
# A question with a name and an age, which the server stores de-identified.
NAMED = "Mijn leerling Jan de Vries (15) praat steeds over de jihad, wat kan ik doen?"


@pytest.fixture(params=list(SIZES))
def sized(
    request: pytest.FixtureRequest,
    playwright: Playwright,
    stack: Stack,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Browser]]:
    """A fresh browser at each size the issue names."""
    size: str = request.param
    profile = tmp_path_factory.mktemp(f"chromium-{size}")
    with open_browser(playwright, stack, profile, SIZES[size], mobile=size == "phone") as opened:
        yield size, opened


def rect(page: Page, script: str) -> dict[str, float]:
    """The bounding rectangle of an element in deep-chat's shadow DOM (``script`` finds it)."""
    found: dict[str, float] = page.evaluate(
        f"""() => {{
            const root = document.querySelector('deep-chat').shadowRoot;
            const node = {script};
            const r = node.getBoundingClientRect();
            return {{top: r.top, bottom: r.bottom, left: r.left, right: r.right}};
        }}"""
    )
    return found


def messages_rect(page: Page) -> dict[str, float]:
    return rect(page, "root.getElementById('messages')")


def chat_rect(page: Page) -> dict[str, float]:
    """Where the conversation is drawn: deep-chat's messages and text field."""
    found: dict[str, float] = page.evaluate(
        """() => {
            const r = document.querySelector('deep-chat').getBoundingClientRect();
            return {top: r.top, bottom: r.bottom};
        }"""
    )
    return found


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return inner["top"] >= outer["top"] - 1 and inner["bottom"] <= outer["bottom"] + 1


def test_the_112_message_is_scrolled_to_and_stays_in_view_as_its_turn_goes_on(
    sized: tuple[str, Browser], stack: Stack
) -> None:
    size, browser = sized
    page = browser.tab()
    open_widget(page)
    # first an ordinary question, whose long answer fills the list
    say(page, QUESTION)
    wait_until_answered(stack, page, 1)
    expect(page.locator("deep-chat .al-card").first).to_be_visible(timeout=20_000)

    say(page, ACUTE)
    alert = page.locator("deep-chat [role=alert]")
    expect(alert).to_contain_text("112", timeout=20_000)
    # the rest of the turn arrives below it: the offer of an adviser, with buttons
    expect(page.locator("deep-chat button.al-choice:enabled").first).to_be_attached()
    wait_until_answered(stack, page, 2)
    page.wait_for_timeout(800)  # every scroll of the widget and of deep-chat is done

    shown = messages_rect(page)
    title = rect(page, "root.querySelector('[role=alert] .al-urgent-title')")
    first = rect(page, "root.querySelector('[role=alert] .al-text')")
    # the red title and the "Bel nu 112" paragraph are in the visible part of the list
    assert inside(title, shown), (title, shown)
    assert inside(first, shown), (first, shown)
    assert "112" in page.locator("deep-chat [role=alert] .al-text").first.inner_text()
    # and the message starts near the top of the list, never above it (the line of the
    # professional's own message may stay above it: 40 px in one tree, 40.2 in another)
    alert_top = rect(page, "root.querySelector('[role=alert]')")["top"]
    assert shown["top"] - 1 <= alert_top <= shown["top"] + 80
    page.screenshot(path=str(ROOT / "docs" / f"widget-{size}.png"))

    # scrolling by hand is not undone; the next thing the user sends releases the hold
    page.locator("deep-chat button.al-choice", has_text="Nee, nu niet").click()
    page.wait_for_timeout(1000)
    last = rect(page, "[...root.querySelectorAll('.outer-message-container')].pop()")
    assert messages_rect(page)["top"] <= last["top"] < messages_rect(page)["bottom"]

    violations = axe_violations(page)
    serious = [v for v in violations if v["impact"] in {"serious", "critical"}]
    assert not serious, serious
    assert not browser.errors, browser.errors


def test_on_a_phone_the_panel_fills_the_screen_and_the_privacy_text_folds(
    playwright: Playwright, stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> None:
    profile = tmp_path_factory.mktemp("chromium-phone")
    with open_browser(playwright, stack, profile, PHONE, mobile=True) as browser:
        page = browser.tab()
        open_widget(page)
        panel = page.get_by_role("dialog", name=LABELS["title"]).bounding_box()
        assert panel is not None
        assert (panel["x"], panel["y"]) == (0, 0)
        assert (panel["width"], panel["height"]) == (PHONE["width"], PHONE["height"])

        # first read: the privacy text in full, no toggle yet
        text = page.locator(".al-privacy-text")
        toggle = page.get_by_role("button", name=LABELS["privacyToggle"])
        expect(text).to_be_visible()
        expect(text).to_contain_text("Noem niet de naam van de jongere")
        expect(toggle).to_be_hidden()
        room_before = chat_rect(page)

        say(page, QUESTION)
        wait_for_bubble(page, QUESTION)
        # folded to one line after the first message: the conversation gets the room
        expect(text).to_be_hidden()
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        room_after = chat_rect(page)
        gained = (room_after["bottom"] - room_after["top"]) - (
            room_before["bottom"] - room_before["top"]
        )
        assert gained > 60, (room_before, room_after)
        # the conversation (messages and text field) has most of the screen: about
        # 340 px were left before issue 13
        assert room_after["bottom"] - room_after["top"] > 600, room_after

        # it opens again from the keyboard, and folds again
        toggle.focus()
        page.keyboard.press("Enter")
        expect(text).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        page.keyboard.press("Enter")
        expect(text).to_be_hidden()

        # "Nieuw gesprek": a new conversation shows the text in full again
        page.evaluate("window.confirm = () => true")
        page.get_by_role("button", name=LABELS["newConversation"]).click()
        expect(text).to_be_visible()
        expect(toggle).to_be_hidden()
        assert not browser.errors, browser.errors


def outline(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(
        """() => {
            const root = document.querySelector('deep-chat').shadowRoot;
            const box = getComputedStyle(root.getElementById('text-input-container'));
            return {style: box.outlineStyle, width: parseFloat(box.outlineWidth),
                    color: box.outlineColor, focused: root.activeElement?.id};
        }"""
    )
    return found


def test_the_text_field_shows_a_focus_ring(browser: Browser) -> None:
    page = browser.tab()
    open_widget(page)  # by keyboard: the text field has the focus
    ring = outline(page)
    assert ring["focused"] == "text-input"
    assert ring["style"] == "solid" and ring["width"] >= 2, ring
    assert ring["color"] == "rgb(242, 169, 0)"
    # and none once the focus has left it
    page.keyboard.press("Shift+Tab")
    assert outline(page)["style"] == "none"


def test_after_a_reload_the_history_says_once_why_own_messages_are_redacted(
    browser: Browser, stack: Stack
) -> None:
    page = browser.tab()
    open_widget(page)
    say(page, NAMED)
    wait_for_bubble(page, NAMED)  # live: as typed
    wait_until_answered(stack, page, 1)
    notes = page.locator("deep-chat .al-notice")
    expect(notes).to_have_count(0)

    for _ in range(2):  # after every reload: once
        page.reload()
        page.wait_for_function("() => window.advieslijnWidget !== undefined")
        open_widget(page)
        expect(page.locator("deep-chat .user-message", has_text="[PERSOON-1]")).to_be_visible()
        expect(notes).to_have_count(1)
        expect(notes).to_have_text(LABELS["redactedNote"])
        # below the restored conversation
        assert page.evaluate(
            """() => {
                const root = document.querySelector('deep-chat').shadowRoot;
                const all = [...root.querySelectorAll('.al-message')];
                return all[all.length - 1].classList.contains('al-notice');
            }"""
        )
    assert NAMED not in page.locator("deep-chat #messages").inner_text()
    assert not browser.errors, browser.errors


def test_a_history_without_redactions_has_no_note(browser: Browser, stack: Stack) -> None:
    page = browser.tab()
    open_widget(page)
    say(page, QUESTION)
    wait_until_answered(stack, page, 1)
    page.reload()
    page.wait_for_function("() => window.advieslijnWidget !== undefined")
    open_widget(page)
    wait_for_bubble(page, QUESTION)
    expect(page.locator("deep-chat .al-card").first).to_be_visible(timeout=20_000)
    expect(page.locator("deep-chat .al-notice")).to_have_count(0)
