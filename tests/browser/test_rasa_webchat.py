"""A standard Rasa client in chromium: Botfront's ``rasa-webchat`` 1.0.1 (issue 13).

A school that embeds a common Rasa widget instead of ours talks to the same socket.io
channel. rasa-webchat shows ``{text}`` and ``{text, quick_replies}`` and drops any other
shape (a custom payload without a component for it), so before issue 13 it lost every
message with a custom payload: the 112 message, the resource list, the handoff steps.
Here it runs from its own one-file build (``scripts/web_deps.sh`` fetches the npm
tarball, checked by hash), embedded in a page of a school's site on its own origin
(which the stack's ``WIDGET_ORIGINS`` allows, as a school's would be), against the
real stack.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from scripts.serve import Stack
from tests.browser.conftest import DESKTOP, ROOT, Browser
from tests.browser.test_widget import ACUTE, QUESTION

pytestmark = [pytest.mark.browser, pytest.mark.integration]

WEBCHAT = ROOT / "web" / "node_modules" / ".test-clients" / "rasa-webchat" / "lib" / "index.js"
PAGE_PATH = "/rasa-webchat-test.html"
SCRIPT_PATH = "/rasa-webchat-test.js"


def page_html(stack: Stack) -> str:
    """A school's page: rasa-webchat as its README says to embed it."""
    options = {
        "selector": "#webchat",
        "socketUrl": stack.settings.server.public_rasa_url,
        "socketPath": "/socket.io/",
        "initPayload": "hallo",
        "title": "Advieslijn",
        "inputTextFieldHint": "Typ je vraag",
        "embedded": True,
        "params": {"storage": "session"},
    }
    return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>School</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><div id="webchat" style="height: 700px"></div>
<script src="{SCRIPT_PATH}"></script>
<script>window.WebChat.default({json.dumps(options)}, null);</script>
</body></html>"""


class SchoolSite(BaseHTTPRequestHandler):
    """The school's site: the page with rasa-webchat and its script, nothing else."""

    html = b""

    def do_GET(self) -> None:
        if self.path == PAGE_PATH:
            body, kind = self.html, "text/html; charset=utf-8"
        elif self.path == SCRIPT_PATH:
            body, kind = WEBCHAT.read_bytes(), "text/javascript"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def school(stack: Stack, school_port: int) -> Iterator[str]:
    """The school's site on its own origin (which the stack's socket accepts); its URL."""
    if not WEBCHAT.is_file():
        pytest.fail("rasa-webchat is missing: run 'make web' (scripts/web_deps.sh)")
    handler = type("Site", (SchoolSite,), {"html": page_html(stack).encode()})
    server = ThreadingHTTPServer(("127.0.0.1", school_port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{school_port}"
    finally:
        server.shutdown()
        server.server_close()


def open_school_page(browser: Browser, school: str) -> Page:
    page = browser.context.new_page()
    page.set_viewport_size(DESKTOP)
    # rasa-webchat's own loads (a web font from the internet, the site's favicon) fail
    # here and are its business; exceptions in the page are not
    page.on("pageerror", lambda error: browser.errors.append(str(error)))
    page.goto(school + PAGE_PATH)
    return page


def say(page: Page, text: str) -> None:
    field = page.locator(".rw-new-message")
    field.fill(text)
    field.press("Enter")


def bot(page: Page, text: str) -> None:
    expect(page.locator(".rw-response", has_text=text).last).to_be_visible(timeout=30_000)


def test_rasa_webchat_shows_the_112_message_resources_buttons_and_handoff_steps(
    browser: Browser, school: str
) -> None:
    page = open_school_page(browser, school)
    # the greeting answers the init payload: the session works with the client's own flow
    bot(page, "computerprogramma")

    say(page, QUESTION)
    # the answer, and the resource list as text (the cards' payload is skipped)
    bot(page, "Dit kan je verder helpen")
    resources = page.locator(".rw-response", has_text="Dit kan je verder helpen").last
    assert "https://" in resources.inner_text()

    say(page, ACUTE)
    bot(page, "Bel nu 112")
    # the offer that follows, with Rasa's quick replies as rasa-webchat's buttons
    yes = page.locator(".rw-reply", has_text="Ja, graag een adviseur")
    expect(yes).to_be_visible(timeout=30_000)
    expect(page.locator(".rw-reply", has_text="Nee, nu niet")).to_be_visible()
    page.locator(".rw-response", has_text="Bel nu 112").last.scroll_into_view_if_needed()
    page.screenshot(path=str(ROOT / "docs" / "rasa-webchat.png"))

    # a handoff step: its text (and buttons) arrive, the custom payload is skipped
    yes.click()
    bot(page, "Noem niet de naam van de jongere")
    expect(page.locator(".rw-reply", has_text="Overslaan").last).to_be_visible(timeout=30_000)
    assert not browser.errors, browser.errors
