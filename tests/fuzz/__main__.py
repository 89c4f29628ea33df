"""The benchmark-style fuzz run: 10,000 generated inputs per public endpoint.

Starts the whole advice line (with the Bot API stand-in for Telegram), seeds the
canaries, fuzzes every target in turn and prints the figures. Exit code 1 when any
oracle failed (``tests/fuzz/harness.py`` lists them).

    python -m tests.fuzz [--examples 10000] [--targets rest,socketio,telegram,login] [--seed 1]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from scripts.benchmark import rss_mb
from scripts.serve import MEASUREMENT_LIMITS, ROOT, Stack, free_ports, running_stack
from tests.fakes.telegram_api import running_telegram_api
from tests.fuzz.harness import (
    LogWatch,
    Tally,
    Target,
    canary_changes,
    fuzz,
    health_problems,
    make_targets,
    seed_canaries,
)

SECRET = "fuzz-secret_" + "F" * 24


def memory(stack: Stack) -> str:
    """Resident memory of every process, in MB."""
    return ", ".join(f"{name} {rss_mb(p.pid):.0f}" for name, p in stack.processes.items())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fuzzing and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000, help="inputs per target")
    parser.add_argument("--targets", default="rest,socketio,telegram,login")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--var-dir", default=str(ROOT / "var" / "fuzz"), help="state and logs (emptied first)"
    )
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.targets.split(",") if name.strip()]

    var_dir = Path(args.var_dir)
    shutil.rmtree(var_dir, ignore_errors=True)
    with running_telegram_api() as api:
        started = time.perf_counter()
        with running_stack(
            var_dir=var_dir,
            ports=free_ports(),
            extra_env={
                **MEASUREMENT_LIMITS,
                **api.env,
                "TELEGRAM_SECRET_TOKEN": SECRET,
                "ADVIESLIJN_AVAILABILITY": "always",
                "ADVIESLIJN_ALWAYS_OPEN": "true",
                "CONSOLE_COOKIE_SECURE": "false",
            },
        ) as stack:
            print(f"stack ready after {time.perf_counter() - started:.0f} s")
            canaries = seed_canaries(stack, telegram_secret=SECRET)
            watch = LogWatch(stack.log_dir)
            print(f"memory before (MB): {memory(stack)}")
            targets: list[Target] = make_targets(stack, chosen, telegram_secret=SECRET)
            tallies: list[Tally] = []
            for target in targets:
                tally = fuzz(
                    target,
                    args.examples,
                    health=lambda: health_problems(stack),
                    random_seed=args.seed,
                )
                print(tally.summary(), flush=True)
                for finding in tally.findings[:10]:
                    print(f"    {finding}")
                tallies.append(tally)
            tracebacks = watch.tracebacks()
            changes = canary_changes(stack, canaries)
            print(f"memory after (MB): {memory(stack)}")
            print(f"tracebacks in the logs: {len(tracebacks)}")
            for line in tracebacks[:10]:
                print(f"    {line}")
            print(f"canaries (4 conversations, 1 case, 1 adviser) changed: {len(changes)}")
            for change in changes:
                print(f"    {change}")
    total = sum(t.inputs for t in tallies)
    found = sum(len(t.findings) for t in tallies) + len(tracebacks) + len(changes)
    print(f"total: {total} inputs, {found} findings; logs in {var_dir / 'log'}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
