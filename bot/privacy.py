"""De-identification of Dutch text before anything is stored.

:func:`redact` replaces names, addresses, places, phone numbers, e-mail
addresses, BSNs, dates, ages, institutions and URLs with tags such as
``[PERSOON-1]``, using ``deduce``. The deduce model takes seconds and about a
gigabyte to build, so it is created once per process, on first use or in the
background by :func:`warm_up`.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

_lock = threading.Lock()
_deduce: Any = None


def _model() -> Any:
    global _deduce
    with _lock:
        if _deduce is None:
            from deduce import Deduce

            logging.getLogger("deduce").setLevel(logging.WARNING)
            _deduce = Deduce()
        return _deduce


def redact(text: str) -> str:
    """Return ``text`` with every piece of personal data replaced by a tag."""
    if not text or not text.strip():
        return text
    return str(_model().deidentify(text).deidentified_text)


def warm_up() -> threading.Thread:
    """Build the de-identification model in a background thread (returns the thread)."""
    thread = threading.Thread(target=_model, name="deduce-warm-up", daemon=True)
    thread.start()
    return thread
