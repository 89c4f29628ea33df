"""The packaged sentence encoder and the Rasa featurizer built on it (real model, offline)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import encoder as encoder_module
from bot.encoder import EncoderUnavailableError, cpu_flags, get_encoder
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
