"""The console's pages and actions on cases: roles, every transition, engine failures, escaping."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.caselog import service
from bot.caselog.contacts import Contact
from bot.caselog.models import Case, HelpMode, Urgency
from bot.console.texts import load_labels
from bot.db import Database
from tests.console.conftest import Accounts, Browser, CaseMaker, Clock

LABELS = load_labels()
PAYLOAD = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">'


def case_of(database: Database, reference: str) -> Case:
    with database.session_scope() as db:
        case = service.get_case(db, reference=reference)
        assert case is not None
        case.events  # noqa: B018 - load the trail before the session ends
        return case


def kinds(database: Database, reference: str) -> list[str]:
    return [e.kind for e in case_of(database, reference).events]


def flashes(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page)]


def test_an_adviser_sees_the_queue_urgent_first_then_longest_waiting(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, clock: Clock
) -> None:
    old = make_case(urgency=Urgency.NORMAL, created_at=clock.now - timedelta(minutes=40))
    new_high = make_case(urgency=Urgency.HIGH, created_at=clock.now - timedelta(minutes=2))
    acute = make_case(urgency=Urgency.ACUTE, created_at=clock.now - timedelta(minutes=1))
    browser.login("anna")
    rows = browser.get("/api/queue").get_json()["waiting"]
    assert [r["reference"] for r in rows] == [acute, new_high, old]
    assert rows[0]["acute"] and rows[0]["urgency_label"] == "Acuut"
    assert rows[2]["waiting"] == "40 min"
    page = browser.get("/").get_data(as_text=True)
    assert page.index(acute) < page.index(new_high) < page.index(old)
    assert 'class="acute"' in page and "urgency-acuut" in page


def test_claiming_a_case_makes_it_the_advisers(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, database: Database
) -> None:
    reference = make_case()
    browser.login("anna")
    answer = browser.post(f"/zaken/{reference}/oppakken")
    assert answer.status_code == 303
    page = browser.get(f"/zaken/{reference}").get_data(as_text=True)
    assert LABELS.message("claimed") in flashes(page)
    case = case_of(database, reference)
    assert case.status == "claimed" and case.assigned_adviser_id == accounts.ids["anna"]
    assert kinds(database, reference)[-2:] == ["status_change", "claimed"]
    mine = browser.get("/api/queue").get_json()
    assert [r["reference"] for r in mine["open"]] == [reference] and not mine["waiting"]


def test_an_adviser_gets_403_on_another_advisers_case(
    make_browser, accounts: Accounts, make_case: CaseMaker
) -> None:
    reference = make_case()
    anna, bram = make_browser(), make_browser()
    anna.login("anna")
    bram.login("bram")
    anna.post(f"/zaken/{reference}/oppakken")
    assert bram.get(f"/zaken/{reference}").status_code == 403
    assert bram.get(f"/api/zaken/{reference}/events").status_code == 403
    for action in ("notitie", "afsluiten", "status", "contact", "antwoord", "teruggeven"):
        answer = bram.post(f"/zaken/{reference}/{action}", {"text": "x", "outcome": "other"})
        assert answer.status_code == 403, action
    assert reference not in bram.get("/").get_data(as_text=True)
    assert bram.post(f"/zaken/{reference}/oppakken").status_code == 403
    assert bram.get("/zaken/AL-NOPE99").status_code == 404


def test_a_coordinator_sees_every_case_and_reassigns(
    make_browser, accounts: Accounts, make_case: CaseMaker, database: Database
) -> None:
    reference = make_case()
    anna, bram, chris = make_browser(), make_browser(), make_browser()
    for who, b in (("anna", anna), ("bram", bram), ("chris", chris)):
        b.login(who)
    anna.post(f"/zaken/{reference}/oppakken")
    listed = chris.get("/api/queue").get_json()["open"]
    assert [r["reference"] for r in listed] == [reference] and listed[0]["adviser"] == "Anna"
    page = chris.get(f"/zaken/{reference}").get_data(as_text=True)
    assert "Overdragen aan" in page
    # A plain adviser may not reassign.
    forbidden = anna.post(f"/zaken/{reference}/overdragen", {"adviser": str(accounts.ids["bram"])})
    assert forbidden.status_code == 403
    for nonsense in ("", "abc", str(10**30), "-1"):
        chris.post(f"/zaken/{reference}/overdragen", {"adviser": nonsense})
        assert case_of(database, reference).assigned_adviser_id == accounts.ids["anna"]
    chris.post(f"/zaken/{reference}/overdragen", {"adviser": str(accounts.ids["bram"])})
    assert case_of(database, reference).assigned_adviser_id == accounts.ids["bram"]
    assert bram.get(f"/zaken/{reference}").status_code == 200
    assert anna.get(f"/zaken/{reference}").status_code == 403
    trail = case_of(database, reference).events
    assert trail[-1].kind == "reassigned" and trail[-1].data == {"from": "anna", "to": "bram"}
    assert "Overgedragen" in bram.get(f"/zaken/{reference}").get_data(as_text=True)


def test_every_status_transition_through_the_console(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, database: Database, clock: Clock
) -> None:
    reference = make_case(help_mode=HelpMode.NONE)
    assert case_of(database, reference).status == "new"
    browser.login("anna")
    # An unassigned case offers no status change to a plain adviser.
    assert 'id="status-to"' not in browser.get(f"/zaken/{reference}").get_data(as_text=True)
    browser.post(f"/zaken/{reference}/oppakken")  # new -> claimed
    page = browser.get(f"/zaken/{reference}").get_data(as_text=True)
    select = page.split('id="status-to"')[1].split("</select>")[0]
    options = re.findall(r'<option value="(\w+)">', select)
    assert options == ["waiting_callback"]
    browser.post(f"/zaken/{reference}/status", {"status": "waiting_callback"})
    assert case_of(database, reference).status == "waiting_callback"
    browser.post(f"/zaken/{reference}/status", {"status": "claimed"})
    assert case_of(database, reference).status == "claimed"
    # Not allowed: closed only with an outcome; follow_up only with a date.
    for wrong in ("closed", "follow_up", "nonsense"):
        browser.post(f"/zaken/{reference}/status", {"status": wrong})
        assert case_of(database, reference).status == "claimed"
    today = clock.now.astimezone(accounts_zone()).date()
    browser.post(f"/zaken/{reference}/opvolging", {"on": today.isoformat()})
    case = case_of(database, reference)
    assert case.status == "follow_up" and case.follow_up_on == today
    due = browser.get("/opvolging").get_data(as_text=True)
    assert reference in due
    assert browser.get("/api/queue").get_json()["follow_ups_due"] == 1
    browser.post(f"/zaken/{reference}/status", {"status": "claimed"})  # follow_up -> claimed
    assert case_of(database, reference).status == "claimed"
    browser.post(f"/zaken/{reference}/afsluiten", {"outcome": "advice_given", "note": "Klaar."})
    case = case_of(database, reference)
    assert case.status == "closed" and case.outcome == "advice_given"
    assert case.closing_note == "Klaar."
    assert [(e.data or {})["to"] for e in case.events if e.kind == "status_change"] == [
        "claimed",
        "waiting_callback",
        "claimed",
        "follow_up",
        "claimed",
        "closed",
    ]
    closed_page = browser.get(f"/zaken/{reference}").get_data(as_text=True)
    assert "Advies gegeven" in closed_page and 'id="afsluiten"' not in closed_page


def accounts_zone() -> ZoneInfo:
    return ZoneInfo("Europe/Amsterdam")


def test_a_coordinator_moves_a_new_case_to_waiting_for_a_call_back(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, database: Database
) -> None:
    reference = make_case(help_mode=HelpMode.NONE)
    browser.login("chris")
    browser.post(f"/zaken/{reference}/status", {"status": "waiting_callback"})
    assert case_of(database, reference).status == "waiting_callback"


def test_a_follow_up_date_in_the_past_or_nonsense_is_refused(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, database: Database, clock: Clock
) -> None:
    reference = make_case()
    browser.login("anna")
    browser.post(f"/zaken/{reference}/oppakken")
    for value in ("", "gisteren", (clock.now.date() - timedelta(days=3)).isoformat()):
        browser.post(f"/zaken/{reference}/opvolging", {"on": value})
        assert case_of(database, reference).status == "claimed"
    page = browser.get(f"/zaken/{reference}").get_data(as_text=True)
    assert LABELS.message("follow_up_invalid") in flashes(page)


def test_closing_needs_an_outcome_and_erases_the_contact(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, database: Database
) -> None:
    reference = make_case(contact=Contact("phone", "+31612345678"))
    browser.login("anna")
    browser.post(f"/zaken/{reference}/oppakken")
    browser.post(f"/zaken/{reference}/afsluiten", {"outcome": ""})
    assert case_of(database, reference).is_open
    browser.post(f"/zaken/{reference}/afsluiten", {"outcome": "called_back"})
    case = case_of(database, reference)
    assert case.status == "closed"
    with database.session_scope() as db:
        assert not service.has_contact(db, case=case)
    assert "contact_erased" in kinds(database, reference)
    assert "Geen contactgegevens opgeslagen" in browser.get(f"/zaken/{reference}").get_data(
        as_text=True
    )


def test_the_call_back_contact_is_shown_only_to_the_assigned_adviser_and_coordinators(
    make_browser, accounts: Accounts, make_case: CaseMaker, database: Database
) -> None:
    reference = make_case(contact=Contact("phone", "+31612345678"))
    anna, bram, chris = make_browser(), make_browser(), make_browser()
    for who, b in (("anna", anna), ("bram", bram), ("chris", chris)):
        b.login(who)
    waiting = anna.get(f"/zaken/{reference}").get_data(as_text=True)
    assert "+31612345678" not in waiting and "Toon contactgegevens" not in waiting
    assert anna.post(f"/zaken/{reference}/contact").status_code == 403
    anna.post(f"/zaken/{reference}/oppakken")
    shown = anna.post(f"/zaken/{reference}/contact")
    assert shown.status_code == 200 and "+31612345678" in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    # Not on the normal page: decrypted on demand only.
    assert "+31612345678" not in anna.get(f"/zaken/{reference}").get_data(as_text=True)
    assert bram.post(f"/zaken/{reference}/contact").status_code == 403
    assert "+31612345678" in chris.post(f"/zaken/{reference}/contact").get_data(as_text=True)
    viewed = [e for e in case_of(database, reference).events if e.kind == "contact_viewed"]
    assert [e.actor for e in viewed] == ["adviser:anna", "adviser:chris"]


def test_notes_are_kept_in_the_trail(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, database: Database
) -> None:
    reference = make_case()
    browser.login("anna")
    browser.post(f"/zaken/{reference}/notitie", {"text": "Eerst overleggen met de mentor."})
    browser.post(f"/zaken/{reference}/notitie", {"text": "   "})
    notes = [e for e in case_of(database, reference).events if e.kind == "note"]
    assert [n.text for n in notes] == ["Eerst overleggen met de mentor."]
    page = browser.get(f"/zaken/{reference}").get_data(as_text=True)
    assert "Eerst overleggen met de mentor." in page


def test_the_case_page_shows_the_warm_handoff(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, catalogue
) -> None:
    first = catalogue.resources[0]
    reference = make_case(
        recommended=(first.id, "gone-from-the-catalogue"),
        summary="Wat zijn signalen?\nMoet ik dit melden?",
        transcript=[
            {"who": "user", "text": "Wat zijn signalen?", "at": "2026-12-01T08:00:00"},
            {"who": "bot", "text": "Signalen zijn bijvoorbeeld...", "at": "2026-12-01T08:00:01"},
        ],
    )
    browser.login("anna")
    page = html.unescape(browser.get(f"/zaken/{reference}").get_data(as_text=True))
    for expected in (
        "docent",
        "onderwijs",
        "Utrecht",
        "Normaal",
        "extreemrechts, online",
        "Wil teruggebeld worden",
        first.title,
        "gone-from-the-catalogue (niet meer in de catalogus)",
        "Wat zijn signalen?",
        "Moet ik dit melden?",
        "Signalen zijn bijvoorbeeld...",
        "Vraag binnengekomen",
    ):
        assert expected in page, expected


# --- the conversation engine is down ------------------------------------------------------


def test_claiming_a_live_case_when_the_engine_is_down_says_so_and_keeps_the_claim(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, database: Database
) -> None:
    reference = make_case(help_mode=HelpMode.CHAT, live=True)
    browser.login("anna")
    browser.post(f"/zaken/{reference}/oppakken")
    page = browser.get(f"/zaken/{reference}").get_data(as_text=True)
    assert any("de chatbot (Rasa) is niet bereikbaar" in f for f in flashes(page))
    assert "Meld je opnieuw in de chat" in page
    case = case_of(database, reference)
    assert case.status == "claimed" and case.live


def test_a_reply_that_cannot_be_sent_is_not_logged_and_stays_in_the_box(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, database: Database
) -> None:
    reference = make_case(help_mode=HelpMode.CHAT, live=True)
    browser.login("anna")
    browser.post(f"/zaken/{reference}/oppakken")
    answer = browser.post(f"/zaken/{reference}/antwoord", {"text": "Hoi, ik ben Anna <b>!</b>"})
    assert answer.status_code == 502
    page = answer.get_data(as_text=True)
    assert "NIET verstuurd" in page
    assert "Hoi, ik ben Anna &lt;b&gt;!&lt;/b&gt;</textarea>" in page
    assert "message" not in kinds(database, reference)


def test_hand_back_when_the_engine_is_down_keeps_the_case_live(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, database: Database
) -> None:
    reference = make_case(help_mode=HelpMode.CHAT, live=True)
    browser.login("anna")
    browser.post(f"/zaken/{reference}/oppakken")
    browser.post(f"/zaken/{reference}/teruggeven")
    page = browser.get(f"/zaken/{reference}").get_data(as_text=True)
    assert any("NIET teruggegeven" in f for f in flashes(page))
    assert case_of(database, reference).live
    assert "handed_back" not in kinds(database, reference)
    browser.post(f"/zaken/{reference}/afsluiten", {"outcome": "advice_given"})
    case = case_of(database, reference)
    assert case.is_open and case.live  # closing a live case hands back first


def test_a_live_case_changes_status_only_after_the_hand_back(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, database: Database
) -> None:
    reference = make_case(help_mode=HelpMode.CHAT, live=True)
    browser.login("anna")
    browser.post(f"/zaken/{reference}/oppakken")
    page = browser.get(f"/zaken/{reference}").get_data(as_text=True)
    assert 'id="status-to"' not in page and 'id="follow-up-on"' not in page
    assert "nadat je het gesprek hebt teruggegeven" in page
    browser.post(f"/zaken/{reference}/status", {"status": "waiting_callback"})
    browser.post(f"/zaken/{reference}/opvolging", {"on": "2999-01-01"})
    case = case_of(database, reference)
    assert case.status == "claimed" and case.follow_up_on is None


def test_replies_only_go_to_live_cases(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, database: Database
) -> None:
    reference = make_case()
    browser.login("anna")
    browser.post(f"/zaken/{reference}/oppakken")
    answer = browser.post(f"/zaken/{reference}/antwoord", {"text": "Hallo?"})
    assert answer.status_code == 409
    assert "message" not in kinds(database, reference)
    too_long = browser.post(f"/zaken/{reference}/antwoord", {"text": "x" * 2001})
    assert too_long.status_code == 400


# --- what every response carries ----------------------------------------------------------


def test_security_headers_on_every_response(
    browser: Browser, accounts: Accounts, make_case: CaseMaker
) -> None:
    reference = make_case()
    responses = {"login": browser.get("/login"), "static": browser.get("/static/console.js")}
    browser.login("anna")
    responses |= {
        "queue": browser.get("/"),
        "case": browser.get(f"/zaken/{reference}"),
        "poll": browser.get("/api/queue"),
        "events": browser.get(f"/api/zaken/{reference}/events"),
        "missing": browser.get("/zaken/AL-NOPE99"),
        "healthz": browser.get("/healthz"),
    }
    for name, answer in responses.items():
        policy = answer.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, name
        assert "frame-ancestors 'none'" in policy, name
        assert answer.headers["X-Content-Type-Options"] == "nosniff", name
        assert answer.headers["Referrer-Policy"] == "no-referrer", name
        if name != "static":
            assert answer.headers["Cache-Control"] == "no-store", name


def test_pages_have_no_inline_script_or_event_handlers(
    browser: Browser, accounts: Accounts, make_case: CaseMaker
) -> None:
    reference = make_case(help_mode=HelpMode.CHAT, live=True)
    browser.login("chris")
    for path in ("/login", "/", "/opvolging", f"/zaken/{reference}"):
        page = browser.get(path).get_data(as_text=True)
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == [], path
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", page), path
        assert "javascript:" not in page, path


@pytest.mark.parametrize("where", ["summary", "transcript", "note"])
def test_html_and_script_in_case_text_is_shown_as_text(
    where: str, browser: Browser, accounts: Accounts, make_case: CaseMaker, database: Database
) -> None:
    reference = make_case(
        summary=PAYLOAD if where == "summary" else "vraag",
        transcript=[{"who": "user", "text": PAYLOAD, "at": ""}] if where == "transcript" else [],
    )
    browser.login("chris")
    if where == "note":
        browser.post(f"/zaken/{reference}/notitie", {"text": PAYLOAD})
    page = browser.get(f"/zaken/{reference}").get_data(as_text=True)
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    events = browser.get(f"/api/zaken/{reference}/events").get_json()["events"]
    if where == "note":
        assert PAYLOAD in [e["text"] for e in events]  # raw in JSON; the page uses textContent


def test_the_case_poll_returns_only_newer_entries_and_the_state(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, database: Database
) -> None:
    reference = make_case()
    browser.login("anna")
    first = browser.get(f"/api/zaken/{reference}/events").get_json()
    last = first["events"][-1]["id"]
    assert browser.get(f"/api/zaken/{reference}/events?after={last}").get_json()["events"] == []
    browser.post(f"/zaken/{reference}/oppakken")
    newer = browser.get(f"/api/zaken/{reference}/events?after={last}").get_json()
    assert [e["kind"] for e in newer["events"]] == ["status_change", "claimed"]
    assert newer["events"][1]["actor"] == "Anna"
    assert newer["state"] != first["state"] and newer["status_label"] == "In behandeling"
    assert browser.get(f"/api/zaken/{reference}/events?after=x").status_code == 400
    huge = browser.get(f"/api/zaken/{reference}/events?after={10**30}")
    assert huge.status_code == 200 and huge.get_json()["events"] == []


def test_user_messages_in_the_trail_show_in_the_conversation_in_order(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, database: Database
) -> None:
    reference = make_case(help_mode=HelpMode.CHAT, live=True, conversation_id="conv-live-1")
    browser.login("anna")
    with database.session_scope() as db:
        service.record_user_messages(
            db,
            conversation_id="conv-live-1",
            messages=[("Zijn jullie er?", 1.0), ("Het gaat om <b>X</b>", 2.0)],
        )
    page = browser.get(f"/zaken/{reference}").get_data(as_text=True)
    conversation = page.split('id="conversation"')[1].split("</ol>")[0]
    assert conversation.index("Zijn jullie er?") < conversation.index("Het gaat om &lt;b&gt;X")
    assert conversation.count("who-user") == 2


def test_polling_counts_the_adviser_as_online(
    browser: Browser, accounts: Accounts, database: Database
) -> None:
    with database.session_scope() as db:
        assert service.advisers_online(db, within=timedelta(seconds=90)) == 0
    browser.login("anna")
    browser.get("/api/queue")
    with database.session_scope() as db:
        assert service.advisers_online(db, within=timedelta(seconds=90)) == 1
    browser.post("/logout")
    with database.session_scope() as db:
        assert service.advisers_online(db, within=timedelta(seconds=90)) == 0


def test_healthz_answers_without_login(browser: Browser) -> None:
    answer = browser.get("/healthz")
    assert answer.status_code == 200 and answer.get_json() == {"status": "ok"}
