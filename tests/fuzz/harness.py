"""Fuzz the public endpoints of a running advice line and check what must hold.

Targets: the REST webhook, socket.io (events and raw engine.io packets), the
Telegram webhook and the console login. The oracles:

* no answer is a 5xx, a dropped connection or a time-out, and no answer body holds
  a traceback; a redirect after login never leaves the console;
* every process stays healthy (checked every few hundred inputs and at the end);
* no traceback appears in any log of the stack;
* canary conversations seeded before the run (one per channel, one escalated to a
  case in the case log) and a canary adviser account are exactly as they were.

Used by ``python -m tests.fuzz`` (the benchmark-style run, 10,000 inputs per target)
and by ``tests/fuzz/test_fuzz.py`` (a few hundred per target inside ``make test``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import requests
import socketio
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.caselog.models import Case, CaseEvent
from bot.console.admin import run as admin
from bot.db import session_scope
from bot.engine import ConversationEngine
from scripts.serve import Stack
from tests.adviser import Console
from tests.fakes.telegram_api import message_update
from tests.fuzz.strategies import (
    EVENTS,
    HttpCase,
    LoginCase,
    SocketCase,
    login_cases,
    rest_cases,
    socket_cases,
    telegram_cases,
)

T = TypeVar("T")
TIMEOUT = 60.0
TRACEBACK = "Traceback (most recent call last)"


@dataclass
class Outcome:
    """What one input got back: an HTTP status (or socket.io's 200), or a failure."""

    status: int
    problem: str | None = None


@dataclass
class Tally:
    """The figures of one target's run."""

    target: str
    inputs: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    findings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    slowest_ms: float = 0.0

    def record(self, case: object, outcome: Outcome, elapsed_ms: float) -> None:
        """Count one input; keep it as a finding when an oracle failed."""
        self.inputs += 1
        self.statuses[outcome.status] += 1
        self.slowest_ms = max(self.slowest_ms, elapsed_ms)
        if outcome.problem and len(self.findings) < 50:
            self.findings.append(f"{outcome.problem}: {case!r}"[:600])

    def summary(self) -> str:
        """One line of figures."""
        rate = self.inputs / self.seconds if self.seconds else 0.0
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return (
            f"{self.target:<9} {self.inputs:>6} inputs in {self.seconds:6.0f} s "
            f"({rate:5.1f}/s, slowest {self.slowest_ms:5.0f} ms); findings "
            f"{len(self.findings)}; answers {statuses}"
        )


class Target(Protocol):
    """An endpoint under fuzz."""

    name: str

    def strategy(self) -> st.SearchStrategy[Any]:
        """What to send."""
        ...

    def send(self, case: Any) -> Outcome:
        """Send one input and judge the answer."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def judge(answer: requests.Response) -> Outcome:
    """The oracle for one HTTP answer."""
    if answer.status_code >= 500:
        return Outcome(answer.status_code, f"answered {answer.status_code}")
    if TRACEBACK.encode() in answer.content:
        return Outcome(answer.status_code, "a traceback in the answer")
    return Outcome(answer.status_code)


def post(http: requests.Session, url: str, case: HttpCase) -> Outcome:
    """POST one HTTP case and judge the answer."""
    headers = {**case.headers}
    if case.content_type:
        headers["Content-Type"] = case.content_type
    try:
        answer = http.post(url, data=case.body, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as exc:
        return Outcome(0, f"no answer ({type(exc).__name__})")
    return judge(answer)


# --- the targets -----------------------------------------------------------------------


class RestTarget:
    """The REST webhook."""

    name = "rest"

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.http = requests.Session()
        run = uuid.uuid4().hex[:8]
        self.senders = [f"fuzz-rest-{run}-{i}" for i in range(200)]

    def strategy(self) -> st.SearchStrategy[HttpCase]:
        """Requests to the webhook."""
        return rest_cases(senders=self.senders, limit=self.stack.settings.limits.max_body_bytes)

    def send(self, case: HttpCase) -> Outcome:
        """POST it."""
        return post(self.http, f"{self.stack.rasa_url}/webhooks/rest/webhook", case)

    def close(self) -> None:
        """Close the HTTP session."""
        self.http.close()


class TelegramTarget:
    """The Telegram webhook, as Telegram (or an impostor) would post to it."""

    name = "telegram"

    def __init__(self, stack: Stack, secret: str) -> None:
        self.stack = stack
        self.secret = secret
        self.http = requests.Session()
        self.chats = [int(uuid.uuid4().int % 10**9) + 10**9 for _ in range(200)]

    def strategy(self) -> st.SearchStrategy[HttpCase]:
        """Updates, mostly with the right secret."""
        return telegram_cases(
            secret=self.secret, chats=self.chats, limit=self.stack.settings.limits.max_body_bytes
        )

    def send(self, case: HttpCase) -> Outcome:
        """POST it."""
        return post(self.http, f"{self.stack.rasa_url}/webhooks/telegram/webhook", case)

    def close(self) -> None:
        """Close the HTTP session."""
        self.http.close()


class EventLoop:
    """An asyncio loop in a thread of its own, so socket.io clients keep their pings."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = TIMEOUT) -> T:
        """Run a coroutine on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        """Cancel what still runs on the loop, then stop it."""

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            self.run(cancel_all(), timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class SocketTarget:
    """The widget's socket.io endpoint: events from a connected client and raw packets."""

    name = "socketio"

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.loop = EventLoop()
        self.client: Any = None
        self.http = requests.Session()
        self.sessions = [uuid.uuid4().hex for _ in range(200)]

    def strategy(self) -> st.SearchStrategy[SocketCase]:
        """Events and packets."""
        return socket_cases(sessions=self.sessions)

    async def _connect(self) -> Any:
        client = socketio.AsyncClient(reconnection=False, request_timeout=TIMEOUT)
        await client.connect(
            self.stack.rasa_url,
            headers={"Origin": self.stack.web_url},
            transports=["polling"],
            wait_timeout=TIMEOUT,
        )
        # A widget asks for its conversation first; then messages go deep.
        await client.call("session_request", {"session_id": random.choice(self.sessions)})
        return client

    def send(self, case: SocketCase) -> Outcome:
        """Emit the event (waiting for the server to finish it) or post the packet."""
        if case.raw is not None:
            return self._raw(case.raw)
        try:
            if self.client is None or not self.client.connected:
                self._drop_client()
                self.client = self.loop.run(self._connect())
            if case.event in EVENTS:
                # call() returns when the server's handler has finished.
                self.loop.run(self.client.call(case.event, case.data, timeout=TIMEOUT))
            else:
                self.loop.run(self.client.emit(case.event, case.data))
        except Exception as exc:  # the client's errors: time-outs, lost connections
            self._drop_client()
            return Outcome(0, f"socket.io: {type(exc).__name__}: {exc}")
        if not self.client.connected:
            self._drop_client()
            return Outcome(0, "socket.io: the server dropped the connection")
        return Outcome(200)

    def _drop_client(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):
                self.loop.run(client.disconnect(), timeout=10)

    def _raw(self, packet: bytes) -> Outcome:
        url = f"{self.stack.rasa_url}/socket.io/?EIO=4&transport=polling"
        try:
            opened = self.http.get(url, timeout=TIMEOUT)
            if opened.status_code != 200:
                return judge(opened)
            sid = json.loads(opened.text[1:])["sid"]
            answer = self.http.post(f"{url}&sid={sid}", data=packet, timeout=TIMEOUT)
        except (requests.RequestException, ValueError, KeyError) as exc:
            return Outcome(0, f"engine.io: {type(exc).__name__}")
        return judge(answer)

    def close(self) -> None:
        """Disconnect and stop the loop."""
        self._drop_client()
        self.loop.stop()
        self.http.close()


class LoginTarget:
    """The console's login page."""

    name = "login"

    def __init__(self, stack: Stack, *, usernames: list[str], passwords: list[str]) -> None:
        self.stack = stack
        self.usernames, self.passwords = usernames, passwords
        self.http = requests.Session()
        self.token = ""
        self.sent = 0

    def strategy(self) -> st.SearchStrategy[LoginCase]:
        """Logins."""
        return login_cases(usernames=self.usernames, passwords=self.passwords)

    def _fresh_token(self) -> str:
        console = Console(self.stack.console_url)  # a new visitor: new cookie, new token
        self.http = console.http
        return console.token("/login")

    def send(self, case: LoginCase) -> Outcome:
        """Send it with a valid, missing or forged CSRF token."""
        url = f"{self.stack.console_url}/login"
        try:
            if not self.token or self.sent % 25 == 0:
                self.token = self._fresh_token()
            self.sent += 1
            form = dict(case.form)
            if case.csrf == "valid":
                form["csrf_token"] = self.token
            elif case.csrf == "missing":
                form.pop("csrf_token", None)
            if case.method == "GET":
                answer = self.http.get(url, params=form, timeout=TIMEOUT, allow_redirects=False)
            elif case.raw is not None:
                answer = self.http.post(
                    url,
                    data=case.raw,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    timeout=TIMEOUT,
                    allow_redirects=False,
                )
            else:
                answer = self.http.post(url, data=form, timeout=TIMEOUT, allow_redirects=False)
        except requests.RequestException as exc:
            return Outcome(0, f"no answer ({type(exc).__name__})")
        outcome = judge(answer)
        location = answer.headers.get("Location", "")
        if answer.is_redirect and not leads_into(location, self.stack.console_url):
            return Outcome(answer.status_code, f"redirected out of the console to {location!r}")
        if answer.is_redirect:
            self.token = ""  # logged in: start again as a stranger
        return outcome

    def close(self) -> None:
        """Close the HTTP session."""
        self.http.close()


def leads_into(location: str, base: str) -> bool:
    """Whether a redirect target stays on the console (how a browser resolves it)."""
    cleaned = location.strip().replace("\\", "/")
    if cleaned.startswith(base + "/") or cleaned == base:
        return True
    return cleaned.startswith("/") and not cleaned.startswith("//")


# --- running one target ----------------------------------------------------------------


def fuzz(
    target: Target,
    examples: int,
    *,
    health: Callable[[], list[str]],
    check_every: int = 500,
    random_seed: int = 0,
) -> Tally:
    """Send ``examples`` generated inputs to a target, judging each answer."""
    tally = Tally(target.name)

    @seed(random_seed)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(target.strategy())
    def one(case: Any) -> None:
        started = time.perf_counter()
        outcome = target.send(case)
        tally.record(case, outcome, (time.perf_counter() - started) * 1000)
        if tally.inputs % check_every == 0:
            tally.findings.extend(f"after {tally.inputs} inputs: {p}" for p in health())

    started = time.perf_counter()
    try:
        one()
    finally:
        tally.seconds = time.perf_counter() - started
        target.close()
    tally.findings.extend(f"at the end: {problem}" for problem in health())
    return tally


# --- health, logs, canaries ------------------------------------------------------------


def health_problems(stack: Stack) -> list[str]:
    """What is wrong with the stack now: a stopped process or a failing health check."""
    problems = [
        f"{name} stopped with code {process.returncode}"
        for name, process in stack.processes.items()
        if process.poll() is not None
    ]
    # Every running process's readiness URL, and each channel's own health route.
    checks = {name: url for name, url in stack.ready_urls.items() if name in stack.processes}
    for channel in ("rest", "telegram", "socketio"):
        checks[channel] = f"{stack.rasa_url}/webhooks/{channel}/"
    for name, url in checks.items():
        try:
            answer = requests.get(url, timeout=10)
            if answer.status_code != 200:
                problems.append(f"{name} health answered {answer.status_code}")
        except requests.RequestException as exc:
            problems.append(f"{name} health: no answer ({type(exc).__name__})")
    return problems


class LogWatch:
    """Counts tracebacks written to the stack's logs since it was created."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.offsets = {path: path.stat().st_size for path in self._files()}

    def _files(self) -> Iterator[Path]:
        return (path for path in self.log_dir.rglob("*") if path.is_file())

    def tracebacks(self) -> list[str]:
        """The last line of every traceback logged since the start (its exception)."""
        found: list[str] = []
        for path in self._files():
            with path.open("rb") as log:
                log.seek(self.offsets.get(path, 0))
                lines = log.read().decode("utf-8", "replace").splitlines()
            for index, line in enumerate(lines):
                if TRACEBACK in line:
                    tail = next(
                        (
                            later
                            for later in lines[index + 1 : index + 200]
                            if later and not later.startswith((" ", "\t", "Traceback"))
                        ),
                        line,
                    )
                    found.append(f"{path.name}: {tail[:300]}")
        return found


@dataclass
class Canaries:
    """Conversations, a case and an account that the fuzzing must leave as they were."""

    conversations: dict[str, list[dict[str, Any]]]
    case_reference: str
    case_events: list[str]
    adviser: tuple[str, str]


def _events(stack: Stack, conversation: str) -> list[dict[str, Any]]:
    engine = ConversationEngine(stack.rasa_url, stack.token)
    events: list[dict[str, Any]] = engine.tracker(conversation)["events"]
    return events


def _case(stack: Stack, conversation: str) -> tuple[str, list[str]]:
    with session_scope(stack.settings) as session:
        case = session.scalars(select(Case).where(Case.conversation_id == conversation)).one()
        kinds = session.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        ).all()
        return f"{case.reference}:{case.status}", [str(kind) for kind in kinds]


async def _widget_conversation(stack: Stack, conversation: str) -> None:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(stack.rasa_url, headers={"Origin": stack.web_url}, transports=["polling"])
    await client.call("session_request", {"session_id": conversation}, timeout=TIMEOUT)
    await client.call("user_uttered", {"message": "hoe herken ik polarisatie in de klas?"})
    await client.disconnect()


def _telegram_message(stack: Stack, secret: str, chat: int, text: str) -> None:
    answer = requests.post(
        f"{stack.rasa_url}/webhooks/telegram/webhook",
        json=message_update(chat, text),
        headers={"X-Telegram-Bot-Api-Secret-Token": secret},
        timeout=TIMEOUT,
    )
    answer.raise_for_status()


def seed_canaries(stack: Stack, *, telegram_secret: str) -> Canaries:
    """Hold a conversation on every channel, escalate one to a case, add an adviser."""
    run = uuid.uuid4().hex[:8]
    rest, escalated = f"canary-rest-{run}", f"canary-case-{run}"
    stack.webhook(rest, "wat zijn signalen van radicalisering?")
    stack.webhook(rest, "en wat kan ik dan het beste doen?")
    for text in ("ik wil een adviseur spreken", "overslaan", "overslaan"):
        stack.webhook(escalated, text)
    stack.webhook(escalated, '/inform{"help_mode":"chat"}')
    widget = uuid.uuid4().hex
    loop = EventLoop()
    try:
        loop.run(_widget_conversation(stack, widget))
    finally:
        loop.stop()
    chat = 7_000_000_000 + int(run, 16) % 10**6  # outside the fuzzer's range of chat ids
    _telegram_message(stack, telegram_secret, chat, "wat is een triggerfactor?")
    telegram = f"telegram-{chat}"
    username, password = f"canary{run}", f"canary wachtwoord {run}"
    admin(
        ["add", username, "--name", "Canary"],
        environ={**stack.env, "ADVISER_PASSWORD": password},
    )
    time.sleep(1.0)  # let the last messages settle in the stores
    conversations = {c: _events(stack, c) for c in (rest, escalated, widget, telegram)}
    reference, kinds = _case(stack, escalated)
    return Canaries(conversations, reference, kinds, (username, password))


def can_log_in(stack: Stack, username: str, password: str) -> bool:
    """Whether the account logs in to the console: the password, then its second factor."""
    try:
        Console(stack.console_url).login(username, password)
    except (AssertionError, requests.RequestException):
        return False
    return True


def _logs_in_once_the_address_may_again(
    stack: Stack, username: str, password: str, *, patience: float = 300.0
) -> bool:
    """Whether the account still logs in, once this address's growing wait has run out.

    The login fuzzing sends thousands of wrong passwords from this machine's address,
    so the console makes that address wait (by design, up to ``lockout_minutes``); the
    canary, coming from the same address, tries again until the wait is over.
    """
    deadline = time.monotonic() + patience
    while True:
        if can_log_in(stack, username, password):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(15)


def canary_changes(stack: Stack, canaries: Canaries) -> list[str]:
    """What happened to the canaries (nothing should have)."""
    changes = []
    for conversation, before in canaries.conversations.items():
        after = _events(stack, conversation)
        if after != before:
            changes.append(
                f"conversation {conversation}: {len(before)} events before, {len(after)} after"
            )
    escalated = next(c for c in canaries.conversations if c.startswith("canary-case-"))
    reference, kinds = _case(stack, escalated)
    if (reference, kinds) != (canaries.case_reference, canaries.case_events):
        changes.append(
            f"case {canaries.case_reference} {canaries.case_events} is now {reference} {kinds}"
        )
    if not _logs_in_once_the_address_may_again(stack, *canaries.adviser):
        changes.append(f"the canary adviser {canaries.adviser[0]} can no longer log in")
    return changes


FUZZ_PASSWORD = "het wachtwoord van de fuzzer"


def make_targets(stack: Stack, names: list[str], *, telegram_secret: str) -> list[Target]:
    """The chosen targets; the login target gets an account of its own to lock out."""
    targets: list[Target] = []
    for name in names:
        if name == "rest":
            targets.append(RestTarget(stack))
        elif name == "socketio":
            targets.append(SocketTarget(stack))
        elif name == "telegram":
            targets.append(TelegramTarget(stack, telegram_secret))
        elif name == "login":
            username = f"fuzzer{uuid.uuid4().hex[:6]}"
            admin(
                ["add", username, "--name", "Fuzzer"],
                environ={**stack.env, "ADVISER_PASSWORD": FUZZ_PASSWORD},
            )
            targets.append(
                LoginTarget(
                    stack, usernames=[username], passwords=[FUZZ_PASSWORD, FUZZ_PASSWORD + "!"]
                )
            )
        else:
            raise ValueError(f"unknown target {name!r}: rest, socketio, telegram or login")
    return targets
