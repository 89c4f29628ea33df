"""The console says what is down and offers only what helps (issue 13).

"Meld je opnieuw in de chat" appears only after the chat did not hear that the adviser
joined; when Rasa does not answer, the page says Rasa (not the console) is unreachable.
The engine here is a stand-in whose answers the test sets; the real client against a
port where nothing listens is in tests/console/test_cases.py.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from flask import Flask

from bot.caselog.models import HelpMode
from bot.console.sessions import EXTENSION
from bot.engine import EngineError
from tests.console.conftest import Accounts, Browser, CaseMaker

AGAIN = "Meld je opnieuw in de chat"
RASA_DOWN = "De chatbot (Rasa) is niet bereikbaar"


@dataclass
class StandInEngine:
    """Answers like Rasa does, or fails like an unreachable Rasa, as the test says."""

    up: bool = True
    joined: list[str] = field(default_factory=list)

    def reachable(self) -> bool:
        return self.up

    def adviser_joined(self, conversation_id: str) -> None:
        if not self.up:
            raise EngineError("adviser joined: the conversation engine cannot be reached")
        self.joined.append(conversation_id)


def use(app: Flask, engine: StandInEngine) -> None:
    console = app.extensions[EXTENSION]
    console.engine = engine
    console.engine_checked = -1e9  # ask again at once


def banner_shown(page: str) -> bool:
    start = page.index('id="engine-down"')
    tag = page[page.rindex("<p", 0, start) : page.index(">", start)]
    return "hidden" not in tag


def test_a_successful_claim_offers_no_announcing_again(
    app: Flask, browser: Browser, accounts: Accounts, make_case: CaseMaker
) -> None:
    engine = StandInEngine()
    use(app, engine)
    reference = make_case(help_mode=HelpMode.CHAT, live=True)
    browser.login("anna")
    browser.post(f"/zaken/{reference}/oppakken")
    page = html.unescape(browser.get(f"/zaken/{reference}").get_data(as_text=True))
    assert engine.joined  # the chat heard it
    assert "De professional hoort dat je er bent" in page
    assert AGAIN not in page
    assert not banner_shown(page)


def test_announcing_again_is_offered_after_a_failure_and_gone_once_it_worked(
    app: Flask, browser: Browser, accounts: Accounts, make_case: CaseMaker
) -> None:
    engine = StandInEngine(up=False)
    use(app, engine)
    reference = make_case(help_mode=HelpMode.CHAT, live=True)
    browser.login("anna")
    browser.post(f"/zaken/{reference}/oppakken")
    page = html.unescape(browser.get(f"/zaken/{reference}").get_data(as_text=True))
    assert AGAIN in page
    # Rasa is down: the page says so, in words that name Rasa and not the console
    assert banner_shown(page) and RASA_DOWN in page
    poll = browser.get(f"/api/zaken/{reference}/events").get_json()
    assert poll["engine_ok"] is False

    engine.up = True
    use(app, engine)
    browser.post(f"/zaken/{reference}/melden")
    page = html.unescape(browser.get(f"/zaken/{reference}").get_data(as_text=True))
    assert engine.joined and AGAIN not in page
    assert not banner_shown(page)
    assert browser.get("/api/queue").get_json()["engine_ok"] is True


def test_the_queue_says_when_rasa_is_down(app: Flask, browser: Browser, accounts: Accounts) -> None:
    use(app, StandInEngine(up=False))
    browser.login("anna")
    page = html.unescape(browser.get("/").get_data(as_text=True))
    assert banner_shown(page) and RASA_DOWN in page
    # the console's own failure has its own words
    assert "de console is niet bereikbaar" in page
