"""The list of common passwords a new console password may not be (or be built on).

``common_passwords.txt`` ships with the code (its header names the source and the
licence); it is read once, on first use, never downloaded.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
# A common password with digits or punctuation around it ("Dragon2024!!") is as weak.
_AROUND = re.compile(r"^[\d\W_]*(?P<core>.*?)[\d\W_]*$")
MIN_CORE = 4


@lru_cache(maxsize=1)
def common_passwords(path: Path = COMMON_FILE) -> frozenset[str]:
    """Return the common passwords, lower case (read once)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def is_common(password: str, *, username: str = "", names: tuple[str, ...] = ()) -> bool:
    """Whether a password is common, made of one, repeats a short part, or names its owner."""
    lowered = " ".join(password.lower().split())
    known = common_passwords()
    if lowered in known or lowered.replace(" ", "") in known:
        return True
    core = _AROUND.match(lowered)
    stem = core.group("core") if core else lowered
    if len(stem) >= MIN_CORE and (stem in known or stem.replace(" ", "") in known):
        return True
    compact = lowered.replace(" ", "")
    for size in range(1, len(compact) // 2 + 1):  # "abcabcabcabc", "aaaaaaaaaaaa"
        if len(compact) % size == 0 and compact[:size] * (len(compact) // size) == compact:
            return True
    owner = [n.lower() for n in (username, *names) if len(n) >= MIN_CORE]
    return any(stem == n or compact == n.replace(" ", "") for n in owner)
