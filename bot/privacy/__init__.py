"""De-identification of Dutch text before anything is stored.

:func:`redact` replaces names, addresses, places, neighbourhoods, phone numbers,
e-mail addresses, social-media handles, BSNs, IBANs, licence plates, dates,
ages, schools and other institutions, and URLs with tags such as
``[PERSOON-1]``, using ``deduce`` with the extra annotators of
:mod:`bot.privacy.patterns`. Tags already in a text are kept, so redacting
redacted text changes nothing. The deduce model takes seconds and about a
gigabyte to build, so it is created once per process, on first use or in the
background by :func:`warm_up`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.privacy.patterns import KEEP_TAG, OVERRIDES, TAG_PATTERN, extra_annotators

PLACES_FILE = Path(__file__).with_name("places.txt")
TAG = re.compile(TAG_PATTERN)

# The slot an action sets to True to have the whole conversation deleted from the
# tracker store (components/tracker_store.py deletes it instead of saving).
DELETE_CONVERSATION_SLOT = "conversation_deleted"
# Redacted texts are kept in memory for a while: every save of a tracker hands the
# store all events of the session again, and each text is only redacted once. The
# cache holds no original: its keys are keyed hashes (BLAKE2b under a random key made
# by each process), its values the redacted texts.
CACHE_SIZE = 8192

_lock = threading.Lock()
_deduce: Any = None
_cache: OrderedDict[bytes, str] = OrderedDict()
_cache_lock = threading.Lock()
_cache_key: bytes | None = None


@dataclass(frozen=True)
class Span:
    """One piece of personal data found in a text."""

    start: int
    end: int
    tag: str
    text: str


def _read_places(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _common_word_places(lookup_path: Path) -> list[str]:
    """Place names deduce drops because they are also common words ("Leiden")."""
    from deduce.lookup_structs import load_raw_itemsets

    raw = load_raw_itemsets(
        base_path=lookup_path,
        subdirs=[
            "locations/lst_placename",
            "whitelist/lst_common_word",
            "whitelist/lst_stop_word",
        ],
    )
    common = {word.lower() for word in raw["common_word"] | raw["stop_word"]}
    return sorted(name for name in raw["placename"] if name.lower() in common)


def _build() -> Any:
    # deduce calls logging.basicConfig(level=DEBUG) on import; keep the process's own
    # logging set-up (see bot.logsafe) exactly as it was.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import deduce.deduce as deduce_module
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    logging.getLogger("deduce").setLevel(logging.WARNING)

    annotators = {
        **OVERRIDES,
        **extra_annotators(
            _common_word_places(deduce_module._LOOKUP_LIST_PATH), _read_places(PLACES_FILE)
        ),
    }
    model = deduce_module.Deduce(config={"annotators": annotators})
    from bot.privacy.annotators import DropFragments, TagKeepingRedactor

    post = model.processors["post_processing"]
    post.add_processor("drop_fragments", DropFragments(), position=1)
    post.add_processor("redactor", TagKeepingRedactor(open_char="[", close_char="]"))
    return model


def _model() -> Any:
    global _deduce
    with _lock:
        if _deduce is None:
            _deduce = _build()
        return _deduce


def _fingerprint(text: str) -> bytes:
    """Return the cache key of a text: a keyed hash, so the cache holds no original."""
    global _cache_key
    if _cache_key is None:
        _cache_key = secrets.token_bytes(32)
    data = text.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, key=_cache_key, digest_size=32).digest()


def redact(text: str) -> str:
    """Return ``text`` with every piece of personal data replaced by a tag."""
    if not text or not text.strip():
        return text
    with _cache_lock:
        key = _fingerprint(text)
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    redacted = str(_model().deidentify(text).deidentified_text)
    with _cache_lock:
        # redacting is idempotent, so the result maps to itself
        _cache[key] = redacted
        _cache[_fingerprint(redacted)] = redacted
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return redacted


def cached_texts() -> list[str]:
    """Return every text the redaction cache holds (all redacted; for tests and audits)."""
    with _cache_lock:
        return list(_cache.values())


def clear_cache() -> None:
    """Forget the texts redacted so far (for measurements)."""
    with _cache_lock:
        _cache.clear()


def find(text: str) -> list[Span]:
    """Return the pieces of personal data :func:`redact` would replace, in text order."""
    if not text or not text.strip():
        return []
    document = _model().deidentify(text)
    spans = [
        Span(a.start_char, a.end_char, a.tag, a.text)
        for a in document.annotations
        if a.tag != KEEP_TAG
    ]
    return sorted(spans, key=lambda s: s.start)


def warm_up() -> threading.Thread:
    """Build the de-identification model in a background thread (returns the thread)."""
    thread = threading.Thread(target=_model, name="deduce-warm-up", daemon=True)
    thread.start()
    return thread
