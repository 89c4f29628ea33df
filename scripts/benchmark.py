"""Benchmark the advice line and print the figures (not a test: nothing is asserted).

Measures train time and peak memory (fresh component cache), model load time,
memory of every process, REST-webhook latency p50/p95 over 200 sequential messages,
throughput with 10 concurrent conversations, and the escalation to a live adviser.

    python -m scripts.benchmark [--skip-train] [--messages 200] [--concurrency 10]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scripts.evaluate import load_questions
from scripts.serve import MEASUREMENT_LIMITS, ROOT, Stack, free_ports, running_stack


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: Sequence[float], pct: float) -> float:
    """Return the pct-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def train(out: Path) -> tuple[float, float]:
    """Train from scratch into out; return seconds and peak RSS in MB."""
    env = {**os.environ, "RASA_CACHE_DIRECTORY": str(out / "cache")}
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "--out",
            str(out),
            "--fixed-model-name",
            "bench",
            "--quiet",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak_mb


def timed_message(stack: Stack, sender: str, text: str) -> float:
    """Send one message; return its latency in ms."""
    start = time.perf_counter()
    stack.webhook(sender, text)
    return (time.perf_counter() - start) * 1000


def escalate(stack: Stack) -> tuple[float, float]:
    """Go through the intake to the live queue; return ms for all of it and the last answer."""
    sender = f"bench-escalation-{uuid.uuid4().hex}"
    start = time.perf_counter()
    for text in ("ik wil een adviseur spreken", "overslaan", "overslaan"):
        stack.webhook(sender, text)
    last = timed_message(stack, sender, '/inform{"help_mode":"chat"}')
    return (time.perf_counter() - start) * 1000, last


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--escalations", type=int, default=20)
    args = parser.parse_args(argv)
    texts = [q.text for q in load_questions() if not q.urgent]

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        if not args.skip_train:
            seconds, peak = train(base / "train")
            print(f"train time: {seconds:.1f} s, peak RSS {peak:.0f} MB")
            size = (base / "train" / "bench.tar.gz").stat().st_size / 1e6
            print(f"model size: {size:.1f} MB")

        start = time.perf_counter()
        with running_stack(
            var_dir=base / "var",
            ports=free_ports(),
            extra_env={
                **MEASUREMENT_LIMITS,
                "ADVIESLIJN_AVAILABILITY": "always",
                "ADVIESLIJN_ALWAYS_OPEN": "true",
            },
        ) as stack:
            print(
                f"ready after start (all {len(stack.processes)} processes, model and "
                f"de-identification model loaded): {time.perf_counter() - start:.1f} s"
            )

            timed_message(stack, "bench-warm-up", "hallo")
            sender = f"bench-{uuid.uuid4().hex}"
            one_conversation = [
                timed_message(stack, sender, texts[i % len(texts)]) for i in range(args.messages)
            ]
            fresh = [
                timed_message(stack, f"bench-{uuid.uuid4().hex}", texts[i % len(texts)])
                for i in range(args.messages)
            ]
            for label, latencies in (
                ("in one conversation", one_conversation),
                ("each in a new conversation", fresh),
            ):
                print(
                    f"REST webhook, {args.messages} sequential {label}:"
                    f" p50 {statistics.median(latencies):.1f} ms,"
                    f" p95 {percentile(latencies, 95):.1f} ms"
                )

            per_conversation = max(1, args.messages // args.concurrency)

            def conversation(n: int) -> list[float]:
                sender = f"bench-{n}-{uuid.uuid4().hex}"
                return [
                    timed_message(stack, sender, texts[(n * 7 + i) % len(texts)])
                    for i in range(per_conversation)
                ]

            start = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                results = list(pool.map(conversation, range(args.concurrency)))
            elapsed = time.perf_counter() - start
            flat = [ms for r in results for ms in r]
            print(
                f"{args.concurrency} concurrent conversations: {len(flat) / elapsed:.1f} msg/s,"
                f" p50 {statistics.median(flat):.1f} ms, p95 {percentile(flat, 95):.1f} ms"
            )
            escalations = [escalate(stack) for _ in range(args.escalations)]
            whole = [total for total, _ in escalations]
            last = [queued for _, queued in escalations]
            print(
                f"escalation to a live adviser over REST, {args.escalations} times (request, "
                f"three intake answers): whole intake p50 {statistics.median(whole):.0f} ms; "
                "last answer (case logged, queued, bot paused) p50 "
                f"{statistics.median(last):.0f} ms, p95 {percentile(last, 95):.0f} ms"
            )
            memory = ", ".join(
                f"{name} {rss_mb(process.pid):.0f} MB" for name, process in stack.processes.items()
            )
            print(f"memory after load: {memory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
