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
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from bot.caselog import service
from bot.caselog.models import HelpMode, Urgency, utcnow
from bot.console.admin import run as admin
from bot.db import Database
from scripts.serve import Stack, free_port, running_stack
from tests.browser.conftest import (
    AXE,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    ROOT,
    set_up_second_factor,
)

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
    row = page.wait_for_selector(f'#in-chat tr[data-reference="{second}"]', timeout=15000)
    shown_after = time.perf_counter() - began
    print(f"\nnew case in the browser's queue after {shown_after * 1000:.0f} ms (polls every 3 s)")
    assert page.evaluate("window.__marker") == "same page"
    assert IMAGE in row.inner_text()
    assert "ACUUT" in row.inner_text().upper()
    # Waiting in the chat, acute first.
    assert page.locator("#in-chat tbody tr").first.get_attribute("data-reference") == second

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


# --- issue 13: what an adviser runs into -----------------------------------------------

TRANSCRIPT_LINES = 40


def log_waiting_cases(database: Database) -> tuple[str, str, str]:
    """25 acute cases nobody is in the chat for, and one person waiting in the chat.

    Returns the reference and conversation of the person in the chat (waiting for 7
    minutes, with a long transcript) and the reference of the oldest acute case.
    """
    now = utcnow()
    oldest = ""
    with database.session_scope() as db:
        for n in range(25):
            case = service.open_case(
                db,
                conversation_id=f"acute-{uuid.uuid4().hex[:8]}",
                channel="rest",
                urgency=Urgency.ACUTE,
            )
            case.created_at = now - timedelta(minutes=90 - n)
            oldest = oldest or str(case.reference)
        conversation = f"live-{uuid.uuid4().hex[:8]}"
        live = service.open_case(
            db, conversation_id=conversation, channel="socketio", urgency=Urgency.HIGH
        )
        transcript = [
            {"who": "user" if n % 2 == 0 else "bot", "text": f"regel {n} van het gesprek"}
            for n in range(TRANSCRIPT_LINES)
        ]
        service.complete_intake(
            db,
            case=live,
            help_mode=HelpMode.CHAT,
            summary="vraag over een leerling",
            live=True,
            urgency=Urgency.HIGH,
            role="jongerenwerker",
            sector="jongerenwerk",
            transcript=transcript,
        )
        live.created_at = now - timedelta(minutes=7)
        return str(live.reference), conversation, oldest


def at_newest(page: Any) -> bool:
    """Whether the transcript box shows its last line."""
    return bool(
        page.evaluate(
            """() => {
                const box = document.getElementById('conversation');
                return box.scrollHeight > box.clientHeight + 50
                    && box.scrollTop + box.clientHeight >= box.scrollHeight - 2;
            }"""
        )
    )


def serious_axe(page: Any) -> list[dict[str, Any]]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => ({id: v.id, targets: v.nodes.map(n => n.target.join(" "))}))"""
    )
    return found


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_console_puts_the_chat_first_keeps_the_newest_line_and_names_rasa(
    console_stack: Stack, database: Database, browser: Any, size: str, viewport: Any
) -> None:
    username = f"lotte{size}"
    admin(["add", username, "--name", "Lotte"], environ={**console_stack.env, **ACCOUNT})
    live, conversation, oldest = log_waiting_cases(database)
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    url = console_stack.console_url

    # a bad next= in the login link: the page is shown (no 500) and the next is ignored
    answer = page.goto(url + "/login?next=/%0a/evil.example/")
    assert answer is not None and answer.status == 200
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")
    set_up_second_factor(page, url)
    page.wait_for_url(url + "/")

    # people waiting in the chat come first (acute ones of the earlier test before
    # this one), in view, with the time waited; the acute cases without a chat after
    row = page.locator(f'#in-chat tr[data-reference="{live}"]')
    expect(row.locator(".waited")).to_have_text("7 min")
    expect(row).to_be_in_viewport()
    assert page.evaluate(
        "() => document.getElementById('in-chat').compareDocumentPosition("
        "document.getElementById('waiting')) === Node.DOCUMENT_POSITION_FOLLOWING"
    )
    # the rest grouped by urgency and paged
    expect(page.locator("#waiting tr.group").first).to_have_text("Acuut")
    assert page.locator("#waiting tbody tr[data-reference]").count() == 20
    expect(page.locator("#waiting-pager")).to_be_visible()
    # Rasa is not running here: the banner says so, and names Rasa, not the console
    expect(page.locator("#engine-down")).to_be_visible()
    expect(page.locator("#engine-down")).to_contain_text("De chatbot (Rasa) is niet bereikbaar")
    expect(page.locator("#poll-error")).to_be_hidden()
    assert serious_axe(page) == []
    page.screenshot(path=str(ROOT / "docs" / f"console-queue-{size}.png"))

    page.locator("#waiting-pager a.next").click()
    page.wait_for_url(url + "/?pagina=2")
    expect(page.locator("#waiting tbody tr[data-reference]").first).to_be_visible()
    assert page.locator(f'#waiting tr[data-reference="{oldest}"]').count() == 0

    # the live case: the transcript shows its newest line, also when a message comes in
    page.goto(url + f"/zaken/{live}")
    page.locator("#conversation li").last.wait_for()
    page.wait_for_timeout(300)
    assert at_newest(page)
    with database.session_scope() as db:
        service.record_user_messages(
            db, conversation_id=conversation, messages=[("is er iemand?", time.time())]
        )
    page.locator("#conversation li", has_text="is er iemand?").wait_for(timeout=15000)
    page.wait_for_timeout(300)
    assert at_newest(page)
    # the new line is inside the visible part of the box
    assert page.evaluate(
        """() => {
            const box = document.getElementById('conversation').getBoundingClientRect();
            const lines = document.querySelectorAll('#conversation li');
            const last = lines[lines.length - 1].getBoundingClientRect();
            return last.top >= box.top - 1 && last.bottom <= box.bottom + 1;
        }"""
    )
    page.locator("#conversation").scroll_into_view_if_needed()
    assert serious_axe(page) == []
    page.screenshot(path=str(ROOT / "docs" / f"console-case-{size}.png"))
    assert problems == [], problems
    context.close()
