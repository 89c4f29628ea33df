"""Start the advice line's processes and stop them cleanly.

``make run`` runs :func:`main`; the integration tests, the evaluation and the
benchmark use :func:`running_stack`. Every process binds to localhost by default,
reads its settings through :mod:`bot.settings` from the environment built here, and
writes its state under one ``var/`` directory.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bot.channels.telegram import configuration_problem
from bot.db import migrate
from bot.logsafe import install as install_log_scrubber
from bot.settings import (
    ADVISER_PASSWORD_VARIABLE,
    PROCESS_SECRETS,
    PROCESS_VARIABLE,
    SECRET_VARIABLES,
    Settings,
    SettingsError,
    check_contact_key_location,
    ensure_secret_files,
    load_settings,
)

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "advieslijn.tar.gz"
READY_TIMEOUT = 240.0
# The processes of the advice line, in start order; each gets the secrets that
# bot.settings.PROCESS_SECRETS names for it.
ALL_SERVICES = ("actions", "rasa", "web", "console")
# Rate limits high enough for the evaluation, the benchmark and the tests, which send
# many messages from one address; the security tests set their own.
MEASUREMENT_LIMITS = {
    "ADVIESLIJN_RATE_CONVERSATION": "100000/minute",
    "ADVIESLIJN_RATE_ADDRESS": "100000/minute",
    "CONSOLE_LOGIN_RATE": "100000/minute",
    # the growing waits after failed logins would answer most fuzzed logins with 429
    "CONSOLE_MAX_FAILED_LOGINS": "100",
}
DEFAULT_ENDPOINTS = ROOT / "endpoints.yml"
PRODUCTION_ENDPOINTS = ROOT / "config" / "endpoints.production.yml"
# Scrubs conversation text from every log record of the Rasa server (bot/logsafe.py).
LOGGING_CONFIG = ROOT / "config" / "logging.yml"


class StackError(RuntimeError):
    """A process of the stack did not start or stopped early."""


def free_port() -> int:
    """Return a TCP port on localhost that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def free_ports() -> dict[str, int]:
    """Return a free port for every process of a stack (tests start several stacks)."""
    return {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "WEB_PORT", "CONSOLE_PORT")}


@dataclass
class Stack:
    """The running processes, where to reach them and the settings they share.

    ``env`` is the launcher's environment, with every secret (for operators' tools
    such as ``make adviser``); each process gets only its part of it
    (:func:`process_environment`).
    """

    settings: Settings
    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    created_secrets: list[Path] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        """Rasa server (channels and HTTP API)."""
        return self.settings.rasa_url

    @property
    def action_url(self) -> str:
        """Action server."""
        return f"http://127.0.0.1:{self.settings.server.action_port}"

    @property
    def web_url(self) -> str:
        """Demo website with the chat widget."""
        return f"http://127.0.0.1:{self.settings.server.web_port}"

    @property
    def console_url(self) -> str:
        """Adviser console."""
        return f"http://127.0.0.1:{self.settings.server.console_port}"

    @property
    def token(self) -> str:
        """Token of the Rasa HTTP API."""
        return self.settings.secrets.require("rasa_token")

    @property
    def ready_urls(self) -> dict[str, str]:
        """For each process, the URL that answers 2xx when it is ready and healthy."""
        return {
            "actions": f"{self.action_url}/health",
            "rasa": f"{self.rasa_url}/status?token={self.token}",
            "web": f"{self.web_url}/health",
            "console": f"{self.console_url}/healthz",
        }

    @property
    def var_dir(self) -> Path:
        """Where this stack keeps its state."""
        return self.settings.var_dir

    def webhook(self, sender: str, text: str, timeout: float = 30.0) -> list[dict[str, object]]:
        """Send one user message over the REST channel and return the bot's messages."""
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=timeout,
        )
        response.raise_for_status()
        messages = response.json()
        assert isinstance(messages, list)
        return messages


@dataclass(frozen=True)
class Service:
    """How to start one process and how to tell that it is ready."""

    command: list[str]
    ready: str  # URL that answers 2xx when the process is ready


def _services(stack: Stack, model: Path, endpoints: Path) -> dict[str, Service]:
    python, server, ready = sys.executable, stack.settings.server, stack.ready_urls
    return {
        "actions": Service([python, "-m", "components.action_server"], ready["actions"]),
        "rasa": Service(
            [
                python,
                "-m",
                # rasa run, with the API token added in-process: never on a command line
                "components.rasa_server",
                "run",
                "--model",
                str(model),
                "--endpoints",
                str(endpoints),
                "--credentials",
                "credentials.yml",
                "--interface",
                server.host,
                "--port",
                str(server.rasa_port),
                "--enable-api",
                "--log-file",
                str(stack.log_dir / "rasa.log"),
                "--logging-config-file",
                str(LOGGING_CONFIG),
            ],
            ready["rasa"],
        ),
        "web": Service([python, "-m", "bot.web"], ready["web"]),
        "console": Service([python, "-m", "bot.console"], ready["console"]),
    }


def stack_environment(
    var_dir: Path,
    *,
    ports: Mapping[str, int] | None = None,
    host: str = "127.0.0.1",
    extra_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Build the launcher's environment, with every secret (created if missing).

    Each process gets only its part of it: :func:`process_environment`.

    Raises:
        SettingsError: invalid settings, or (production) a contact key inside ``var_dir``.

    """
    return _stack_environment(var_dir, ports=ports, host=host, extra_env=extra_env)[0]


def _stack_environment(
    var_dir: Path,
    *,
    ports: Mapping[str, int] | None = None,
    host: str = "127.0.0.1",
    extra_env: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[Path]]:
    env = {**os.environ, **(extra_env or {})}
    env.pop(PROCESS_VARIABLE, None)  # the launcher is no process of the stack
    env["ADVIESLIJN_VAR"] = str(var_dir)
    env["ADVIESLIJN_HOST"] = host
    for name, port in (ports or {}).items():
        env[name] = str(port)
    # In production the contact key must not be created (or read) inside var_dir.
    check_contact_key_location(load_settings(environ=env), env)
    created = ensure_secret_files(var_dir, env)
    settings = load_settings(environ=env)
    for name, variable in SECRET_VARIABLES.items():
        value = getattr(settings.secrets, name)
        if value:
            env[variable] = value
    env["TRACKER_DB"] = (extra_env or {}).get("TRACKER_DB", str(var_dir / "tracker.db"))
    # the production profile's stores (config/endpoints.production.yml)
    env.update(settings.stores.environment())
    env["LOG_LEVEL"] = settings.log_level
    # The sentence encoder's OpenMP threads sleep when idle instead of spinning (they
    # share two cores with everything else); read when the runtime starts, so set here.
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    env.setdefault("POSTGRES_PASSWORD", "")
    env.setdefault("REDIS_PASSWORD", "")
    # RabbitMQ's built-in guest account only works from localhost
    env.setdefault("RABBITMQ_PASSWORD", "guest" if settings.stores.rabbitmq_user == "guest" else "")
    env.update(
        {
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{settings.server.action_port}/webhook",
            "SANIC_HOST": host,
            # Sanic answers 413 to larger bodies on every route of the Rasa server (the
            # action server, called by Rasa with whole trackers, sets its own limit).
            "SANIC_REQUEST_MAX_SIZE": str(settings.limits.max_body_bytes),
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_TELEMETRY_ENABLED": "false",
            # structured records as JSON, also in a terminal (bot/logsafe.py masks them)
            "FORCE_JSON_LOGGING": "1",
        }
    )
    return env, created


# Variables no process of the stack is given: every secret (each process gets its own
# back from PROCESS_SECRETS) and a new adviser's password from the operator's shell.
_WITHHELD = frozenset({*SECRET_VARIABLES.values(), ADVISER_PASSWORD_VARIABLE})


def process_environment(env: Mapping[str, str], process: str) -> dict[str, str]:
    """Return one process's environment: ``env`` with only the secrets it needs.

    Which secrets each process gets is :data:`bot.settings.PROCESS_SECRETS`; the
    process is named in ``ADVIESLIJN_PROCESS``, so it reads no other secret from
    ``var/secrets/`` either.
    """
    child = {name: value for name, value in env.items() if name not in _WITHHELD}
    for secret in PROCESS_SECRETS[process]:
        variable = SECRET_VARIABLES[secret]
        if variable in env:
            child[variable] = env[variable]
    child[PROCESS_VARIABLE] = process
    return child


def _wait_ready(stack: Stack, services: Mapping[str, Service], deadline: float) -> None:
    pending = dict(services)
    while time.monotonic() < deadline:
        for name, process in stack.processes.items():
            if process.poll() is not None:
                raise StackError(
                    f"{name} stopped with code {process.returncode}; see {stack.log_dir}"
                )
        for name, service in list(pending.items()):
            try:
                answer = requests.get(service.ready, timeout=2)
                if answer.ok and (name != "rasa" or answer.json().get("model_file")):
                    del pending[name]
            except (requests.RequestException, ValueError):
                pass
        if not pending:
            return
        time.sleep(0.5)
    raise StackError(
        f"not ready after {READY_TIMEOUT:.0f} s: {', '.join(pending)}; see {stack.log_dir}"
    )


def _stop(processes: Mapping[str, subprocess.Popen[bytes]]) -> None:
    for process in reversed(list(processes.values())):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes.values():
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_stack(
    *,
    var_dir: Path,
    ports: Mapping[str, int] | None = None,
    host: str = "127.0.0.1",
    model: Path = MODEL,
    endpoints: Path = DEFAULT_ENDPOINTS,
    services: Sequence[str] = ALL_SERVICES,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[Stack]:
    """Start the given services, wait until all are ready, stop them on exit.

    Args:
        var_dir: state directory (secrets, databases, logs).
        ports: environment names to ports (``RASA_PORT``, ...); unset ones come from
            the settings file.
        host: interface every process binds to.
        model: the trained Rasa model.
        endpoints: Rasa's endpoint configuration.
        services: which processes to start, from :data:`ALL_SERVICES`.
        extra_env: further environment for every process.

    """
    if "rasa" in services and not model.exists():
        raise StackError(f"no trained model at {model}: run 'make model' first")
    log_dir = var_dir / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    env, created = _stack_environment(var_dir, ports=ports, host=host, extra_env=extra_env)
    stack = Stack(
        settings=load_settings(environ=env), env=env, log_dir=log_dir, created_secrets=created
    )
    migrate(stack.settings.database_url)
    table = _services(stack, model, endpoints)
    chosen = {name: table[name] for name in services}
    try:
        for name, service in chosen.items():
            with (log_dir / f"{name}.out").open("ab") as log:
                # Own session: Ctrl-C reaches the launcher only, which stops the
                # processes in order (reverse start order) instead of all at once.
                stack.processes[name] = subprocess.Popen(
                    service.command,
                    cwd=ROOT,
                    env=process_environment(env, name),  # its own secrets only
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        _wait_ready(stack, chosen, time.monotonic() + READY_TIMEOUT)
        yield stack
    finally:
        _stop(stack.processes)


def _telegram_status(settings: Settings) -> str:
    secrets = settings.secrets
    problem = configuration_problem(secrets.telegram_token, secrets.telegram_secret_token)
    return f"off: {problem}" if problem else "on; register it with 'make telegram-webhook'"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the advice line until Ctrl-C or SIGTERM (``make run``)."""
    # Ctrl-C and SIGTERM both stop every process in order. (A job started in the
    # background by a shell inherits SIGINT as ignored: undo that.)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    install_log_scrubber()  # bot/logsafe.py: no token or text in what the launcher logs
    parser = argparse.ArgumentParser(description="Start the advice line.")
    parser.add_argument(
        "--endpoints",
        type=Path,
        default=DEFAULT_ENDPOINTS,
        help=f"Rasa endpoint configuration (production: {PRODUCTION_ENDPOINTS.relative_to(ROOT)})",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    var_dir, host = settings.var_dir, settings.server.host
    print("Starting Advieslijn (this takes about a minute) ...", flush=True)
    try:
        with running_stack(var_dir=var_dir, host=host, endpoints=args.endpoints) as stack:
            server = stack.settings.server
            for path in stack.created_secrets:
                if path.name == "contact_key":
                    print(
                        f"Created the contact key at {path}: keep a copy apart from the "
                        "database's backups (without it no call-back contact can be read)",
                        flush=True,
                    )
            print(
                "\nAdvieslijn is running (Ctrl-C stops everything):\n"
                f"  REST channel:   http://{host}:{server.rasa_port}/webhooks/rest/webhook\n"
                f"  Rasa HTTP API:  http://{host}:{server.rasa_port}/status"
                f"?token=<{var_dir}/secrets/rasa_token>\n"
                f"  Action server:  http://{host}:{server.action_port}/health\n"
                f"  Website widget: http://{host}:{server.web_port}/\n"
                f"  Telegram:       http://{host}:{server.rasa_port}/webhooks/telegram/webhook"
                f" ({_telegram_status(stack.settings)})\n"
                f"  Adviser console: http://{host}:{server.console_port}/ "
                "(accounts: make adviser ADVISER=<name> NAME='<display name>')\n"
                f"  Logs:           {stack.log_dir}\n",
                flush=True,
            )
            while all(p.poll() is None for p in stack.processes.values()):
                time.sleep(1)
            print(f"A process stopped; see {stack.log_dir}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nStopped.")
        return 0
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
