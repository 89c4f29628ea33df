"""The queue as an adviser needs it (issue 13): people waiting in the chat on top.

Before, 56 acute rows with empty columns came first and the one person waiting live in
the chat was the last row, 4,000 px down, while the widget told that person "je bent
nummer 1".
"""

from __future__ import annotations

import html
from datetime import timedelta

from bot.caselog.models import HelpMode, Urgency
from tests.console.conftest import Accounts, Browser, CaseMaker, Clock


def test_people_waiting_in_the_chat_come_first_with_how_long_they_waited(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, clock: Clock
) -> None:
    acute = [
        make_case(urgency=Urgency.ACUTE, created_at=clock.now - timedelta(minutes=50 - n))
        for n in range(25)
    ]
    high = make_case(urgency=Urgency.HIGH, created_at=clock.now - timedelta(minutes=70))
    in_chat = make_case(
        help_mode=HelpMode.CHAT, live=True, created_at=clock.now - timedelta(minutes=7)
    )
    browser.login("anna")
    queue = browser.get("/api/queue").get_json()
    assert [r["reference"] for r in queue["in_chat"]] == [in_chat]
    assert queue["in_chat"][0]["waiting"] == "7 min"
    assert in_chat not in [r["reference"] for r in queue["waiting"]]

    page = html.unescape(browser.get("/").get_data(as_text=True))
    # the person in the chat is the first case on the page, with the time waited
    first_reference = min(
        (page.index(reference), reference)
        for reference in [*acute, high, in_chat]
        if reference in page
    )[1]
    assert first_reference == in_chat
    row = page[page.index(f'data-reference="{in_chat}"') :]
    assert "7 min" in row[: row.index("</tr>")]
    assert "Wachten nu in de chat" in page


def test_the_other_waiting_cases_are_grouped_by_urgency_and_paged(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, clock: Clock
) -> None:
    acute = [
        make_case(urgency=Urgency.ACUTE, created_at=clock.now - timedelta(minutes=60 - n))
        for n in range(25)
    ]
    normal = make_case(urgency=Urgency.NORMAL, created_at=clock.now - timedelta(hours=3))
    browser.login("anna")
    first = browser.get("/api/queue").get_json()
    assert first["waiting_page"]["number"] == 1
    assert first["waiting_page"]["pages"] == 2 and first["waiting_page"]["total"] == 26
    assert [r["reference"] for r in first["waiting"]] == acute[:20]  # longest waiting first
    assert first["waiting_page"]["previous"] == ""
    assert first["waiting_page"]["next"].endswith("?pagina=2")

    second = browser.get("/api/queue?pagina=2").get_json()
    assert [r["reference"] for r in second["waiting"]] == [*acute[20:], normal]
    assert [r["group"] for r in second["waiting"]] == ["Acuut"] * 5 + ["Normaal"]
    page = html.unescape(browser.get("/?pagina=2").get_data(as_text=True))
    # one heading per group, before its cases
    assert page.count('<tr class="group">') == 2
    assert page.index(">Acuut</th>") < page.index(acute[20]) < page.index(">Normaal</th>")
    assert page.index(">Normaal</th>") < page.index(normal)
    assert 'Pagina <span class="page-number">2</span> van' in page
    assert acute[0] not in page

    # a page past the end is the last page; a page that is no number is the first
    assert browser.get("/api/queue?pagina=99").get_json()["waiting_page"]["number"] == 2
    for bad in ("x", "-3", "1e9", "%0a"):
        answer = browser.get(f"/api/queue?pagina={bad}")
        assert answer.status_code == 200
        assert answer.get_json()["waiting_page"]["number"] == 1
