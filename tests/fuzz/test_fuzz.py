"""A short fuzz run inside ``make test`` (``python -m tests.fuzz`` runs 10,000 per target).

Every public endpoint of the shared stack gets a few hundred generated inputs
(``FUZZ_EXAMPLES``, default 200); the oracles of :mod:`tests.fuzz.harness` must all
hold: no 5xx, no dropped connection or time-out, no traceback in an answer or in a
log, every process healthy, and the canaries seeded first exactly as they were.
"""

from __future__ import annotations

import os

import pytest

from scripts.serve import Stack
from tests.conftest import TELEGRAM_SECRET
from tests.fuzz.harness import (
    Canaries,
    LogWatch,
    canary_changes,
    fuzz,
    health_problems,
    make_targets,
    seed_canaries,
)

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
# Answers that show an input got past the checks at the door: the bot answered, or
# the login was checked against the account.
DEEP = {"rest": {200}, "socketio": {200}, "telegram": {200}, "login": {303, 401}}


@pytest.fixture(scope="module")
def canaries(stack: Stack) -> Canaries:
    return seed_canaries(stack, telegram_secret=TELEGRAM_SECRET)


@pytest.mark.parametrize("name", sorted(DEEP))
def test_fuzzed_inputs_get_no_server_error_and_leave_no_traceback(
    stack: Stack, canaries: Canaries, name: str
) -> None:
    watch = LogWatch(stack.log_dir)
    [target] = make_targets(stack, [name], telegram_secret=TELEGRAM_SECRET)
    tally = fuzz(target, EXAMPLES, health=lambda: health_problems(stack), check_every=100)
    print(tally.summary())
    assert tally.inputs >= EXAMPLES * 0.9
    assert tally.findings == []
    assert watch.tracebacks() == []
    # The fuzzing reached past the checks at the door, not only error answers.
    assert sum(tally.statuses[status] for status in DEEP[name]) > EXAMPLES * 0.2


def test_the_canaries_are_exactly_as_they_were_after_the_fuzzing(
    stack: Stack, canaries: Canaries
) -> None:
    assert canary_changes(stack, canaries) == []
