"""The console's pages, form actions and JSON polls.

Every change goes through :mod:`bot.caselog.service`, which checks again who may do
what. When a change also has to reach the conversation, the order of database write
and engine call is chosen so that a failure of the conversation engine never goes
unnoticed and the case log always says what really happened:

* claim (and reassign) of a live case: the database first (the engine's
  ``action_adviser_joined`` reads the adviser's name from the case log), then the
  engine; if that fails the case is the adviser's, and the page says that the
  professional has not been told yet and offers to try again;
* reply: the engine first, then the audit trail: a message that never reached the
  professional is never logged as sent, and its text stays in the reply box; no
  database lock is held while waiting for the engine;
* hand back (and closing a live case): the engine first, then the database: if the
  engine fails, the case stays live, which is true, since the bot is still paused.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden

from bot.caselog import service
from bot.caselog.contacts import Contact, ContactError
from bot.caselog.models import Adviser, Case, CaseStatus, EventKind
from bot.catalogue import Catalogue, CatalogueError
from bot.console import accounts, second_factor
from bot.console.errors import http_error
from bot.console.present import (
    Clock,
    abilities,
    present_event,
    present_row,
    resource_titles,
)
from bot.console.sessions import (
    PENDING,
    STEP_CODE,
    STEP_SET_UP,
    announcement_failed,
    current_adviser_id,
    engine_up,
    load_adviser,
    load_pending,
    note_announcement,
    note_presence,
    pending_login,
    start_pending,
    start_session,
    state,
)
from bot.engine import EngineError

logger = logging.getLogger(__name__)
# Who did what to an account (unlocks, waits): its own logger, so operators can route it.
audit = logging.getLogger("bot.console.audit")
blueprint = Blueprint("console", __name__)

MAX_REPLY = 2000
MAX_ID = 2**31 - 1  # database integer ids; larger numbers match nothing
MAX_NOTE = 5000
F = TypeVar("F", bound=Callable[..., ResponseReturnValue])


# --- helpers ---------------------------------------------------------------------------


def login_required(*, poll: bool = False) -> Callable[[F], F]:
    """Let only a logged-in adviser through; pages redirect to the login, polls get 401."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            uid = current_adviser_id(activity=not poll)
            adviser_ok = False
            if uid is not None:
                with state().database.session_scope() as db:
                    adviser = load_adviser(db, uid)
                    if adviser is not None:
                        note_presence(db, adviser)
                        adviser_ok = True
            if not adviser_ok:
                expired = bool(g.get("session_expired"))
                if poll:
                    return jsonify({"error": "login", "login": url_for("console.login")}), 401
                if expired:
                    flash(state().labels.message("session_expired"), "warning")
                target = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("console.login", next=target))
            g.adviser_id = uid
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def me(db: Session) -> Adviser:
    """Return the logged-in adviser in this unit of work."""
    adviser = db.get(Adviser, g.adviser_id)
    if adviser is None:  # deleted between the check and now
        abort(403)
    return adviser


def load_case(db: Session, reference: str, viewer: Adviser) -> Case:
    """Return the case the viewer may see; 404 when unknown, 403 when not theirs."""
    case = service.get_case(db, reference=reference)
    if case is None:
        abort(404)
    if not service.can_view(viewer, case):
        logger.warning("adviser %s refused case %s", viewer.username, reference)
        abort(403)
    return case


def clock() -> Clock:
    """Return the current time in the advisers' zone."""
    console = state()
    return Clock(now=console.clock(), zone=console.settings.handoff.timezone)


def message(key: str, **variables: object) -> str:
    """Return a console message."""
    return state().labels.message(key, **variables)


def engine_problem(error: EngineError) -> str:
    """Say in the page what went wrong with the engine (the details go to the log)."""
    logger.error("conversation engine: %s", error)
    return f"{message('engine_unavailable')} ({error})"


def back_to(reference: str, anchor: str = "") -> ResponseReturnValue:
    """Redirect to the case page (after a form, so a reload does not repeat it)."""
    return redirect(url_for("console.case_page", reference=reference) + anchor, code=303)


def names(db: Session) -> dict[str, str]:
    """Return every adviser's username -> display name (for the audit trail)."""
    return {a.username: a.display_name for a in db.scalars(select(Adviser)).all()}


def catalogue() -> Catalogue | None:
    """Return the catalogue, or ``None`` when it cannot be read (titles then show ids)."""
    try:
        return state().catalogue.get()
    except CatalogueError as exc:
        logger.error("catalogue unavailable: %s", exc)
        return None


MAX_NEXT = 2000


def local_path(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else ``None``.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
    ``/<TAB>/evil.example/`` would become ``//evil.example/``: another site. Refused are
    control characters and whitespace of any kind (also percent-encoded), backslashes,
    and anything that after parsing has a scheme or a host or does not start with
    exactly one ``/``.
    """
    if not target or len(target) > MAX_NEXT:
        return None
    for form in (target, unquote(target)):
        if "\\" in form or any(c.isspace() or unicodedata.category(c)[0] == "C" for c in form):
            return None
        if not form.startswith("/") or form.startswith("//"):
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def safe_next(target: str | None) -> str:
    """Return a local path to go to after login (never another site; else the queue)."""
    return local_path(target) or url_for("console.queue")


# Rows per page of the queue's longer lists (the other waiting cases, the open ones).
PAGE_SIZE = 20
MAX_PAGE = 10_000
PAGE_ARGS = ("pagina", "open")


def page_number(name: str) -> int:
    """Return the page asked for in ``?<name>=``; anything unreadable is page 1."""
    try:
        return min(MAX_PAGE, max(1, int(request.args.get(name, "1")[:6])))
    except ValueError:
        return 1


def one_page(rows: list[dict[str, Any]], name: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Cut ``rows`` to the page ``?<name>=`` asks for (the last one when it is past the end).

    Returns the rows and the page: its number, how many pages, how many rows, and the
    queue's addresses of the pages before and after it (the other list keeps its page).
    """
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    number = min(page_number(name), pages)
    start = (number - 1) * PAGE_SIZE

    def link(to: int) -> str:
        if not 1 <= to <= pages:
            return ""
        args: dict[str, Any] = {k: v for k, v in request.args.items() if k in PAGE_ARGS}
        args[name] = str(to)
        return url_for("console.queue", **args)

    page = {
        "number": number,
        "pages": pages,
        "total": len(rows),
        "previous": link(number - 1),
        "next": link(number + 1),
    }
    return rows[start : start + PAGE_SIZE], page


def queue_data(db: Session, viewer: Adviser) -> dict[str, Any]:
    """Return the queue and the viewer's open cases, for the page and the poll.

    Three lists: the people waiting in the chat now (never paged: each of them sees
    "je bent nummer ..." in the widget), the other waiting cases grouped by urgency,
    and the open cases; the last two paged (``?pagina=``, ``?open=``).
    """
    now = clock()
    labels = state().labels
    rows = [present_row(c, viewer, labels, now) for c in service.visible_cases(db, viewer=viewer)]
    due = service.follow_ups_due(db, viewer=viewer, on=now.today)
    online = service.advisers_online(
        db, within=timedelta(seconds=state().settings.handoff.presence_seconds)
    )
    unclaimed = [r for r in rows if not r["adviser"]]
    waiting, waiting_page = one_page([r for r in unclaimed if not r["live"]], "pagina")
    open_rows, open_page = one_page([r for r in rows if r["adviser"]], "open")
    return {
        "in_chat": [r for r in unclaimed if r["live"]],
        "waiting": waiting,
        "waiting_page": waiting_page,
        "open": open_rows,
        "open_page": open_page,
        "follow_ups_due": len(due),
        "online": online,
        "updated": now.time(now.now),
        "engine_ok": engine_up(),
    }


@blueprint.errorhandler(service.CaseError)
def case_error(error: service.CaseError) -> ResponseReturnValue:
    """Refuse a change the case no longer allows (it changed meanwhile): say so, go back."""
    logger.info("refused change: %s", error)
    flash(message("not_possible"), "error")
    reference = (request.view_args or {}).get("reference")
    if reference:
        return back_to(str(reference))
    return redirect(url_for("console.queue"), code=303)


@blueprint.errorhandler(service.NotAllowedError)
def not_allowed(error: service.NotAllowedError) -> ResponseReturnValue:
    """Answer 403 when the service refuses the viewer."""
    logger.warning("refused: %s", error)
    return http_error(Forbidden())


# --- login and logout ------------------------------------------------------------------


@blueprint.get("/login")
def login() -> ResponseReturnValue:
    """Show the login form."""
    return render_template("login.html", next=local_path(request.args.get("next")) or "")


@blueprint.post("/login")
def login_submit() -> ResponseReturnValue:
    """Check the password, the first step of a login; the same answer for every failure.

    A right password logs in only an account that has no second factor and needs
    none; otherwise the session goes half logged in to the code step (or to the
    set-up of the second factor), which opens no other page.

    Two checks come before the password: the rate of attempts from the address, and
    the growing wait after failures of this username from this address or of any
    username from it (:class:`bot.console.throttle.LoginThrottle`). Both answer 429
    with ``Retry-After``; neither tells whether the account exists.
    """
    console = state()
    address = request.remote_addr or "unknown"
    username = request.form.get("username", "")[:200]
    name = accounts.normalise_username(username)[:64]
    now = console.clock()
    wait: float | None = console.login_limits.retry_after(
        conversation=None, address=f"login:{address}"
    )
    delay = console.throttle.wait(username=name, address=address, now=now.timestamp())
    if delay > 0:
        wait = max(wait or 0, delay)
    next_path = local_path(request.form.get("next")) or ""
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        logger.warning("login throttled for %s (%d s)", address, seconds)
        page = render_template(
            "login.html", next=next_path, error=message("login_throttled", seconds=seconds)
        )
        return page, 429, {"Retry-After": str(seconds)}
    password = request.form.get("password", "")
    target = ""
    with console.database.session_scope() as db:
        result = accounts.authenticate(
            db,
            username=username,
            password=password,
            passwords=console.passwords,
            console=console.settings.console,
            now=now,
        )
        adviser = result.adviser
        # The right password alone opens nothing where a second factor is set up or
        # required: the session only names the next step (the code, or its set-up).
        if adviser is not None and adviser.has_second_factor:
            start_pending(adviser, step=STEP_CODE, next_path=next_path)
            target = url_for("console.login_code")
        elif adviser is not None and second_factor.required(adviser, console.settings.console):
            start_pending(adviser, step=STEP_SET_UP, next_path=next_path)
            target = url_for("console.second_factor_page")
        elif adviser is not None:
            start_session(adviser, factor=False)
            note_presence(db, adviser)
            target = safe_next(next_path)
    if result.adviser is None:
        waits = console.throttle.failed(username=name, address=address, now=now.timestamp())
        logger.info("login refused from %s: %s", address, result.reason)
        if waits > 0:
            audit.warning("failed logins from %s: it waits %d s", address, math.ceil(waits))
        page = render_template("login.html", next=next_path, error=message("login_failed"))
        return page, 401
    console.throttle.succeeded(username=name, address=address)
    logger.info("password of %s accepted from %s", result.adviser.username, address)
    return redirect(target, code=303)


def code_wait(username: str, address: str) -> float | None:
    """Return how long this address must wait before it may try a code, else ``None``.

    Like the password: a rate of attempts per address (apart from the passwords'),
    and growing waits after wrong codes per username and address and per address.
    """
    console = state()
    wait: float | None = console.login_limits.retry_after(
        conversation=None, address=f"code:{address}"
    )
    delay = console.code_throttle.wait(
        username=username, address=address, now=console.clock().timestamp()
    )
    if delay > 0:
        wait = max(wait or 0, delay)
    return wait


def login_again() -> ResponseReturnValue:
    """Start over: the half-logged-in state is gone (too old, logged out, account reset)."""
    session.pop(PENDING, None)
    flash(message("login_again"), "warning")
    return redirect(url_for("console.login"), code=303)


@blueprint.get("/login/code")
def login_code() -> ResponseReturnValue:
    """Show the second step of a login: the code of the app (or a recovery code)."""
    if pending_login(STEP_CODE) is None:
        return login_again() if g.get("session_expired") else redirect(url_for("console.login"))
    return render_template("code.html")


@blueprint.post("/login/code")
def login_code_submit() -> ResponseReturnValue:
    """Check the code; throttled like the password, the same answer for every failure."""
    console = state()
    address = request.remote_addr or "unknown"
    pending = pending_login(STEP_CODE)
    if pending is None:
        return login_again()
    code = request.form.get("code", "")
    now = console.clock()
    with console.database.session_scope() as db:
        adviser = load_pending(db, pending)
        if adviser is None:
            return login_again()
        name = adviser.username
        wait = code_wait(name, address)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            logger.warning("second factor throttled for %s (%d s)", address, seconds)
            page = render_template("code.html", error=message("code_throttled", seconds=seconds))
            return page, 429, {"Retry-After": str(seconds)}
        result = second_factor.check(
            db,
            adviser,
            code,
            box=console.box,
            passwords=console.passwords,
            console=console.settings.console,
            now=now,
        )
        if result.ok:
            start_session(adviser, factor=True)
            note_presence(db, adviser)
    if not result.ok:
        waits = console.code_throttle.failed(username=name, address=address, now=now.timestamp())
        logger.info("second factor of %s refused from %s: %s", name, address, result.reason)
        if waits > 0:
            audit.warning(
                "wrong codes for %s from %s: it waits %d s", name, address, math.ceil(waits)
            )
        return render_template("code.html", error=message("code_failed")), 401
    console.code_throttle.succeeded(username=name, address=address)
    logger.info("login of %s from %s (%s)", name, address, result.reason)
    if result.recovery_used:
        audit.warning("recovery code of %s used (%d left)", name, result.recovery_left)
        flash(message("recovery_code_used", left=result.recovery_left), "warning")
        if result.recovery_left <= 2:
            flash(message("recovery_codes_low"), "warning")
    return redirect(safe_next(pending.get("next")), code=303)


# --- setting up the second factor ------------------------------------------------------


def set_up_account(db: Session) -> tuple[Adviser | None, dict[str, Any] | None]:
    """Return the account on the set-up page and the half-logged-in state, if any.

    Either a full session (an adviser who may choose, or who looks at the status) or
    the half-logged-in state of an account that must set up a second factor first.
    """
    uid = current_adviser_id(activity=True)
    if uid is not None:
        viewer = load_adviser(db, uid)
        if viewer is not None:
            return viewer, None
    pending = pending_login(STEP_SET_UP)
    if pending is not None:
        adviser = load_pending(db, pending)
        if adviser is not None:
            return adviser, pending
    return None, None


def render_set_up(db: Session, adviser: Adviser, *, full: bool, error: str | None = None) -> str:
    """Render the set-up page with the pending secret (as text and as a URI)."""
    console = state()
    secret = second_factor.pending_secret(db, adviser, console.box)
    return render_template(
        "second_factor.html",
        viewer=adviser if full else None,
        enrolled=False,
        required=second_factor.required(adviser, console.settings.console),
        username=adviser.username,
        secret=second_factor.grouped(secret),
        uri=second_factor.provisioning_uri(secret, adviser.username),
        step_seconds=second_factor.STEP_SECONDS,
        error=error,
    )


@blueprint.get("/tweestaps")
def second_factor_page() -> ResponseReturnValue:
    """Set up the second factor (after the password, or by choice), or see its status."""
    with state().database.session_scope() as db:
        adviser, pending = set_up_account(db)
        if adviser is None:
            if g.get("session_expired"):
                return login_again()
            return redirect(url_for("console.login", next=request.path))
        if adviser.has_second_factor:
            if pending is not None:  # set up meanwhile, in another tab: log in with it
                return login_again()
            left = second_factor.recovery_left(db, adviser)
            return render_template(
                "second_factor.html", viewer=adviser, enrolled=True, recovery_left=left
            )
        return render_set_up(db, adviser, full=pending is None)


@blueprint.post("/tweestaps")
def second_factor_confirm() -> ResponseReturnValue:
    """Confirm the set-up with a code; then show the recovery codes, once."""
    console = state()
    address = request.remote_addr or "unknown"
    now = console.clock()
    with console.database.session_scope() as db:
        adviser, pending = set_up_account(db)
        if adviser is None:
            return login_again()
        if adviser.has_second_factor:
            return redirect(url_for("console.second_factor_page"), code=303)
        name, full = adviser.username, pending is None
        wait = code_wait(name, address)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            logger.warning("second factor set-up throttled for %s (%d s)", address, seconds)
            error = message("code_throttled", seconds=seconds)
            page = render_set_up(db, adviser, full=full, error=error)
            return page, 429, {"Retry-After": str(seconds)}
        result = second_factor.confirm(
            db,
            adviser,
            request.form.get("code", ""),
            box=console.box,
            passwords=console.passwords,
            console=console.settings.console,
            now=now,
        )
        if result.ok:
            if pending is None:
                session["factor"] = True  # this session passed it; others without end
                next_url = url_for("console.queue")
            else:
                start_session(adviser, factor=True)
                note_presence(db, adviser)
                next_url = safe_next(pending.get("next"))
            audit.warning("second factor of %s set up", name)
            return render_template(
                "recovery_codes.html",
                viewer=adviser,
                codes=result.recovery_codes,
                next_url=next_url,
            )
        page = render_set_up(db, adviser, full=full, error=message("set_up_failed"))
    console.code_throttle.failed(username=name, address=address, now=now.timestamp())
    logger.info("second factor set-up of %s refused from %s: %s", name, address, result.reason)
    return page, 400


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out: this and every other session of the adviser ends."""
    uid = session.get("uid")
    if isinstance(uid, int):
        with state().database.session_scope() as db:
            adviser = db.get(Adviser, uid)
            if adviser is not None and session.get("epoch") == adviser.session_epoch:
                accounts.end_sessions(adviser)
                adviser.last_seen_at = None
    session.clear()
    flash(message("logged_out"), "success")
    return redirect(url_for("console.login"), code=303)


# --- pages -------------------------------------------------------------------------------


@blueprint.get("/")
@login_required()
def queue() -> ResponseReturnValue:
    """Show the waiting queue and the open cases."""
    with state().database.session_scope() as db:
        viewer = me(db)
        data = queue_data(db, viewer)
        return render_template("queue.html", viewer=viewer, **data)


@blueprint.get("/api/queue")
@login_required(poll=True)
def queue_poll() -> ResponseReturnValue:
    """Return the queue as JSON, for the page's poll."""
    with state().database.session_scope() as db:
        return jsonify(queue_data(db, me(db)))


@blueprint.get("/opvolging")
@login_required()
def follow_ups() -> ResponseReturnValue:
    """Show the cases whose follow-up date is today or has passed."""
    with state().database.session_scope() as db:
        viewer = me(db)
        now = clock()
        rows = [
            present_row(c, viewer, state().labels, now)
            for c in service.follow_ups_due(db, viewer=viewer, on=now.today)
        ]
        return render_template(
            "follow_ups.html", viewer=viewer, rows=rows, today=now.day(now.today)
        )


def render_case(
    reference: str,
    *,
    reply_text: str = "",
    contact: Contact | None = None,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """Render the case page (also after a failed reply, with the text kept)."""
    console = state()
    labels = console.labels
    now = clock()
    with console.database.session_scope() as db:
        viewer = me(db)
        case = load_case(db, reference, viewer)
        who = names(db)
        events = [present_event(e, labels, who, now) for e in case.events]
        can = abilities(case, viewer)
        advisers = service.active_advisers(db) if can.reassign else []
        page = render_template(
            "case.html",
            viewer=viewer,
            case=case,
            row=present_row(case, viewer, labels, now),
            can=can,
            # "Meld je opnieuw in de chat" only after the chat did not hear it
            announce_again=can.announce and announcement_failed(case.reference),
            engine_ok=engine_up(),
            labels=labels,
            events=events,
            messages=[e for e in events if e["kind"] == EventKind.MESSAGE.value],
            transcript=[
                {**line, "who_label": labels.label("who", line.get("who", "user"))}
                for line in case.transcript or []
            ],
            questions=[q for q in (case.summary or "").splitlines() if q.strip()],
            resources=resource_titles(case.recommended_resources or [], catalogue()),
            has_contact=service.has_contact(db, case=case),
            contact=contact,
            contact_label=labels.label("contact_kind", contact.kind) if contact else "",
            outcomes=[(o, labels.label("outcome", o)) for o in service.OUTCOMES],
            statuses=[(s, labels.label("status", s)) for s in can.statuses],
            advisers=advisers,
            follow_up_on=case.follow_up_on.isoformat() if case.follow_up_on else "",
            follow_up_label=now.day(case.follow_up_on),
            closed_label=now.time(case.closed_at),
            today=now.today.isoformat(),
            reply_text=reply_text,
            error=error,
            last_event=events[-1]["id"] if events else 0,
            state_key=case_state(case),
            max_reply=MAX_REPLY,
            max_note=MAX_NOTE,
        )
    return page, status


def case_state(case: Case) -> str:
    """Return a short key of what the page's controls depend on (the poll compares it)."""
    return f"{case.status}|{int(bool(case.live))}|{case.assigned_adviser_id or 0}"


@blueprint.get("/zaken/<reference>")
@login_required()
def case_page(reference: str) -> ResponseReturnValue:
    """One case: the warm-handoff summary, the conversation, the audit trail, the controls."""
    return render_case(reference)


@blueprint.get("/api/zaken/<reference>/events")
@login_required(poll=True)
def case_poll(reference: str) -> ResponseReturnValue:
    """Return the case's audit-trail entries after ``?after=<id>`` and its state, as JSON."""
    try:
        after = min(MAX_ID, max(0, int(request.args.get("after", "0")[:20])))
    except ValueError:
        return jsonify({"error": "after must be a number"}), 400
    labels, now = state().labels, clock()
    with state().database.session_scope() as db:
        viewer = me(db)
        case = load_case(db, reference, viewer)
        who = names(db)
        events = [
            present_event(e, labels, who, now)
            for e in service.events_after(db, case=case, after=after)
        ]
        return jsonify(
            {
                "events": events,
                "status": case.status,
                "status_label": labels.label("status", case.status),
                "live": bool(case.live),
                "state": case_state(case),
                "engine_ok": engine_up(),
            }
        )


# --- actions on a case ------------------------------------------------------------------


@blueprint.post("/zaken/<reference>/oppakken")
@login_required()
def claim(reference: str) -> ResponseReturnValue:
    """Take a waiting case; a live conversation hears that the adviser is there."""
    with state().database.session_scope() as db:
        viewer = me(db)
        case = load_case(db, reference, viewer)
        if not abilities(case, viewer).claim:
            flash(message("not_claimable"), "error")
            return back_to(reference)
        try:
            service.claim(db, case=case, adviser=viewer)
        except service.CaseError:
            flash(message("already_claimed"), "error")
            return redirect(url_for("console.queue"), code=303)
        live, conversation = bool(case.live), case.conversation_id
    # Committed: the engine's action reads the adviser's name from the case log.
    if live:
        try:
            state().engine.adviser_joined(conversation)
        except EngineError as exc:
            note_announcement(reference, delivered=False)
            flash(message("announce_failed", error=engine_problem(exc)), "error")
            return back_to(reference)
        note_announcement(reference, delivered=True)
        flash(message("claimed_live"), "success")
    else:
        flash(message("claimed"), "success")
    return back_to(reference)


@blueprint.post("/zaken/<reference>/melden")
@login_required()
def announce(reference: str) -> ResponseReturnValue:
    """Tell the professional again that the adviser is there (after a failed attempt)."""
    with state().database.session_scope() as db:
        viewer = me(db)
        case = load_case(db, reference, viewer)
        if not abilities(case, viewer).announce:
            abort(403)
        conversation = case.conversation_id
    try:
        state().engine.adviser_joined(conversation)
    except EngineError as exc:
        note_announcement(reference, delivered=False)
        flash(message("announce_failed", error=engine_problem(exc)), "error")
    else:
        note_announcement(reference, delivered=True)
        flash(message("announced"), "success")
    return back_to(reference)


@blueprint.post("/zaken/<reference>/antwoord")
@login_required()
def reply(reference: str) -> ResponseReturnValue:
    """Send a message to the professional in the live conversation (engine first, then log)."""
    text = request.form.get("text", "").strip()
    if not text:
        flash(message("reply_empty"), "error")
        return back_to(reference, "#antwoord")
    if len(text) > MAX_REPLY:
        return render_case(
            reference,
            reply_text=text,
            error=message("reply_too_long", max=MAX_REPLY),
            status=400,
        )
    with state().database.session_scope() as db:
        viewer = me(db)
        case = load_case(db, reference, viewer)
        can = abilities(case, viewer)
        if not can.reply:
            if case.assigned_adviser_id == viewer.id:
                return render_case(
                    reference, reply_text=text, error=message("reply_not_live"), status=409
                )
            abort(403)
        conversation, name, case_id = case.conversation_id, viewer.display_name, case.id
    try:
        state().engine.send_adviser_message(conversation, text=text, name=name)
    except EngineError as exc:
        return render_case(
            reference,
            reply_text=text,
            error=message("reply_failed", error=engine_problem(exc)),
            status=502,
        )
    try:
        with state().database.session_scope() as db:
            sent = db.get(Case, case_id)
            assert sent is not None
            service.add_message(db, case=sent, adviser=me(db), text=text)
    except Exception:  # delivered but not logged: say so, never hide it
        logger.exception("adviser message in case %s was sent but not logged", reference)
        flash(message("reply_not_logged"), "error")
    return back_to(reference, "#antwoord")


@blueprint.post("/zaken/<reference>/notitie")
@login_required()
def note(reference: str) -> ResponseReturnValue:
    """Add an internal note (never shown to the professional)."""
    text = request.form.get("text", "").strip()
    if not text:
        flash(message("note_empty"), "error")
        return back_to(reference, "#notitie")
    if len(text) > MAX_NOTE:
        flash(message("note_too_long", max=MAX_NOTE), "error")
        return back_to(reference, "#notitie")
    with state().database.session_scope() as db:
        viewer = me(db)
        case = load_case(db, reference, viewer)
        if not abilities(case, viewer).note:
            flash(message("case_closed"), "error")
            return back_to(reference)
        service.add_note(db, case=case, adviser=viewer, text=text)
    flash(message("note_saved"), "success")
    return back_to(reference, "#logboek")


@blueprint.post("/zaken/<reference>/opvolging")
@login_required()
def follow_up(reference: str) -> ResponseReturnValue:
    """Plan a follow-up date (the case moves to 'follow-up')."""
    try:
        on = date.fromisoformat(request.form.get("on", ""))
    except ValueError:
        on = None
    today = clock().today
    if on is None or on < today or on.year > today.year + 5:
        flash(message("follow_up_invalid"), "error")
        return back_to(reference, "#opvolgen")
    with state().database.session_scope() as db:
        viewer = me(db)
        case = load_case(db, reference, viewer)
        if not abilities(case, viewer).follow_up:
            flash(message("not_allowed"), "error")
            return back_to(reference)
        service.set_follow_up(db, case=case, adviser=viewer, on=on)
    flash(message("follow_up_set", date=clock().day(on)), "success")
    return back_to(reference)


@blueprint.post("/zaken/<reference>/status")
@login_required()
def change_status(reference: str) -> ResponseReturnValue:
    """Move the case to another status, where the transitions allow it."""
    labels = state().labels
    wanted = request.form.get("status", "")
    with state().database.session_scope() as db:
        viewer = me(db)
        case = load_case(db, reference, viewer)
        can = abilities(case, viewer)
        if not can.owner:
            abort(403)
        if wanted not in can.statuses:
            flash(
                message(
                    "status_not_allowed",
                    old=labels.label("status", case.status),
                    new=labels.label("status", wanted),
                ),
                "error",
            )
            return back_to(reference)
        service.change_status(db, case=case, adviser=viewer, to=CaseStatus(wanted))
    flash(message("status_changed", status=labels.label("status", wanted)), "success")
    return back_to(reference)


@blueprint.post("/zaken/<reference>/teruggeven")
@login_required()
def hand_back(reference: str) -> ResponseReturnValue:
    """Hand the live conversation back to the bot (engine first, then the case log)."""
    with state().database.session_scope() as db:
        viewer = me(db)
        case = load_case(db, reference, viewer)
        if not abilities(case, viewer).hand_back:
            if not case.live:
                flash(message("reply_not_live"), "error")
                return back_to(reference)
            abort(403)
        conversation, case_id = case.conversation_id, case.id
    try:
        state().engine.hand_back(conversation)
    except EngineError as exc:
        flash(message("hand_back_failed", error=engine_problem(exc)), "error")
        return back_to(reference)
    with state().database.session_scope() as db:
        handed = db.get(Case, case_id)
        assert handed is not None
        service.hand_back(db, case=handed, adviser=me(db))
    flash(message("handed_back"), "success")
    return back_to(reference)


@blueprint.post("/zaken/<reference>/afsluiten")
@login_required()
def close(reference: str) -> ResponseReturnValue:
    """Close with an outcome and a note; a live conversation is handed back first."""
    outcome = request.form.get("outcome", "")
    note_text = request.form.get("note", "").strip()
    if outcome not in service.OUTCOMES:
        flash(message("outcome_missing"), "error")
        return back_to(reference, "#afsluiten")
    if len(note_text) > MAX_NOTE:
        flash(message("note_too_long", max=MAX_NOTE), "error")
        return back_to(reference, "#afsluiten")
    with state().database.session_scope() as db:
        viewer = me(db)
        case = load_case(db, reference, viewer)
        if not abilities(case, viewer).close:
            if not case.is_open:
                flash(message("case_closed"), "error")
                return back_to(reference)
            abort(403)
        live, conversation, case_id = bool(case.live), case.conversation_id, case.id
    if live:
        try:
            state().engine.hand_back(conversation)
        except EngineError as exc:
            flash(message("close_failed", error=engine_problem(exc)), "error")
            return back_to(reference)
    with state().database.session_scope() as db:
        viewer = me(db)
        closing = db.get(Case, case_id)
        assert closing is not None
        if closing.live:
            service.hand_back(db, case=closing, adviser=viewer)
        service.close(db, case=closing, adviser=viewer, outcome=outcome, note=note_text or None)
    flash(message("closed"), "success")
    return redirect(url_for("console.queue"), code=303)


@blueprint.post("/zaken/<reference>/overdragen")
@login_required()
def reassign(reference: str) -> ResponseReturnValue:
    """Give the case to another adviser (coordinators); a live chat hears who is there now."""
    try:
        target_id = int(request.form.get("adviser", "")[:20])
    except ValueError:
        target_id = 0
    if not 0 < target_id <= MAX_ID:
        target_id = 0
    with state().database.session_scope() as db:
        viewer = me(db)
        case = load_case(db, reference, viewer)
        if not viewer.is_coordinator:
            abort(403)
        target = db.get(Adviser, target_id) if target_id else None
        if target is None or not target.active or not case.is_open:
            flash(message("reassign_invalid"), "error")
            return back_to(reference, "#overdragen")
        changed = case.assigned_adviser_id != target.id
        service.reassign(db, case=case, to=target, by=viewer)
        live, conversation, target_name = bool(case.live), case.conversation_id, target.display_name
    flash(message("reassigned", name=target_name), "success")
    if live and changed:
        try:
            state().engine.adviser_joined(conversation)
        except EngineError as exc:
            flash(message("announce_failed", error=engine_problem(exc)), "error")
    return back_to(reference)


@blueprint.post("/zaken/<reference>/contact")
@login_required()
def contact(reference: str) -> ResponseReturnValue:
    """Decrypt and show the call-back contact (assigned adviser and coordinators; logged)."""
    console = state()
    with console.database.session_scope() as db:
        viewer = me(db)
        case = load_case(db, reference, viewer)
        if not abilities(case, viewer).contact:
            abort(403)
        if console.cipher is None:
            flash(message("contact_unreadable"), "error")
            return back_to(reference)
        try:
            found = service.reveal_contact(db, case=case, viewer=viewer, cipher=console.cipher)
        except ContactError:
            logger.exception("contact of case %s cannot be decrypted", reference)
            flash(message("contact_unreadable"), "error")
            return back_to(reference)
    if found is None:
        flash(message("no_contact"), "error")
        return back_to(reference)
    return render_case(reference, contact=found)


# --- accounts (coordinators) ---------------------------------------------------------------


def coordinator(db: Session) -> Adviser:
    """Return the logged-in adviser if a coordinator; 403 otherwise."""
    viewer = me(db)
    if not viewer.is_coordinator:
        logger.warning("adviser %s refused the accounts page", viewer.username)
        abort(403)
    return viewer


@blueprint.get("/beheer")
@login_required()
def account_list() -> ResponseReturnValue:
    """Coordinators: every account, with failed logins and waits, and what can be done."""
    labels, now = state().labels, clock()
    with state().database.session_scope() as db:
        viewer = coordinator(db)
        rows = [
            {
                "id": a.id,
                "username": a.username,
                "name": a.display_name,
                "role": labels.label("role", a.role),
                "active": a.active,
                "failures": (a.failed_logins or 0) + (a.failed_codes or 0),
                "waiting_until": now.time(a.locked_until)
                if a.locked_until is not None and a.locked_until > now.now
                else "",
                "second_factor": a.has_second_factor,
                "can_reset": a.totp_secret is not None and a.id != viewer.id,
            }
            for a in db.scalars(select(Adviser).order_by(Adviser.username)).all()
        ]
        return render_template("accounts.html", viewer=viewer, rows=rows)


@blueprint.post("/beheer/<int:adviser_id>/ontgrendelen")
@login_required()
def unlock(adviser_id: int) -> ResponseReturnValue:
    """Coordinators: end an account's wait after failed logins (logged)."""
    with state().database.session_scope() as db:
        viewer = coordinator(db)
        target = db.get(Adviser, adviser_id) if 0 < adviser_id <= MAX_ID else None
        if target is None:
            abort(404)
        had = accounts.unlock_account(db, adviser=target)
        username, name, by = target.username, target.display_name, viewer.username
    cleared = state().throttle.forget_user(username) + state().code_throttle.forget_user(username)
    audit.warning(
        "account %s unlocked by %s (failed logins: %s, addresses waiting: %d)",
        username,
        by,
        "yes" if had else "none",
        cleared,
    )
    flash(message("account_unlocked", name=name), "success")
    return redirect(url_for("console.account_list"), code=303)


@blueprint.post("/beheer/<int:adviser_id>/tweestaps-resetten")
@login_required()
def reset_second_factor(adviser_id: int) -> ResponseReturnValue:
    """Coordinators: remove another account's second factor (a lost phone; logged).

    Its sessions end; at the next login it sets up a new one (where one is required).
    """
    with state().database.session_scope() as db:
        viewer = coordinator(db)
        target = db.get(Adviser, adviser_id) if 0 < adviser_id <= MAX_ID else None
        if target is None:
            abort(404)
        if target.id == viewer.id:
            flash(message("second_factor_reset_self"), "error")
            return redirect(url_for("console.account_list"), code=303)
        had = second_factor.reset(db, target)
        username, name, by = target.username, target.display_name, viewer.username
    state().code_throttle.forget_user(username)
    audit.warning(
        "second factor of %s reset by %s (it had one: %s)", username, by, "yes" if had else "no"
    )
    flash(message("second_factor_reset", name=name), "success")
    return redirect(url_for("console.account_list"), code=303)


# --- the adviser's own password ----------------------------------------------------------


@blueprint.get("/wachtwoord")
@login_required()
def change_password() -> ResponseReturnValue:
    """Show the form to change one's own password."""
    with state().database.session_scope() as db:
        return render_template("password.html", viewer=me(db), min_length=accounts.MIN_PASSWORD)


@blueprint.post("/wachtwoord")
@login_required()
def change_password_submit() -> ResponseReturnValue:
    """Change one's own password: the current one first; every other session ends."""
    console = state()
    current = request.form.get("current", "")[: accounts.MAX_PASSWORD + 1]
    new, repeat = request.form.get("new", ""), request.form.get("repeat", "")
    address = request.remote_addr or "unknown"
    with console.database.session_scope() as db:
        viewer = me(db)
        error = None
        if not console.passwords.verify(viewer.password_hash, current):
            console.throttle.failed(
                username=viewer.username, address=address, now=console.clock().timestamp()
            )
            error = message("password_wrong")
        elif new != repeat:
            error = message("password_differs")
        elif new == current:
            error = message("password_same")
        else:
            try:
                accounts.change_password(
                    db, adviser=viewer, password=new, passwords=console.passwords
                )
            except accounts.WeakPasswordError as exc:
                error = message(exc.reason, min=accounts.MIN_PASSWORD)
        if error is not None:
            page = render_template(
                "password.html", viewer=viewer, min_length=accounts.MIN_PASSWORD, error=error
            )
            return page, 400
        # This session goes on with the new session number (and its second factor).
        start_session(viewer, factor=session.get("factor") is True)
        audit.warning("password of %s changed by themselves", viewer.username)
    flash(message("password_changed"), "success")
    return redirect(url_for("console.queue"), code=303)
