"""NLU safety net: acute danger and thoughts of suicide win over any other prediction.

Placed last in the pipeline (after the FallbackClassifier). For every message it reads
the verdict of the acute-danger check (:mod:`bot.danger`): the one the channel left in
the message's server-side metadata (it also saw the conversation's previous turns), or,
when there is none (``/model/parse``), its own for this text alone.

* acute: the intent becomes ``acute_danger`` with full confidence, so the very first
  reply is the 112 message;
* thoughts of suicide without immediate danger: the intent becomes
  ``suicidal_thoughts`` (113), unless the classifier is sure of another topic;
* when only the classifier says ``acute_danger``, it must be confident
  (``classifier_threshold``), or fairly sure while the check finds danger possible;
  otherwise the next intent of its ranking is taken, so that a question that merely
  mentions violence does not get a false alarm.

The verdict is added to the parse data as ``danger`` (level, reason, score; no text).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.danger import Assessment, DangerDetector, Level, detector_for
from bot.encoder import EncoderUnavailableError
from bot.settings import get_settings
from components.channels.guard import DANGER_METADATA_KEY

ACUTE_INTENT = "acute_danger"
SUICIDAL_INTENT = "suicidal_thoughts"
FALLBACK_INTENT = "nlu_fallback"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class AcuteDangerGuard(GraphComponent):
    """Sets the intent to ``acute_danger`` or ``suicidal_thoughts`` when the check says so."""

    def __init__(self, config: dict[str, Any], detector: DangerDetector) -> None:
        self._threshold = float(config["classifier_threshold"])
        self._fallback_threshold = float(config["fallback_threshold"])
        self._suicidal_override = float(config["suicidal_override"])
        self._detector = detector

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Return the default configuration.

        ``classifier_threshold``: the confidence the classifier needs to call a message
        acute on its own. ``fallback_threshold``: below this confidence the replacement
        intent after a demotion becomes ``nlu_fallback``. ``suicidal_override``: a topic
        the classifier is this sure of is kept over ``suicidal_thoughts``. ``encoder``:
        the sentence encoder (the same as the featurizer's, so texts are embedded once).
        """
        return {
            "classifier_threshold": 0.8,
            "fallback_threshold": 0.4,
            "suicidal_override": 0.9,
            "encoder": "e5",
        }

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AcuteDangerGuard:
        """Create the guard and load the acute-danger check (once per process)."""
        config = {**cls.get_default_config(), **config}
        try:
            detector = detector_for(get_settings().root, str(config["encoder"]))
        except (EncoderUnavailableError, OSError, ValueError) as error:
            raise InvalidConfigException(f"AcuteDangerGuard: {error}") from error
        return cls(config, detector)

    def _assessment(self, message: Message, text: str) -> Assessment:
        metadata = message.get("metadata")
        if isinstance(metadata, dict):
            given = Assessment.from_metadata(metadata.get(DANGER_METADATA_KEY))
            if given is not None:
                return given
        return self._detector.assess(text)

    def process(self, messages: list[Message]) -> list[Message]:
        """Apply the acute-danger check's verdict to each message's intent."""
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text:
                continue
            assessment = self._assessment(message, text)
            message.set("danger", assessment.as_metadata(), add_to_output=True)
            ranking = [
                item
                for item in message.get(INTENT_RANKING_KEY, []) or []
                if item.get("name") != ACUTE_INTENT
            ]
            intent = message.get(INTENT) or {}
            name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
            if assessment.level is Level.ACUTE:
                self._override(message, ACUTE_INTENT, ranking)
            elif name == ACUTE_INTENT and not (
                confidence >= self._threshold
                or (assessment.level is Level.POSSIBLE and confidence >= self._fallback_threshold)
            ):
                self._demote(message, ranking, assessment)
            elif assessment.suicidal and not (
                name not in (None, FALLBACK_INTENT, SUICIDAL_INTENT)
                and confidence >= self._suicidal_override
            ):
                self._override(message, SUICIDAL_INTENT, ranking)
        return messages

    @staticmethod
    def _override(message: Message, name: str, ranking: list[dict[str, Any]]) -> None:
        chosen = {"name": name, "confidence": 1.0}
        rest = [item for item in ranking if item.get("name") != name]
        message.set(INTENT, chosen, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [chosen, *rest], add_to_output=True)

    def _demote(
        self, message: Message, ranking: list[dict[str, Any]], assessment: Assessment
    ) -> None:
        if assessment.suicidal:
            self._override(message, SUICIDAL_INTENT, ranking)
            return
        candidates = [item for item in ranking if item.get("name") != FALLBACK_INTENT]
        if candidates and candidates[0].get("confidence", 0.0) >= self._fallback_threshold:
            replacement = candidates[0]
        else:
            replacement = {"name": FALLBACK_INTENT, "confidence": self._fallback_threshold}
        message.set(INTENT, replacement, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
