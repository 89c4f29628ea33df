"""The Rasa HTTP API token stays secret on a running stack (issue 11, item 3).

No process's command line holds it (``ps`` shows command lines to every user), the
console reaches Rasa with a JWT in a header signed with it, a JWT signed with any
other secret is refused, and no log of the stack holds the token.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import requests

from bot.engine import ConversationEngine, EngineError, auth_header
from scripts.serve import Stack


def descendants(pid: int) -> set[int]:
    """The process and every process below it, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        todo.extend(children.get(current, []))
    return found


def test_no_command_line_of_the_stack_holds_the_token(stack: Stack) -> None:
    token = stack.token.encode()
    checked = 0
    for name, process in stack.processes.items():
        for pid in descendants(process.pid):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:  # ended meanwhile
                continue
            checked += 1
            assert token not in cmdline, f"{name} (pid {pid}) has the token on its command line"
    assert checked >= len(stack.processes)
    rasa_cmdline = Path(f"/proc/{stack.processes['rasa'].pid}/cmdline").read_bytes()
    assert b"components.rasa_server" in rasa_cmdline and b"--enable-api" in rasa_cmdline


def test_the_console_reaches_rasa_with_a_jwt_in_a_header(stack: Stack) -> None:
    sender = f"jwt-{uuid.uuid4().hex[:12]}"
    stack.webhook(sender, "hallo")
    engine = ConversationEngine(stack.rasa_url, stack.token)
    events = engine.tracker(sender)["events"]
    assert any(e["event"] == "user" for e in events)
    # Signed with another secret, or none: refused.
    forged = ConversationEngine(stack.rasa_url, "another secret of at least 32 bytes!")
    with pytest.raises(EngineError, match="refused the API token"):
        forged.tracker(sender)
    bare = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", timeout=10)
    assert bare.status_code == 401
    header = auth_header(stack.token)
    ok = requests.get(f"{stack.rasa_url}/status", headers=header, timeout=10)
    assert ok.status_code == 200


def test_no_log_of_the_stack_holds_the_token(stack: Stack) -> None:
    stack.webhook(f"log-{uuid.uuid4().hex[:12]}", "hallo")
    logs = [p for p in stack.log_dir.rglob("*") if p.is_file()]
    assert any(p.name == "console.out" for p in logs)
    for path in logs:
        assert stack.token not in path.read_text(errors="replace"), path.name
