"""NLU safety net: acute danger is recognised even when the classifier misses it.

Placed last in the pipeline (after the FallbackClassifier), it asks
:func:`bot.safety.assess_acute` about every message. When the rules see acute
danger, the intent becomes ``acute_danger`` with full confidence, whatever the
classifier said, so the very first reply is the 112 message.
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


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class AcuteDangerGuard(GraphComponent):
    """Overrides the intent with ``acute_danger`` when the safety rules fire."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Return the default configuration: the guard has no options."""
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AcuteDangerGuard:
        """Create the guard (it holds no state)."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Mark messages that the safety rules judge acute."""
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not assess_acute(text).acute:
                continue
            acute = {"name": ACUTE_INTENT, "confidence": 1.0}
            ranking = [
                item
                for item in message.get(INTENT_RANKING_KEY, []) or []
                if item.get("name") != ACUTE_INTENT
            ]
            message.set(INTENT, acute, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [acute, *ranking], add_to_output=True)
        return messages
