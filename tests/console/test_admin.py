"""``make adviser``: create, reset, list and disable accounts from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.console.accounts import Passwords, authenticate, find_adviser
from bot.console.admin import AdminError, main, run
from bot.db import Database
from bot.settings import Settings

NEW = "een lang nieuw wachtwoord"


@pytest.fixture
def environ(settings: Settings, database: Database, tmp_path: Path) -> dict[str, str]:
    return {"ADVIESLIJN_VAR": str(tmp_path / "var"), "DATABASE_URL": settings.database_url}


def answers(*typed: str) -> Iterator[str]:
    return iter(typed)


def test_add_creates_an_account_with_the_password_from_the_environment(
    environ: dict[str, str], database: Database, passwords: Passwords, settings: Settings
) -> None:
    out = run(
        ["add", "Anna", "--name", "Anna  de Vries", "--role", "coordinator"],
        environ={**environ, "ADVISER_PASSWORD": NEW},
        passwords=passwords,
    )
    assert out == "created coordinator 'anna' (Anna de Vries)"
    with database.session_scope() as db:
        adviser = find_adviser(db, "anna")
        assert adviser is not None and adviser.is_coordinator
        assert adviser.password_hash.startswith("$argon2id$")
        assert NEW not in adviser.password_hash
        ok = authenticate(
            db, username="anna", password=NEW, passwords=passwords, console=settings.console
        )
        assert ok.adviser is not None


def test_add_asks_twice_for_the_password_and_resets_an_existing_account(
    environ: dict[str, str], database: Database, passwords: Passwords, settings: Settings
) -> None:
    typed = answers(NEW, NEW)
    run(
        ["add", "bram", "--name", "Bram"],
        environ=environ,
        prompt=lambda _: next(typed),
        passwords=passwords,
    )
    with database.session_scope() as db:
        adviser = find_adviser(db, "bram")
        assert adviser is not None
        adviser.failed_logins, epoch = 4, adviser.session_epoch
        adviser.locked_until = adviser.created_at.replace(year=2999)
    typed = answers("nog een ander wachtwoord", "nog een ander wachtwoord")
    out = run(
        ["add", "bram", "--name", "Bram B.", "--role", "adviser"],
        environ=environ,
        prompt=lambda _: next(typed),
        passwords=passwords,
    )
    assert out == "reset adviser 'bram' (Bram B.)"
    with database.session_scope() as db:
        adviser = find_adviser(db, "bram")
        assert adviser is not None
        assert adviser.locked_until is None and adviser.failed_logins == 0
        assert adviser.session_epoch == epoch + 1  # old sessions end
        assert authenticate(
            db,
            username="bram",
            password="nog een ander wachtwoord",
            passwords=passwords,
            console=settings.console,
        ).adviser


@pytest.mark.parametrize(
    ("argv", "typed", "error"),
    [
        (["add", "x", "--name", "X"], (NEW, NEW), "a username has 2 to 64 characters"),
        (["add", "an na", "--name", "X"], (NEW, NEW), "a username has"),
        (["add", "anna", "--name", "  "], (NEW, NEW), "a display name has 1 to 80"),
        (["add", "anna", "--name", "Anna"], ("kort", "kort"), "at least 12 characters"),
        (["add", "anna", "--name", "Anna"], (NEW, NEW + "!"), "the passwords differ"),
        (["disable", "nobody"], (), "no adviser 'nobody'"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(
    argv: list[str],
    typed: tuple[str, ...],
    error: str,
    environ: dict[str, str],
    database: Database,
    passwords: Passwords,
) -> None:
    given = answers(*typed)
    with pytest.raises(AdminError, match=error):
        run(argv, environ=environ, prompt=lambda _: next(given), passwords=passwords)
    assert run(["list"], environ=environ) == "no accounts yet"


def test_a_short_password_from_the_environment_is_refused(
    environ: dict[str, str], passwords: Passwords
) -> None:
    with pytest.raises(AdminError, match="at least 12"):
        run(
            ["add", "anna", "--name", "Anna"],
            environ={**environ, "ADVISER_PASSWORD": "kort"},
            passwords=passwords,
        )


def test_list_and_disable(
    environ: dict[str, str], passwords: Passwords, settings: Settings, database: Database
) -> None:
    run(
        ["add", "anna", "--name", "Anna"],
        environ={**environ, "ADVISER_PASSWORD": NEW},
        passwords=passwords,
    )
    assert run(["list"], environ=environ) == "anna\tAnna\tadviser\tactive"
    assert run(["disable", "anna"], environ=environ) == "disabled anna"
    assert run(["list"], environ=environ) == "anna\tAnna\tadviser\tdisabled"
    with database.session_scope() as db:
        refused = authenticate(
            db, username="anna", password=NEW, passwords=passwords, console=settings.console
        )
        assert refused.adviser is None


def test_main_prints_errors_without_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'a-file' / 'x.db'}")
    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the database at sqlite:///") and "Traceback" not in err
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://someone:secret@127.0.0.1:1/x")
    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert "cannot be used" in err and "secret" not in err
