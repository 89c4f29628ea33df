"""Side-by-side speed of this tree against earlier revisions, in one run.

Each earlier revision is checked out into a temporary git worktree, its model is
trained there (with this venv's Python), and its whole stack is started beside this
tree's stack. The same messages then go to every stack in turn, the order rotating
per message, so machine load and warm-up fall on all of them alike. Not a test:
nothing is asserted, the figures are printed.

    python -m scripts.compare --baseline 80d36b1 --baseline 888f402 [--messages 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from scripts.benchmark import percentile, rss_mb
from scripts.evaluate import load_questions
from scripts.serve import MEASUREMENT_LIMITS, ROOT, free_ports, running_stack

READY_TIMEOUT = 600.0
# Started in an earlier revision's worktree: its own launcher, its own var dir; prints
# the Rasa port and the process ids, then holds the stack until stdin closes.
_HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from scripts.serve import running_stack
    ports = {k: int(v) for k, v in (p.split("=") for p in sys.argv[2:])}
    extra = dict(x.split("=", 1) for x in sys.argv[1].split(";") if x)
    with running_stack(var_dir=Path("var-compare"), ports=ports, extra_env=extra) as stack:
        pids = ",".join(f"{n}:{p.pid}" for n, p in stack.processes.items())
        print("READY", stack.rasa_url, pids, flush=True)
        sys.stdin.read()
    """
)


@dataclass
class Target:
    """One running stack: a name, its REST webhook and its process ids."""

    name: str
    rasa_url: str
    pids: dict[str, int]
    latencies: list[float] = field(default_factory=list)

    def send(self, text: str) -> None:
        """Send one message in a new conversation and record its latency in ms."""
        start = time.perf_counter()
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": f"compare-{uuid.uuid4().hex}", "message": text},
            timeout=60,
        )
        response.raise_for_status()
        self.latencies.append((time.perf_counter() - start) * 1000)


def _run(command: Sequence[str], cwd: Path) -> None:
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    """Check out revision into a temporary worktree; remove it afterwards."""
    with tempfile.TemporaryDirectory(prefix="advieslijn-compare-") as tmp:
        path = Path(tmp) / revision
        _run(["git", "worktree", "add", "--detach", str(path), revision], ROOT)
        try:
            yield path
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(path)],
                cwd=ROOT,
                check=False,
                stdout=subprocess.DEVNULL,
            )


def prepare(tree: Path) -> float:
    """Train the tree's model with its own script and this venv; return seconds.

    The widget's browser code is shared with this tree (only the REST channel is
    measured, but the web process must start).
    """
    modules = ROOT / "web" / "node_modules"
    if modules.exists() and not (tree / "web" / "node_modules").exists():
        (tree / "web" / "node_modules").symlink_to(modules)
    start = time.perf_counter()
    env = {**os.environ, "VENV": str(Path(sys.executable).parent.parent)}
    subprocess.run(
        ["scripts/train_if_changed.sh"],
        cwd=tree,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


@contextmanager
def earlier_stack(tree: Path, name: str) -> Iterator[Target]:
    """Start the stack of an earlier revision's worktree with its own launcher."""
    extra = ";".join(f"{k}={v}" for k, v in _limits().items())
    ports = [f"{k}={v}" for k, v in free_ports().items()]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, extra, *ports],
        cwd=tree,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        line = process.stdout.readline().split()
        if not line or line[0] != "READY":
            raise RuntimeError(f"the stack of {name} did not start (see {tree}/var-compare/log)")
        pids = {n: int(p) for n, p in (item.split(":") for item in line[2].split(","))}
        yield Target(name=name, rasa_url=line[1], pids=pids)
    finally:
        process.stdin.close()
        process.wait(timeout=120)


def _limits() -> dict[str, str]:
    return {
        **MEASUREMENT_LIMITS,
        "ADVIESLIJN_AVAILABILITY": "always",
        "ADVIESLIJN_ALWAYS_OPEN": "true",
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Start every stack, send the same messages to each in turn, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", action="append", required=True, help="git revision")
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args(argv)
    texts = [q.text for q in load_questions() if not q.urgent]

    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        targets: list[Target] = []
        for revision in args.baseline:
            tree = stack.enter_context(worktree(revision))
            print(f"{revision}: trained in {prepare(tree):.0f} s", flush=True)
            targets.append(stack.enter_context(earlier_stack(tree, revision)))
        current = stack.enter_context(
            running_stack(var_dir=Path(tmp) / "var", ports=free_ports(), extra_env=_limits())
        )
        targets.append(
            Target(
                name="this tree",
                rasa_url=current.rasa_url,
                pids={n: p.pid for n, p in current.processes.items()},
            )
        )
        for target in targets:  # warm up: first messages load lazy parts
            for text in texts[:5]:
                target.send(text)
            target.latencies.clear()
        for i in range(args.messages):
            text = texts[i % len(texts)]
            shift = i % len(targets)
            for target in targets[shift:] + targets[:shift]:
                target.send(text)
        print(
            f"REST webhook, {args.messages} messages, each in a new conversation, "
            "the same text to every stack in rotating order:"
        )
        for target in targets:
            memory = ", ".join(f"{n} {rss_mb(pid):.0f} MB" for n, pid in target.pids.items())
            print(
                f"  {target.name:>10}: p50 {statistics.median(target.latencies):6.1f} ms,"
                f" p95 {percentile(target.latencies, 95):6.1f} ms; {memory}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
