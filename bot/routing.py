"""Rank catalogue resources for a professional's question.

The ranking combines three signals, so that phrasings the classifier never saw
still find the right entry:

* the *topic*: the intent's catalogue themes (and preferred kinds) from ``routing.yml``;
* the *entities*: a named phenomenon maps to a theme, the professional's role to an audience;
* the *words* of the message: Okapi BM25 over each resource's title, summary,
  keywords and themes, with Dutch stemming;
* the *meaning* of the message: its sentence embedding (:mod:`bot.encoder`) against
  each resource's title, summary and keywords, so that "a meeting for aldermen" finds
  an offer for bestuurders without sharing a word with it.

Only resources the bot may point to are ranked
(:attr:`bot.catalogue.Catalogue.recommendable`): an archive workshop, training, network
or service (``status: historical``, such as a Platform JEP workshop of 2018-2021) is
never recommended, as nobody can book or join it today; archive reading (a JEPzine of
2018) may be, and is shown under its title, which says "archief" and its years.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rank_bm25 import BM25Okapi

from bot.catalogue import Catalogue, CatalogueStore, Resource, Topic
from bot.encoder import CachedEncoder, EncoderUnavailableError, get_encoder
from bot.settings import Settings, get_settings
from bot.text import terms

logger = logging.getLogger(__name__)

# Weights of the parts of the score. The lexical BM25 score is squashed to 0..1 by
# raw / (raw + TEXT_SATURATION), so one generic shared word counts little and a
# strong match on several words counts much, independent of the other resources.
TEXT_WEIGHT = 0.8
TEXT_SATURATION = 8.0
PRIMARY_THEME_WEIGHT = 1.0
SIDE_THEME_WEIGHT = 0.75
OTHER_THEME_WEIGHT = 0.4
ENTITY_THEME_WEIGHT = 1.0
KIND_WEIGHT = 1.0
AUDIENCE_WEIGHT = 0.15
# Archive reading counts for less than something current that fits as well: a
# professional should first meet what is on offer today.
ARCHIVE_FACTOR = 0.9
# The semantic score is how far a resource's similarity stands above the catalogue's
# mean for this question, in standard deviations, divided by SEMANTIC_SPREAD and
# clipped to 0..1: only resources that clearly stand out gain.
SEMANTIC_WEIGHT = 0.8
SEMANTIC_SPREAD = 3.0
# How many of the classifier's likeliest topics take part in the ranking.
RANKED_TOPICS = 3
# Below this confidence in every topic, an expert resource joins the results.
UNSURE_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Recommendation:
    """A resource with the score that ranked it."""

    resource: Resource
    score: float


def _document(resource: Resource) -> list[str]:
    # Keywords and title are written for retrieval: count them twice.
    parts = [
        resource.title,
        resource.title,
        resource.summary,
        resource.provider,
        " ".join(resource.keywords),
        " ".join(resource.keywords),
        " ".join(t.replace("-", " ") for t in resource.themes),
    ]
    return terms(" ".join(parts))


def _topic_score(topic: Topic, resource: Resource) -> float:
    """Score how well a resource serves one topic.

    The best matching theme counts, not how many: a resource that touches every
    theme a little must not beat one made for the topic's main theme. A resource
    lists its own main theme first; a resource whose main theme is the topic's
    main theme ranks above one that only touches it.
    """
    score = 0.0
    if topic.themes and resource.themes[0] == topic.themes[0]:
        score += PRIMARY_THEME_WEIGHT
    elif topic.themes and topic.themes[0] in resource.themes:
        score += SIDE_THEME_WEIGHT
    elif set(topic.themes[1:]).intersection(resource.themes):
        score += OTHER_THEME_WEIGHT
    if resource.kind in topic.kinds:
        score += KIND_WEIGHT
    return score


def _semantic_document(resource: Resource) -> str:
    return f"{resource.title}. {resource.summary} {', '.join(resource.keywords)}"


class Router:
    """Ranks the resources of one catalogue; build once per catalogue version."""

    def __init__(self, catalogue: Catalogue, encoder: CachedEncoder | None = None) -> None:
        self.catalogue = catalogue
        # Archive offers are never recommended, so they are not indexed either.
        self.resources = catalogue.recommendable
        self._bm25 = BM25Okapi([_document(r) for r in self.resources]) if self.resources else None
        self._encoder = encoder
        self._vectors = (
            encoder.encode([_semantic_document(r) for r in self.resources])
            if encoder is not None and self.resources
            else None
        )

    def _semantic_scores(self, text: str) -> list[float]:
        if self._encoder is None or self._vectors is None or not text.strip():
            return [0.0] * len(self.resources)
        similarities = self._vectors @ self._encoder.encode_one(text)
        spread = float(similarities.std()) or 1.0
        standing = (similarities - float(similarities.mean())) / spread / SEMANTIC_SPREAD
        return [float(v) for v in np.clip(standing, 0.0, 1.0)]

    def _text_scores(self, text: str) -> list[float]:
        query = terms(text)
        if not query or self._bm25 is None:
            return [0.0] * len(self.resources)
        raw = [max(float(s), 0.0) for s in self._bm25.get_scores(query)]
        return [s / (s + TEXT_SATURATION) for s in raw]

    def likely_topics(self, ranking: Sequence[tuple[str, float]]) -> list[tuple[Topic, float]]:
        """Return the catalogue topics in the classifier's ranking, likeliest first."""
        topics = self.catalogue.topics
        return [(topics[name], conf) for name, conf in ranking if name in topics]

    def _topic_weights(
        self, intent: str | None, likely: Sequence[tuple[Topic, float]]
    ) -> list[tuple[Topic, float]]:
        """Weigh the likeliest topics by the classifier's confidence (summing to 1)."""
        candidates = list(likely[:RANKED_TOPICS])
        top = self.catalogue.topics.get(intent or "")
        if top is not None and all(topic is not top for topic, _ in candidates):
            candidates.insert(0, (top, 1.0))
        total = sum(conf for _, conf in candidates)
        if total <= 0:
            return []
        return [(topic, conf / total) for topic, conf in candidates]

    def rank(
        self,
        *,
        intent: str | None,
        text: str,
        entities: Mapping[str, Sequence[str]] | None = None,
        ranking: Sequence[tuple[str, float]] = (),
        limit: int = 3,
    ) -> list[Recommendation]:
        """Return the best ``limit`` resources for this question, best first.

        Args:
            intent: the classified intent, or ``None`` when unknown.
            text: the message as the professional typed it.
            entities: extracted entity values by entity name (``role``, ``phenomenon``, ...).
            ranking: the classifier's (intent, confidence) ranking. The likeliest topics
                count in proportion to their confidence, so an uncertain classification
                still routes well.
            limit: how many resources to return at most.

        """
        entities = entities or {}
        likely = self.likely_topics(ranking)
        topics = self._topic_weights(intent, likely)
        entity_themes = {
            self.catalogue.entity_themes[v]
            for v in entities.get("phenomenon", ())
            if v in self.catalogue.entity_themes
        }
        audiences = {
            self.catalogue.role_audience[v]
            for v in entities.get("role", ())
            if v in self.catalogue.role_audience
        }
        text_scores = self._text_scores(text)
        semantic_scores = self._semantic_scores(text)

        scored: list[Recommendation] = []
        for resource, text_score, semantic in zip(
            self.resources, text_scores, semantic_scores, strict=True
        ):
            score = TEXT_WEIGHT * text_score + SEMANTIC_WEIGHT * semantic
            for topic, weight in topics:
                score += weight * _topic_score(topic, resource)
            score += ENTITY_THEME_WEIGHT * len(entity_themes.intersection(resource.themes))
            if audiences.intersection(resource.audience):
                score += AUDIENCE_WEIGHT
            if not resource.is_current:
                score *= ARCHIVE_FACTOR
            if score > 0:
                scored.append(Recommendation(resource, round(score, 4)))
        # sorted() is stable: equal scores keep catalogue order.
        best = sorted(scored, key=lambda rec: rec.score, reverse=True)[:limit]
        return self._with_expert_when_unsure(best, likely, limit)

    def _with_expert_when_unsure(
        self,
        best: list[Recommendation],
        likely: Sequence[tuple[Topic, float]],
        limit: int,
    ) -> list[Recommendation]:
        """Make sure an expert who can think along is among the results when unsure.

        When the classifier is unsure which topic the question is about (no topic
        reaches ``UNSURE_CONFIDENCE``), the catalogue's ``unsure_resource`` takes the
        last place, so a professional always has someone to ask.
        """
        expert_id = self.catalogue.unsure_resource
        if not expert_id or not best or not likely or likely[0][1] >= UNSURE_CONFIDENCE:
            return best
        if any(rec.resource.id == expert_id for rec in best):
            return best
        expert = Recommendation(self.catalogue.get(expert_id), 0.0)
        return [*best[: limit - 1], expert]


class Recommender:
    """Recommends resources from the current catalogue, rebuilding its index on change."""

    def __init__(
        self, store: CatalogueStore, limit: int = 3, encoder: CachedEncoder | None = None
    ) -> None:
        self._store = store
        self._limit = limit
        self._encoder = encoder
        self._lock = threading.Lock()
        self._router: Router | None = None

    def catalogue(self) -> Catalogue:
        """Return the catalogue as it is on disk now."""
        return self._store.get()

    def router(self) -> Router:
        """Return a router for the catalogue as it is on disk now."""
        catalogue = self._store.get()
        with self._lock:
            if self._router is None or self._router.catalogue is not catalogue:
                self._router = Router(catalogue, self._encoder)
            return self._router

    def recommend(
        self,
        *,
        intent: str | None,
        text: str,
        entities: Mapping[str, Sequence[str]] | None = None,
        ranking: Sequence[tuple[str, float]] = (),
    ) -> list[Resource]:
        """Return the best resources for a question, best first."""
        ranked = self.router().rank(
            intent=intent, text=text, entities=entities, ranking=ranking, limit=self._limit
        )
        return [rec.resource for rec in ranked]

    def likely_topics(self, ranking: Sequence[tuple[str, float]], limit: int) -> list[Topic]:
        """Return at most ``limit`` catalogue topics from the classifier's ranking."""
        return [topic for topic, _ in self.router().likely_topics(ranking)[:limit]]


def entities_by_name(entities: Iterable[Mapping[str, object]]) -> dict[str, list[str]]:
    """Group NLU entity dicts (``{"entity": ..., "value": ...}``) by entity name."""
    grouped: dict[str, list[str]] = {}
    for entity in entities:
        name, value = entity.get("entity"), entity.get("value")
        if isinstance(name, str) and isinstance(value, str):
            grouped.setdefault(name, []).append(value)
    return grouped


def build_recommender(settings: Settings, *, semantic: bool = True) -> Recommender:
    """Create a recommender over the catalogue named in the settings.

    With ``semantic`` the packaged sentence encoder joins the ranking; where it cannot
    run (no AVX2), routing goes on with topics, entities and words alone.
    """
    encoder: CachedEncoder | None = None
    if semantic:
        try:
            encoder = get_encoder("e5")
        except EncoderUnavailableError as error:
            logger.warning("routing without the sentence encoder: %s", error)
            encoder = None
    return Recommender(
        CatalogueStore(settings.catalogue_path), limit=settings.max_results, encoder=encoder
    )


@lru_cache(maxsize=1)
def get_recommender() -> Recommender:
    """Return the process-wide recommender, created on first use."""
    return build_recommender(get_settings())
