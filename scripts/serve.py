"""Start the advice line's processes (action server and Rasa server) and stop them cleanly.

``make run`` runs :func:`main`; the integration tests, the evaluation and the
benchmark use :func:`running_stack`. Everything binds to localhost by default.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "advieslijn.tar.gz"
READY_TIMEOUT = 240.0


class StackError(RuntimeError):
    """A process of the stack did not start or stopped early."""


@dataclass
class Stack:
    """The running processes and where to reach them."""

    rasa_url: str
    action_url: str
    token: str
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

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


def _wait_ready(stack: Stack, deadline: float) -> None:
    while time.monotonic() < deadline:
        for name, process in stack.processes.items():
            if process.poll() is not None:
                raise StackError(
                    f"{name} stopped with code {process.returncode}; see {stack.log_dir}"
                )
        try:
            status = requests.get(
                f"{stack.rasa_url}/status", params={"token": stack.token}, timeout=2
            )
            health = requests.get(f"{stack.action_url}/health", timeout=2)
            if status.ok and status.json().get("model_file") and health.ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise StackError(
        f"the advice line was not ready after {READY_TIMEOUT:.0f} s; see {stack.log_dir}"
    )


def _stop(processes: Mapping[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
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
    rasa_port: int,
    action_port: int,
    log_dir: Path,
    tracker_db: Path,
    token: str | None = None,
    host: str = "127.0.0.1",
    model: Path = MODEL,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[Stack]:
    """Start the action server and the Rasa server, wait until both are ready, stop on exit."""
    if not model.exists():
        raise StackError(f"no trained model at {model}: run 'make model' first")
    log_dir.mkdir(parents=True, exist_ok=True)
    token = token or secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_DB": str(tracker_db),
        "SANIC_HOST": host,
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        **(extra_env or {}),
    }
    python = sys.executable
    commands = {
        "action server": [
            python,
            "-m",
            "rasa_sdk",
            "--actions",
            "actions",
            "--port",
            str(action_port),
        ],
        "rasa server": [
            python,
            "-m",
            "rasa",
            "run",
            "--model",
            str(model),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
            "--interface",
            host,
            "--port",
            str(rasa_port),
            "--enable-api",
            "--auth-token",
            token,
            "--log-file",
            str(log_dir / "rasa.log"),
        ],
    }
    stack = Stack(
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        action_url=f"http://127.0.0.1:{action_port}",
        token=token,
        log_dir=log_dir,
    )
    try:
        for name, command in commands.items():
            log = (log_dir / f"{name.replace(' ', '-')}.out").open("ab")
            stack.processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            log.close()
        _wait_ready(stack, time.monotonic() + READY_TIMEOUT)
        yield stack
    finally:
        _stop(stack.processes)


def _token(path: Path) -> str:
    token = os.environ.get("RASA_TOKEN")
    if token:
        return token
    if not path.exists() or not path.read_text().strip():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def main() -> int:
    """Run the advice line until Ctrl-C (``make run``)."""
    var = ROOT / "var"
    rasa_port = int(os.environ.get("RASA_PORT", "5005"))
    action_port = int(os.environ.get("ACTION_PORT", "5055"))
    host = os.environ.get("ADVIESLIJN_HOST", "127.0.0.1")
    tracker_db = Path(os.environ.get("TRACKER_DB", str(var / "tracker.db")))
    print("Starting Advieslijn (this takes about a minute) ...", flush=True)
    try:
        with running_stack(
            rasa_port=rasa_port,
            action_port=action_port,
            log_dir=var / "log",
            tracker_db=tracker_db,
            token=_token(var / "rasa-token"),
            host=host,
        ) as stack:
            print(
                "\nAdvieslijn is running (Ctrl-C stops everything):\n"
                f"  REST channel:   http://{host}:{rasa_port}/webhooks/rest/webhook\n"
                f"  Rasa HTTP API:  http://{host}:{rasa_port}/status?token=<var/rasa-token>\n"
                f"  Action server:  http://{host}:{action_port}/health\n"
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


if __name__ == "__main__":
    sys.exit(main())
