"""The packaged sentence encoder and the Rasa featurizer built on it (real model, offline)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import encoder as encoder_module
from bot.encoder import CachedEncoder, EncoderUnavailableError, cpu_flags, get_encoder
from components.sentence_encoder import SentenceEncoderFeaturizer


def test_vectors_are_unit_length_and_meaning_is_near() -> None:
    encoder = get_encoder("e5")
    vectors = encoder.encode(
        [
            "Er wordt geschoten bij de school",
            "Someone is shooting at the school right now",
            "Hoe laat begint de ouderavond?",
        ]
    )
    assert vectors.shape == (3, encoder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_the_cache_returns_the_same_vector_without_embedding_again() -> None:
    encoder = get_encoder("e5")
    first = encoder.encode_one("een tekst die in de cache komt")
    calls = []
    inner = encoder._encoder
    original = inner.encode

    def counting(texts):
        calls.append(list(texts))
        return original(texts)

    inner.encode = counting  # type: ignore[method-assign]
    try:
        again = encoder.encode(["een tekst die in de cache komt", "een nieuwe tekst"])
    finally:
        inner.encode = original  # type: ignore[method-assign]
    assert calls == [["een nieuwe tekst"]]
    assert np.array_equal(again[0], first)


class _CountingEncoder:
    """A stand-in model: a text's vector is made of its length, and calls are counted."""

    name = "counting"
    dim = 2

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.calls.append(list(texts))
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)


def test_the_cache_holds_no_original_text() -> None:
    """Issue 11, item 12: the cache is keyed by a keyed hash and holds only vectors."""
    inner = _CountingEncoder()
    encoder = CachedEncoder(inner, size=3)
    texts = ["Mijn leerling Mohammed (15) praat over de jihad", "Fatima zit op het Lyceum"]
    first = encoder.encode(texts)
    again = encoder.encode([texts[1], texts[0], texts[1]])
    assert inner.calls == [texts]  # the same hits as before: embedded once
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[1], first[0])
    cache = encoder._cache
    assert len(cache) == 2
    for key, value in cache.items():
        assert isinstance(key, bytes) and len(key) == 32
        assert isinstance(value, np.ndarray)
        for text in texts:
            assert key != text.encode() and text.encode() not in key
            assert text.encode() not in value.tobytes()
    # the key is a keyed hash: another process (another key) gives other keys
    assert set(CachedEncoder(_CountingEncoder())._fingerprint(t) for t in texts).isdisjoint(cache)
    # bounded as before: the least recently used text goes first
    encoder.encode(["een", "twee"])
    assert len(cache) == 3
    encoder.encode([texts[1]])
    assert inner.calls[-1] == ["een", "twee"]  # texts[1] was still there...
    encoder.encode([texts[0]])
    assert inner.calls[-1] == [texts[0]]  # ...texts[0] had been evicted


def test_cpu_without_avx2_gets_a_clear_error(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor : 0\nflags : fpu sse sse2 avx\n")
    assert "avx2" not in cpu_flags(cpuinfo)
    with pytest.raises(EncoderUnavailableError, match="AVX2"):
        encoder_module._E5(threads=1, flags=cpu_flags(cpuinfo))


def test_an_unknown_encoder_is_a_clear_error() -> None:
    with pytest.raises(EncoderUnavailableError, match="unknown sentence encoder"):
        get_encoder("word2vec")


def _featurizer(tmp_path: Path, **config: object) -> SentenceEncoderFeaturizer:
    storage = LocalModelStorage(tmp_path)
    return SentenceEncoderFeaturizer.create(
        {**SentenceEncoderFeaturizer.get_default_config(), **config},
        storage,
        Resource("featurizer"),
        ExecutionContext(graph_schema=None, node_name="featurizer"),
    )


def test_featurizer_adds_one_scaled_sentence_feature(tmp_path: Path) -> None:
    featurizer = _featurizer(tmp_path, scale=10.0)
    message = Message(data={"text": "ik wil een adviseur spreken"})
    featurizer.process([message])
    sequence, sentence = message.get_dense_features("text")
    assert sequence is None
    assert sentence is not None
    assert sentence.features.shape == (1, 384)
    assert np.isclose(np.linalg.norm(sentence.features), 10.0, atol=1e-3)


def test_featurizer_featurizes_training_examples_and_skips_empty_ones(tmp_path: Path) -> None:
    featurizer = _featurizer(tmp_path)
    examples = [
        Message(data={"text": "hoi", "intent": "greet"}),
        Message(data={"intent": "greet"}),
    ]
    featurizer.process_training_data(TrainingData(training_examples=examples))
    assert examples[0].get_dense_features("text")[1] is not None
    assert examples[1].get_dense_features("text")[1] is None


@pytest.mark.parametrize(
    "config",
    [{"encoder": "word2vec"}, {"scale": 0}, {"threads": 0}],
)
def test_featurizer_rejects_a_bad_configuration(tmp_path: Path, config: dict[str, object]) -> None:
    with pytest.raises(InvalidConfigException):
        _featurizer(tmp_path, **config)
