"""The website widget in a real browser against the real stack (trained model, actions, site).

One conversation goes through what a youth worker does: open the chat with the
keyboard, ask, read the recommendations, reload, open a second tab (its own
conversation), answer a question with a button. The same page is checked with
axe-core and stored as the README's screenshot. Other tests: idle expiry and "Nieuw
gesprek"; user and adviser text is only ever text, adviser messages
pushed through Rasa's HTTP API, and the site's security headers.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from scripts.serve import Stack
from tests.adviser import push_adviser_message
from tests.browser.conftest import AXE, LABELS, ROOT, Browser

pytestmark = [pytest.mark.browser, pytest.mark.integration]

QUESTION = "leerling tekent hakenkruizen in zijn schrift, wat nu?"
ACUTE = "een leerling heeft net een mes getrokken in de aula"
SCREENSHOT = ROOT / "docs" / "widget.png"


def open_widget(page: Page) -> None:
    """Open the chat with the keyboard alone; the text field gets the focus."""
    launcher = page.get_by_role("button", name=LABELS["launcher"])
    launcher.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name=LABELS["title"])).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('deep-chat').shadowRoot.activeElement?.id === 'text-input'"
    )


def say(page: Page, text: str) -> None:
    """Type a message into the chat's text field and send it with Enter."""
    page.locator("deep-chat #text-input").focus()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def bubbles(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("deep-chat .message-bubble").all_inner_texts()]


def wait_for_bubble(page: Page, text: str) -> None:
    expect(page.locator("deep-chat .message-bubble", has_text=text).last).to_be_visible()


def card_titles(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("deep-chat .al-card .al-card-title").all_inner_texts()]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core (from web/node_modules, locked) on the page as it is now."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")),
            }));
        }"""
    )
    return violations


def test_a_conversation_with_cards_survives_reload_and_tabs_and_buttons_work(
    browser: Browser,
) -> None:
    page = browser.tab()
    open_widget(page)
    privacy = page.locator(".al-privacy")
    expect(privacy).to_be_visible()
    expect(privacy).to_contain_text("computerprogramma")
    expect(privacy).to_contain_text("Noem niet de naam van de jongere")

    # the counter follows the text field
    page.keyboard.type("abc")
    expect(page.locator(".al-counter")).to_have_text("3 van 1000 tekens")
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")

    say(page, QUESTION)
    cards = page.locator("deep-chat .al-card")
    expect(cards.first).to_be_visible(timeout=20_000)
    assert 1 <= cards.count() <= 3
    kinds = set(LABELS["kinds"].values())
    for kind in page.locator("deep-chat .al-card-kind").all_inner_texts():
        assert kind.strip().lower() in {k.lower() for k in kinds}
    for href in page.locator("deep-chat .al-card a").evaluate_all("els => els.map(a => a.href)"):
        assert href.startswith("https://")
    titles = card_titles(page)
    # the plain-text list of the same titles is not shown next to the cards
    assert not any(text.startswith("Dit kan je verder helpen") for text in bubbles(page))
    conversation = page.evaluate("window.advieslijnWidget.conversation")
    page.evaluate("() => document.querySelector('deep-chat').scrollToBottom()")
    page.wait_for_timeout(500)  # let the scroll settle
    page.screenshot(path=str(SCREENSHOT))

    # reload: the same conversation comes back from the server
    page.reload()
    page.wait_for_function("() => window.advieslijnWidget !== undefined")
    open_widget(page)
    wait_for_bubble(page, QUESTION)
    assert card_titles(page) == titles
    assert page.evaluate("window.advieslijnWidget.conversation") == conversation
    # only the id and the time of its last message, for this tab only; nothing lasting
    assert page.evaluate("Object.keys(sessionStorage)") == ["advieslijn.conversation"]
    stored = page.evaluate("JSON.parse(sessionStorage.getItem('advieslijn.conversation'))")
    assert set(stored) == {"id", "at"} and stored["id"] == conversation
    assert page.evaluate("Object.entries(localStorage)") == []

    # a second tab (or the next user of the computer) starts its own conversation
    second = browser.tab()
    open_widget(second)
    assert second.evaluate("window.advieslijnWidget.conversation") != conversation
    assert QUESTION not in bubbles(second)
    second.close()

    # acute danger: the 112 message stands out and is announced; then the offer of an
    # adviser, with buttons (the intake is not started unasked)
    say(page, ACUTE)
    alert = page.locator("deep-chat [role=alert]")
    expect(alert).to_contain_text("112")
    choices = page.locator("deep-chat button.al-choice")
    expect(choices.first).to_be_visible()
    no = page.locator("deep-chat button.al-choice", has_text="Nee, nu niet")
    no.focus()
    page.keyboard.press("Enter")
    wait_for_bubble(page, no.inner_text())
    expect(page.locator("deep-chat button.al-choice:enabled")).to_have_count(0)

    # accessibility with the widget open and every kind of message on screen (every
    # reply in: a button in its loading state has no name yet)
    page.wait_for_timeout(1500)
    violations = axe_violations(page)
    print("\naxe-core violations (all impacts):", violations or "none")
    serious = [v for v in violations if v["impact"] in {"serious", "critical"}]
    assert not serious, serious
    assert not browser.dialogs
    assert not browser.errors, browser.errors


def test_an_idle_conversation_ends_and_nieuw_gesprek_ends_it_at_once(
    browser: Browser, stack: Stack
) -> None:
    """Issue 11, item 10: the id was a long-lived key in the site's localStorage."""
    page = browser.tab()
    # an id left in localStorage by the older widget is not used, and is removed
    page.evaluate("localStorage.setItem('advieslijn.conversation', 'ab'.repeat(16))")
    page.reload()
    page.wait_for_function("() => window.advieslijnWidget !== undefined")
    assert page.evaluate("window.advieslijnWidget.conversation") is None
    assert page.evaluate("Object.entries(localStorage)") == []
    open_widget(page)
    say(page, QUESTION)
    wait_for_bubble(page, QUESTION)
    expect(page.locator("deep-chat .message-bubble.ai-message").first).to_be_visible()
    # every reply in (each one counts as activity and would renew the time below)
    wait_until_answered(stack, page, 1)
    page.wait_for_timeout(500)
    first = page.evaluate("window.advieslijnWidget.conversation")

    # back after more than 30 minutes without a message: a reload starts afresh
    page.evaluate(
        """() => {
            const key = 'advieslijn.conversation';
            const stored = JSON.parse(sessionStorage.getItem(key));
            stored.at = Date.now() - 31 * 60 * 1000;
            sessionStorage.setItem(key, JSON.stringify(stored));
        }"""
    )
    page.reload()
    page.wait_for_function("() => window.advieslijnWidget !== undefined")
    open_widget(page)
    assert page.evaluate("window.advieslijnWidget.conversation") != first
    assert QUESTION not in bubbles(page)

    # the page left open that long: opening the panel again starts afresh, and says so
    say(page, QUESTION)
    wait_for_bubble(page, QUESTION)
    second = page.evaluate("window.advieslijnWidget.conversation")
    page.keyboard.press("Escape")
    page.evaluate("window.advieslijnWidget.lastActivity = Date.now() - 31 * 60 * 1000")
    open_widget(page)
    expect(page.locator(".al-status")).to_have_text(LABELS["expired"])
    third = page.evaluate("window.advieslijnWidget.conversation")
    assert third not in (None, second)
    expect(page.locator("deep-chat .message-bubble", has_text=QUESTION)).to_have_count(0)

    # "Nieuw gesprek" is a visible, named button that works with the keyboard alone
    say(page, QUESTION)
    wait_for_bubble(page, QUESTION)
    reset = page.get_by_role("button", name=LABELS["newConversation"])
    expect(reset).to_be_visible()
    page.evaluate("window.confirm = () => true")  # the question before starting anew
    reset.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => window.advieslijnWidget.conversation !== '{third}'")
    expect(page.locator("deep-chat .message-bubble", has_text=QUESTION)).to_have_count(0)
    assert not browser.errors, browser.errors


def wait_until_answered(
    stack: Stack, page: Page, user_messages: int, seconds: float = 40.0
) -> None:
    """Wait until the bot has answered every message (the history is the server's copy).

    Generous: on two busy cores the first answers of a fresh stack take a while.
    """
    conversation = page.evaluate("window.advieslijnWidget.conversation")
    deadline = time.monotonic() + seconds
    tracker: dict[str, Any] = {}
    while time.monotonic() < deadline:
        tracker = requests.get(
            f"{stack.rasa_url}/conversations/{conversation}/tracker",
            params={"token": stack.token},
            timeout=seconds,
        ).json()
        users = [e for e in tracker.get("events", []) if e.get("event") == "user"]
        if len(users) >= user_messages and tracker.get("latest_action_name") == "action_listen":
            return
        page.wait_for_timeout(100)
    raise AssertionError(
        f"the bot did not answer every message in {seconds:.0f} s: latest action "
        f"{tracker.get('latest_action_name')!r}, {user_messages} user messages expected"
    )


def test_user_text_is_shown_as_text_and_never_runs(browser: Browser, stack: Stack) -> None:
    page = browser.tab()
    open_widget(page)
    attacks = [
        '<img src=x onerror="window.__xss = 1">',
        "<script>window.__xss = 2</script>",
        # (no URL here: the conversation is stored de-identified, so a URL would come
        # back from the server as [URL-1])
        "**niet vet** en _niet schuin_ en [geen link](#boven)",
    ]
    for attack in attacks:
        say(page, attack)
        wait_for_bubble(page, attack)
    expect(page.locator("deep-chat .message-bubble.ai-message").first).to_be_visible()

    def check() -> None:
        assert page.evaluate("window.__xss") is None
        assert page.locator("deep-chat #messages img").count() == 0
        assert page.locator("deep-chat #messages script").count() == 0
        # no Markdown either: people's text is shown exactly as typed
        markdown = page.locator(
            "deep-chat .user-message strong, deep-chat .user-message em, deep-chat .user-message a"
        )
        assert markdown.count() == 0
        shown = bubbles(page)
        for attack in attacks:
            assert attack in shown

    check()
    wait_until_answered(stack, page, len(attacks))
    page.reload()  # the history is rendered by another path: check it too
    page.wait_for_function("() => window.advieslijnWidget !== undefined")
    open_widget(page)
    wait_for_bubble(page, attacks[-1])
    check()
    assert not browser.dialogs


def test_an_adviser_message_pushed_through_the_http_api_shows_as_from_that_adviser(
    browser: Browser, stack: Stack
) -> None:
    page = browser.tab()
    open_widget(page)
    say(page, "ik wil graag met een adviseur praten")
    expect(page.locator("deep-chat .message-bubble.ai-message").first).to_be_visible()
    conversation = page.evaluate("window.advieslijnWidget.conversation")

    text = "Hoi, ik ben Anna. <b>Vertel</b> gerust wat er speelt."
    push_adviser_message(stack, conversation, text, "Anna")

    adviser = page.locator("deep-chat .al-adviser")
    expect(adviser).to_be_visible()
    expect(adviser.locator(".al-adviser-name")).to_have_text("Anna")
    expect(adviser.locator(".al-badge")).to_have_text(LABELS["adviserLabel"])
    expect(adviser.locator(".al-text")).to_have_text(text)  # literally, tags and all
    assert adviser.locator("b").count() == 0

    # after a reload the adviser's message is still the adviser's
    page.reload()
    page.wait_for_function("() => window.advieslijnWidget !== undefined")
    open_widget(page)
    expect(page.locator("deep-chat .al-adviser .al-adviser-name")).to_have_text("Anna")


def test_the_site_sends_security_headers_and_the_widget_configuration(stack: Stack) -> None:
    page = requests.get(stack.web_url + "/", timeout=10)
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src and script_src.group(1).strip() == "'self'"
    assert "unsafe-inline" not in script_src.group(1) and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert f"connect-src 'self' {stack.settings.server.public_rasa_url}" in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    # one script tag with a source, and a non-executable JSON configuration block
    scripts = re.findall(r"<script\b[^>]*>", page.text)
    assert len([s for s in scripts if "src=" in s]) == 1
    assert all("src=" in s or 'type="application/json"' in s for s in scripts)
    assert f'"socketUrl": "{stack.settings.server.public_rasa_url}"' in page.text
    assert f'"maxMessageChars": {stack.settings.limits.max_message_chars}' in page.text

    for path in ("/widget/advieslijn-widget.js", "/widget/vendor/deep-chat.js"):
        asset = requests.get(stack.web_url + path, timeout=10)
        assert asset.status_code == 200 and "javascript" in asset.headers["Content-Type"]
        assert asset.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(stack.web_url + "/../bot/settings.py", timeout=10).status_code == 404
    assert requests.get(stack.web_url + "/widget/vendor/", timeout=10).status_code == 404
    assert requests.post(stack.web_url + "/", data=b"x", timeout=10).status_code == 405
