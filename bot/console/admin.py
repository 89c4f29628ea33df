"""Create or reset an adviser account from the command line (``make adviser``).

    python -m bot.console.admin add anna --name "Anna de Vries" --role coordinator
    python -m bot.console.admin list
    python -m bot.console.admin disable anna
    python -m bot.console.admin unlock anna
    python -m bot.console.admin reset-factor anna

``add`` asks for the password twice (nothing is echoed); scripts give it in the
environment variable ``ADVISER_PASSWORD`` instead. An existing account is reset:
new name, role and password, unlocked, enabled, and logged out everywhere; its
second factor stays. ``reset-factor`` removes the second factor (a lost phone): the
account is logged out everywhere and sets up a new one at its next login.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.caselog.models import Adviser, Role
from bot.console.accounts import (
    MIN_PASSWORD,
    AccountError,
    Passwords,
    check_password,
    disable_account,
    find_adviser,
    normalise_username,
    set_account,
    unlock_account,
)
from bot.console.second_factor import reset as reset_second_factor
from bot.db import Database, migrate
from bot.settings import ADVISER_PASSWORD_VARIABLE, SettingsError, adviser_password, load_settings

audit = logging.getLogger("bot.console.audit")


class AdminError(Exception):
    """A command cannot be carried out; the message says why."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.console.admin", description="Adviser accounts of the console."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create an account, or reset an existing one")
    add.add_argument("username", help="login name (letters a-z, digits, '.', '_', '-')")
    add.add_argument("--name", required=True, help="display name, shown to the professional")
    add.add_argument(
        "--role",
        choices=[r.value for r in Role],
        default=Role.ADVISER.value,
        help="adviser (the queue and own cases) or coordinator (everything, reassigns)",
    )
    commands.add_parser("list", help="list the accounts")
    disable = commands.add_parser("disable", help="disable an account")
    disable.add_argument("username")
    unlock = commands.add_parser("unlock", help="end an account's wait after failed logins")
    unlock.add_argument("username")
    reset_factor = commands.add_parser(
        "reset-factor",
        help="remove an account's second factor (a lost phone); it sets up a new one at login",
    )
    reset_factor.add_argument("username")
    return parser


def ask_password(prompt: Callable[[str], str] = getpass.getpass) -> str:
    """Ask for a new password twice (not echoed)."""
    first = prompt(f"New password (at least {MIN_PASSWORD} characters): ")
    check_password(first)
    if prompt("Repeat the password: ") != first:
        raise AdminError("the passwords differ; nothing was changed")
    return first


def run(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    prompt: Callable[[str], str] = getpass.getpass,
    passwords: Passwords | None = None,
) -> str:
    """Carry out one command and return what to print; raise :class:`AdminError`."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(environ=environ)
    except SettingsError as exc:
        raise AdminError(str(exc)) from exc
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    try:
        database = Database(settings.database_url)  # creates the folder of a SQLite file
        migrate(settings.database_url)
    except (SQLAlchemyError, OSError, ValueError) as exc:
        raise AdminError(f"the database at {shown} cannot be used: {exc}") from exc
    try:
        with database.session_scope() as db:
            if args.command == "list":
                rows = db.scalars(select(Adviser).order_by(Adviser.username)).all()
                return (
                    "\n".join(
                        f"{a.username}\t{a.display_name}\t{a.role}\t"
                        f"{'active' if a.active else 'disabled'}"
                        for a in rows
                    )
                    or "no accounts yet"
                )
            if args.command == "disable":
                adviser = disable_account(db, username=args.username)
                return f"disabled {adviser.username}"
            if args.command == "unlock":
                found = find_adviser(db, args.username)
                if found is None:
                    raise AdminError(f"no adviser '{normalise_username(args.username)}'")
                unlock_account(db, adviser=found)
                audit.warning("account %s unlocked from the command line", found.username)
                return f"unlocked {found.username}"
            if args.command == "reset-factor":
                found = find_adviser(db, args.username)
                if found is None:
                    raise AdminError(f"no adviser '{normalise_username(args.username)}'")
                had = reset_second_factor(db, found)
                audit.warning(
                    "second factor of %s reset from the command line (it had one: %s)",
                    found.username,
                    "yes" if had else "no",
                )
                if not had:
                    return f"{found.username} had no second factor; nothing to reset"
                return (
                    f"second factor of {found.username} removed; logged out everywhere, "
                    "a new one is set up at the next login"
                )
            given = adviser_password(environ)
            if given is not None:
                check_password(given)
                password = given
            elif not sys.stdin.isatty() and prompt is getpass.getpass:
                raise AdminError(
                    f"no terminal to ask for the password: set {ADVISER_PASSWORD_VARIABLE}"
                )
            else:
                password = ask_password(prompt)
            adviser, created = set_account(
                db,
                username=args.username,
                display_name=args.name,
                role=Role(args.role),
                password=password,
                passwords=passwords or Passwords(),
            )
            verb = "created" if created else "reset"
            return f"{verb} {adviser.role} '{adviser.username}' ({adviser.display_name})"
    except AccountError as exc:
        raise AdminError(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise AdminError(f"database error: {exc}") from exc
    finally:
        database.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    try:
        print(run(argv))
    except AdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print("\ncancelled; nothing was changed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
