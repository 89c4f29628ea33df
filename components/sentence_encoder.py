"""Dense sentence features from a packaged multilingual encoder (see :mod:`bot.encoder`).

The sparse word and character counts know only the words of the training data; this
featurizer adds what a pretrained multilingual model knows of meaning, so that
"geschoten", "neerknallen" or "kill himself" land near what they mean. It adds one
sentence feature per message (no sequence features: the classifier reads sentences).

The vectors are L2-normalised and multiplied by ``scale``, so that they weigh as much
as the sparse counts beside them in one linear classifier (measured: README
"Understanding"). The encoder is loaded once per process and shared with the
acute-danger check, which finds each text already embedded in its cache.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.encoder import ENCODERS, CachedEncoder, EncoderUnavailableError, get_encoder

_BATCH = 64


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a multilingual sentence embedding as the dense sentence feature of each text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Return the default configuration.

        ``encoder``: ``e5`` or ``use`` (:data:`bot.encoder.ENCODERS`); ``threads``:
        threads of the encoder (one is steadiest on a busy machine); ``scale``: factor
        on the unit-length vector.
        """
        return {
            **DenseFeaturizer.get_default_config(),
            "encoder": "e5",
            "threads": 1,
            "scale": 20.0,
        }

    def __init__(self, config: dict[str, Any], name: str, encoder: CachedEncoder) -> None:
        super().__init__(name, config)
        self._encoder = encoder
        self._scale = float(config["scale"])

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Reject an unknown encoder or a non-positive scale or thread count."""
        if config.get("encoder") not in ENCODERS:
            raise InvalidConfigException(
                f"SentenceEncoderFeaturizer: encoder must be one of {', '.join(ENCODERS)}"
            )
        if float(config.get("scale", 0)) <= 0 or int(config.get("threads", 0)) < 1:
            raise InvalidConfigException(
                "SentenceEncoderFeaturizer: scale must be positive and threads at least 1"
            )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        """Load the encoder (once per process); a CPU it cannot use is a clear error."""
        config = {**cls.get_default_config(), **config}
        cls.validate_config(config)
        try:
            encoder = get_encoder(str(config["encoder"]), int(config["threads"]))
        except EncoderUnavailableError as error:
            raise InvalidConfigException(f"SentenceEncoderFeaturizer: {error}") from error
        return cls(config, execution_context.node_name, encoder)

    def _featurize(self, messages: list[Message]) -> None:
        texts = [m for m in messages if isinstance(m.get(TEXT), str) and m.get(TEXT)]
        for start in range(0, len(texts), _BATCH):
            batch = texts[start : start + _BATCH]
            vectors = self._encoder.encode([m.get(TEXT) for m in batch]) * self._scale
            for message, vector in zip(batch, vectors, strict=True):
                self.add_features_to_message(
                    sequence=None,
                    sentence=np.asarray(vector, dtype=np.float32).reshape(1, -1),
                    attribute=TEXT,
                    message=message,
                )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurize every training example."""
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurize incoming messages."""
        self._featurize(messages)
        return messages
