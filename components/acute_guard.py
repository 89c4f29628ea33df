"""NLU safety net: acute danger is recognised even when the classifier misses it.

Placed last in the pipeline (after the FallbackClassifier), it asks
:func:`bot.safety.assess_acute` about every message:

* when the rules see acute danger, the intent becomes ``acute_danger`` with full
  confidence, whatever the classifier or the fallback said, so the very first reply
  is the 112 message;
* when only the classifier says ``acute_danger``, it must be confident
  (``classifier_threshold``); otherwise the next intent in its ranking is taken, so
  that a question that merely mentions violence does not get a false alarm.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.safety import assess_acute

ACUTE_INTENT = "acute_danger"
FALLBACK_INTENT = "nlu_fallback"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class AcuteDangerGuard(GraphComponent):
    """Overrides the intent with ``acute_danger`` when the safety rules fire."""

    def __init__(self, config: dict[str, Any]) -> None:
        self._threshold = float(config["classifier_threshold"])
        self._fallback_threshold = float(config["fallback_threshold"])

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Return the default configuration.

        ``classifier_threshold``: the confidence the classifier needs to call a
        message acute on its own. ``fallback_threshold``: below this confidence the
        replacement intent after a demotion becomes ``nlu_fallback``.
        """
        return {"classifier_threshold": 0.8, "fallback_threshold": 0.4}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AcuteDangerGuard:
        """Create the guard from its configuration."""
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: list[Message]) -> list[Message]:
        """Mark messages acute when the rules fire; demote unsure classifier guesses."""
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            ranking = [
                item
                for item in message.get(INTENT_RANKING_KEY, []) or []
                if item.get("name") != ACUTE_INTENT
            ]
            if assess_acute(text).acute:
                acute = {"name": ACUTE_INTENT, "confidence": 1.0}
                message.set(INTENT, acute, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [acute, *ranking], add_to_output=True)
                continue
            intent = message.get(INTENT) or {}
            if (
                intent.get("name") == ACUTE_INTENT
                and intent.get("confidence", 0.0) < self._threshold
            ):
                self._demote(message, ranking)
        return messages

    def _demote(self, message: Message, ranking: list[dict[str, Any]]) -> None:
        candidates = [item for item in ranking if item.get("name") != FALLBACK_INTENT]
        if candidates and candidates[0].get("confidence", 0.0) >= self._fallback_threshold:
            replacement = candidates[0]
        else:
            replacement = {"name": FALLBACK_INTENT, "confidence": self._fallback_threshold}
        message.set(INTENT, replacement, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
