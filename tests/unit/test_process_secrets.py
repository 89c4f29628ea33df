"""Each process gets and reads only its own secrets; secret files are private from birth.

Issue 11, item 11: every process received every secret, the contact key lived beside
the database in var/, and secret files were created and then chmod-ed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import settings as settings_module
from bot.settings import (
    GENERATED_SECRETS,
    PROCESS_SECRETS,
    SECRET_VARIABLES,
    SettingsError,
    check_contact_key_location,
    declare_process,
    ensure_secret_files,
    load_settings,
    write_secret_file,
)
from scripts.serve import ALL_SERVICES, process_environment, stack_environment

POSTGRES = "postgresql+psycopg2://advieslijn@127.0.0.1:5432/advieslijn"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No secret, key file or process name from the shell that runs the tests."""
    for variable in (*SECRET_VARIABLES.values(), "CONTACT_KEY_FILE", "ADVIESLIJN_PROCESS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.fixture
def no_umask() -> Iterator[None]:
    """The most permissive umask: a file is then exactly as private as it was created."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- the map ------------------------------------------------------------------------


def test_the_map_names_every_process_of_the_stack_and_only_known_secrets() -> None:
    assert set(PROCESS_SECRETS) == set(ALL_SERVICES)
    for secrets in PROCESS_SECRETS.values():
        assert secrets <= set(SECRET_VARIABLES)
    # a new secret must be given to the process that needs it, or no process gets it
    assert set().union(*PROCESS_SECRETS.values()) == set(SECRET_VARIABLES)


def test_each_process_gets_what_its_code_needs_and_no_more() -> None:
    assert PROCESS_SECRETS["rasa"] == {
        "rasa_token",
        "action_secret",
        "telegram_token",
        "telegram_secret_token",
        "postgres_password",
        "redis_password",
        "rabbitmq_password",
        "log_key",
    }
    assert PROCESS_SECRETS["actions"] == {"action_secret", "contact_key", "log_key"}
    assert PROCESS_SECRETS["console"] == {
        "console_secret_key",
        "rasa_token",
        "contact_key",
        "log_key",
    }
    assert PROCESS_SECRETS["web"] == frozenset()
    # the contact key decrypts every call-back contact: only where contacts are
    # stored (actions) and shown (console)
    holders = {name for name, secrets in PROCESS_SECRETS.items() if "contact_key" in secrets}
    assert holders == {"actions", "console"}


# -- the loader ---------------------------------------------------------------------


def test_a_process_reads_only_its_own_secrets(tmp_path: Path) -> None:
    ensure_secret_files(tmp_path, environ={})
    environ = {"ADVIESLIJN_VAR": str(tmp_path), "ADVIESLIJN_PROCESS": "rasa"}
    secrets = load_settings(environ=environ).secrets
    assert secrets.rasa_token and secrets.action_secret and secrets.log_key
    with pytest.raises(SettingsError, match="rasa process has no access to secret 'contact_key'"):
        secrets.require("contact_key")
    with pytest.raises(SettingsError, match="no access to secret 'console_secret_key'"):
        _ = secrets.console_secret_key  # plain attribute access too
    # not even read: the value is not in the object
    contact_key = (tmp_path / "secrets" / "contact_key").read_text()
    assert contact_key not in repr(secrets)
    assert contact_key not in str(object.__getattribute__(secrets, "contact_key"))
    console = load_settings(environ={**environ, "ADVIESLIJN_PROCESS": "console"}).secrets
    assert console.require("contact_key") == contact_key
    with pytest.raises(SettingsError, match="no access to secret 'action_secret'"):
        console.require("action_secret")


def test_a_process_ignores_other_secrets_in_its_environment(tmp_path: Path) -> None:
    environ = {
        "ADVIESLIJN_VAR": str(tmp_path),
        "ADVIESLIJN_PROCESS": "web",
        "RASA_TOKEN": "not for the website",
    }
    secrets = load_settings(environ=environ).secrets
    assert object.__getattribute__(secrets, "rasa_token") is None  # not even read
    with pytest.raises(SettingsError, match="the web process has no access"):
        secrets.require("rasa_token")


def test_operators_tools_read_every_secret(tmp_path: Path) -> None:
    ensure_secret_files(tmp_path, environ={})
    secrets = load_settings(environ={"ADVIESLIJN_VAR": str(tmp_path)}).secrets
    assert secrets.process is None
    for name in GENERATED_SECRETS:
        assert secrets.require(name)


def test_an_unknown_process_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match="'mailer' is not a process of the stack"):
        load_settings(environ={"ADVIESLIJN_PROCESS": "mailer"})


def test_an_entry_point_names_its_process() -> None:
    environ: dict[str, str] = {}
    declare_process("actions", environ)
    assert environ == {"ADVIESLIJN_PROCESS": "actions"}
    declare_process("actions", environ)  # again: fine
    with pytest.raises(SettingsError, match="'actions', but this is the console process"):
        declare_process("console", environ)
    with pytest.raises(SettingsError, match="unknown process"):
        declare_process("mailer", {})


# -- the launcher -------------------------------------------------------------------


def test_each_child_environment_holds_only_its_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISER_PASSWORD", "from the operator's shell")
    monkeypatch.setenv("ADVIESLIJN_PROCESS", "console")  # never inherited by the launcher
    stores = {f"{store}_PASSWORD": f"{store.lower()}-password" for store in ("POSTGRES", "REDIS")}
    env = stack_environment(
        tmp_path / "var",
        extra_env={"TELEGRAM_TOKEN": "1:abc", "RABBITMQ_PASSWORD": "rabbit-password", **stores},
    )
    # the launcher itself has them all (operators' tools, ready checks)
    for name in (*GENERATED_SECRETS, "telegram_token"):
        assert env[SECRET_VARIABLES[name]], name
    assert "ADVIESLIJN_PROCESS" not in env
    secret_values = {
        name: env[variable] for name, variable in SECRET_VARIABLES.items() if env.get(variable)
    }
    for process in ALL_SERVICES:
        child = process_environment(env, process)
        assert child["ADVIESLIJN_PROCESS"] == process
        assert "ADVISER_PASSWORD" not in child
        given = {name for name, variable in SECRET_VARIABLES.items() if variable in child}
        assert given <= PROCESS_SECRETS[process], process
        everything = "\n".join(child.values())
        for name, value in secret_values.items():
            if name not in PROCESS_SECRETS[process]:
                assert value not in everything, (process, name)
        # and what the process reads with it is exactly its own part
        secrets = load_settings(environ=child).secrets
        for name in PROCESS_SECRETS[process]:
            if name in secret_values:
                assert getattr(secrets, name) == secret_values[name], (process, name)
    rasa = process_environment(env, "rasa")
    assert rasa["TELEGRAM_TOKEN"] == "1:abc" and rasa["ACTION_SECRET"] == env["ACTION_SECRET"]
    assert "CONTACT_KEY" not in rasa and "CONSOLE_SECRET_KEY" not in rasa
    assert "RASA_TOKEN" not in process_environment(env, "actions")
    assert set(process_environment(env, "web")).isdisjoint(SECRET_VARIABLES.values())


# -- files --------------------------------------------------------------------------


def test_secret_files_are_private_from_their_creation(tmp_path: Path, no_umask: None) -> None:
    created = ensure_secret_files(tmp_path / "var", environ={})
    folder = tmp_path / "var" / "secrets"
    assert mode(folder) == 0o700
    assert {p.name for p in created} == set(GENERATED_SECRETS)
    for path in created:
        assert mode(path) == 0o600, path.name
        assert path.read_text()
    assert sorted(p.name for p in folder.iterdir()) == sorted(GENERATED_SECRETS)  # no temp files


def test_a_secret_file_is_never_open_to_others_not_even_for_a_moment(
    tmp_path: Path, no_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file is created 0600 by os.open itself (O_EXCL); no file is chmod-ed after."""
    created: dict[str, tuple[int, int]] = {}
    real_open, real_path_chmod = os.open, Path.chmod

    def watching_open(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        descriptor = real_open(path, flags, mode)
        if flags & os.O_CREAT:
            created[os.path.basename(path)] = (flags, stat.S_IMODE(os.fstat(descriptor).st_mode))
        return descriptor

    def no_chmod(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"chmod of a secret file: {args}")

    def folders_only(self: Path, mode: int, **kwargs: object) -> None:
        if not self.is_dir():
            no_chmod(self)
        real_path_chmod(self, mode)

    monkeypatch.setattr(os, "open", watching_open)
    monkeypatch.setattr(os, "chmod", no_chmod)
    monkeypatch.setattr(os, "fchmod", no_chmod)
    monkeypatch.setattr(Path, "chmod", folders_only)
    files = ensure_secret_files(tmp_path / "var", environ={})
    assert len(files) == len(GENERATED_SECRETS)
    for path in files:
        # born private, under the file's temporary name, then linked into place
        (flags, born), = (v for k, v in created.items() if k.startswith(f".{path.name}."))
        assert flags & os.O_EXCL and born == 0o600, path.name
        assert mode(path) == 0o600 and path.read_text()


def test_a_crash_while_writing_leaves_no_half_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(descriptor: int) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as crashing:
        crashing.setattr(os, "fsync", crash)
        # a crash runs no clean-up: nothing is removed after the failure either
        crashing.setattr(Path, "unlink", lambda self, missing_ok=False: None)
        with pytest.raises(OSError, match="disk full"):
            write_secret_file(tmp_path / "contact_key", "a whole key")
    assert not (tmp_path / "contact_key").exists()  # no half key where the key belongs
    leftovers = list(tmp_path.iterdir())
    assert all(p.name.startswith(".contact_key.") for p in leftovers)
    # the next start writes the whole key, whatever the crash left behind
    write_secret_file(tmp_path / "contact_key", "a whole key")
    assert (tmp_path / "contact_key").read_text() == "a whole key"


def test_an_existing_secret_is_kept_and_an_empty_leftover_replaced(tmp_path: Path) -> None:
    (tmp_path / "kept").write_text("the first key")
    write_secret_file(tmp_path / "kept", "another key")
    assert (tmp_path / "kept").read_text() == "the first key"
    (tmp_path / "empty").write_text("")
    write_secret_file(tmp_path / "empty", "a key")
    assert (tmp_path / "empty").read_text() == "a key"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "kept"]


# -- where the contact key lives ----------------------------------------------------


def test_the_contact_key_file_can_live_outside_the_data_directory(
    tmp_path: Path, no_umask: None
) -> None:
    var_dir, key_file = tmp_path / "var", tmp_path / "keys" / "contact_key"
    environ = {"ADVIESLIJN_VAR": str(var_dir), "CONTACT_KEY_FILE": str(key_file)}
    created = ensure_secret_files(var_dir, environ)
    assert key_file in created and mode(key_file) == 0o600 and mode(key_file.parent) == 0o700
    assert not (var_dir / "secrets" / "contact_key").exists()
    settings = load_settings(environ={**environ, "ADVIESLIJN_PROCESS": "actions"})
    assert settings.contact_key_file == key_file
    assert settings.secrets.require("contact_key") == key_file.read_text()


def test_a_key_left_in_var_is_never_replaced_by_a_new_one_elsewhere(tmp_path: Path) -> None:
    var_dir, key_file = tmp_path / "var", tmp_path / "etc" / "contact_key"
    ensure_secret_files(var_dir, environ={})
    old = (var_dir / "secrets" / "contact_key").read_text()
    with pytest.raises(SettingsError, match="move it there"):
        ensure_secret_files(var_dir, {"CONTACT_KEY_FILE": str(key_file)})
    assert not key_file.exists()
    key_file.parent.mkdir()
    (var_dir / "secrets" / "contact_key").rename(key_file)
    ensure_secret_files(var_dir, {"CONTACT_KEY_FILE": str(key_file)})
    assert key_file.read_text() == old and not (var_dir / "secrets" / "contact_key").exists()


def test_a_relative_contact_key_file_is_taken_from_the_project_root(tmp_path: Path) -> None:
    environ = {"ADVIESLIJN_HOME": str(tmp_path), "CONTACT_KEY_FILE": "keys/contact_key"}
    service = settings_module.PROJECT_ROOT / "config" / "service.yml"
    settings = load_settings(environ=environ, config_path=service)
    assert settings.contact_key_file == tmp_path / "keys" / "contact_key"


def test_production_refuses_a_contact_key_inside_the_data_directory(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    production = {"ADVIESLIJN_VAR": str(var_dir), "DATABASE_URL": POSTGRES}
    settings = load_settings(environ=production)  # operators' tools still start
    assert settings.production
    with pytest.raises(SettingsError, match="CONTACT_KEY_FILE to a file outside it"):
        check_contact_key_location(settings, production)
    # the processes that hold the key refuse to start ...
    for process in ("actions", "console"):
        with pytest.raises(SettingsError, match="lies in the data directory"):
            load_settings(environ={**production, "ADVIESLIJN_PROCESS": process})
    # ... the others do not care
    load_settings(environ={**production, "ADVIESLIJN_PROCESS": "rasa"})
    # and the launcher creates no secret before it refused
    with pytest.raises(SettingsError, match="lies in the data directory"):
        stack_environment(var_dir, extra_env={"DATABASE_URL": POSTGRES})
    assert not (var_dir / "secrets").exists()


def test_production_accepts_a_key_file_outside_or_the_key_itself(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    outside = {"DATABASE_URL": POSTGRES, "CONTACT_KEY_FILE": str(tmp_path / "etc" / "contact_key")}
    env = stack_environment(var_dir, extra_env=outside)
    assert (tmp_path / "etc" / "contact_key").read_text() == env["CONTACT_KEY"]
    assert not (var_dir / "secrets" / "contact_key").exists()
    check_contact_key_location(
        load_settings(environ={"ADVIESLIJN_VAR": str(var_dir), "DATABASE_URL": POSTGRES}),
        {"CONTACT_KEY": "given by a secret store"},
    )


def test_the_local_profile_keeps_its_contact_key_in_var(tmp_path: Path) -> None:
    env = stack_environment(tmp_path / "var")
    settings = load_settings(environ=env)
    assert not settings.production
    assert settings.contact_key_file == tmp_path / "var" / "secrets" / "contact_key"
    assert settings.contact_key_file.read_text() == env["CONTACT_KEY"]
