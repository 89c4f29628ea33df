"""The acute-danger check: three signals, three answers, and it never stays silent.

Every user text on every channel is assessed before anything else, also texts that are
then refused (too long, rate limited) and texts that arrive while an adviser has the
conversation. The check combines three signals:

1. **rules** (:func:`bot.safety.assess_acute`): hand-written patterns for explicit
   danger ("hij heeft een mes", "ze staat op het dak");
2. **similarity** to a curated bank of examples (``safety/acute_bank.yml``): acute
   scenarios of every type (violence with and without weapons, group violence, hate
   attacks, honour-related threats, kidnapping and forced departure, vehicles, arson,
   explosives, riots, overdose and acute suicide risk, threats against the
   professional, attack plans), calm messages that use the same words (hard
   negatives) and thoughts of suicide without immediate danger;
3. a **classifier** over the same sentence embeddings, trained on that bank.

It scores the whole message, each of its sentences (the emergency may be the last line
of a long story) and the last few turns of the conversation together (danger spread
over several messages). The outcome is a :class:`Level`:

* ``ACUTE``: 112 first (the full urgent answer);
* ``POSSIBLE``: one line "Is er nu direct gevaar? Bel 112." above the normal answer;
* ``CALM``: the normal answer.

Separately, ``suicidal`` says the text is about thoughts of suicide without immediate
danger (then 113 Zelfmoordpreventie is named, never a goodbye), and ``self_harm`` says
it may be about suicide or self-harm at all (words of ``safety/self_harm_terms.yml`` or
a lower score): the channel then puts one line with 113 above the normal answer.

Thresholds live in the bank file and were calibrated on the development set for
recall first, then precision (README "Understanding"). The module never imports an
engine; the encoder comes from :mod:`bot.encoder`, loaded once per process.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path
from time import monotonic
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from bot.datafiles import read_mapping
from bot.encoder import CachedEncoder, get_encoder
from bot.safety import assess_acute, normalise

__all__ = [
    "Assessment",
    "DangerDetector",
    "Level",
    "RecentTurns",
    "SelfHarmTerms",
    "get_detector",
    "read_self_harm_terms",
    "split_sentences",
]

BANK_CLASSES = ("calm", "acute", "suicidal_thoughts")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_MIN_WORDS = 3
#: Texts longer than this are also scored sentence by sentence.
LONG_TEXT = 400
MAX_SENTENCES = 40
#: The classifier's share of the score (the rest is the neighbours' vote).
CLASSIFIER_WEIGHT = float(os.environ.get("ADVIESLIJN_DANGER_CLASSIFIER_WEIGHT", "0.25"))
#: The conversation window counts only when this text's own score reaches this.
WINDOW_OWN_FLOOR = 0.1


class Level(str, Enum):
    """How urgent a text is."""

    CALM = "calm"
    POSSIBLE = "possible"
    ACUTE = "acute"


@dataclass(frozen=True)
class Assessment:
    """The outcome of the acute-danger check for one text (in its conversation)."""

    level: Level
    reason: str | None = None
    suicidal: bool = False
    score: float = 0.0
    self_harm: bool = False

    @property
    def needs_113_line(self) -> bool:
        """Whether the one 113 line goes above the answer (no 113 or 112 answer follows)."""
        return self.self_harm and not self.suicidal and self.level is not Level.ACUTE

    def as_metadata(self) -> dict[str, Any]:
        """Return the assessment as message metadata (no text, only the outcome)."""
        return {
            "level": self.level.value,
            "reason": self.reason,
            "suicidal": self.suicidal,
            "self_harm": self.self_harm,
            "score": round(self.score, 3),
        }

    @classmethod
    def from_metadata(cls, data: Any) -> Assessment | None:
        """Read an assessment back from message metadata (``None`` when absent or bad)."""
        if not isinstance(data, dict):
            return None
        try:
            level = Level(data.get("level"))
        except ValueError:
            return None
        reason = data.get("reason")
        return cls(
            level=level,
            reason=reason if isinstance(reason, str) else None,
            suicidal=data.get("suicidal") is True,
            score=float(data.get("score") or 0.0),
            self_harm=data.get("self_harm") is True,
        )


@dataclass(frozen=True)
class Thresholds:
    """Where the similarity and classifier scores turn a text possible or acute."""

    acute: float
    possible: float
    suicidal: float
    window_acute: float
    rule_floor: float
    self_harm_line: float = 1.0


class SelfHarmTerms:
    """Words that show a text may be about suicide or self-harm (``safety/self_harm_terms.yml``).

    The terrorism senses ("zelfmoordaanslag", "suicide bomber") are taken out first.
    """

    def __init__(self, terms: Sequence[str], exceptions: Sequence[str] = ()) -> None:
        self._terms = re.compile(r"\b(?:" + "|".join(terms) + r")\b") if terms else None
        self._except = re.compile(r"\b(?:" + "|".join(exceptions) + r")\b") if exceptions else None

    def found(self, text: str) -> bool:
        """Whether the text holds one of the words (after the exceptions are removed)."""
        if self._terms is None:
            return False
        plain = normalise(text)
        if self._except is not None:
            plain = self._except.sub(" ", plain)
        return self._terms.search(plain) is not None


def read_self_harm_terms(path: Path) -> SelfHarmTerms:
    """Read and compile the word list; a bad file raises ``ValueError`` naming it."""
    data = read_mapping(path, ValueError)
    if data.get("version") != 1:
        raise ValueError(f"{path}: expected version: 1")
    lists: dict[str, list[str]] = {}
    for key in ("terms", "except"):
        values = data.get(key) or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"{path}: '{key}' must be a list of regular expressions")
        for value in values:
            try:
                re.compile(value)
            except re.error as error:
                message = f"{path}: '{key}' holds a bad expression {value!r}: {error}"
                raise ValueError(message) from error
        lists[key] = values
    return SelfHarmTerms(lists["terms"], lists["except"])


def split_sentences(text: str) -> list[str]:
    """Split a message into its sentences (at least three words each).

    >>> split_sentences("Een lang verhaal. Hij loopt nu weg met een mes!")
    ['Een lang verhaal.', 'Hij loopt nu weg met een mes!']
    """
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    return [p for p in parts if len(p.split()) >= _MIN_WORDS]


class DangerDetector:
    """Scores texts against the bank with a nearest-neighbour vote and a classifier."""

    def __init__(
        self,
        *,
        encoder: CachedEncoder,
        vectors: npt.NDArray[np.float32],
        labels: Sequence[str],
        categories: Sequence[str],
        thresholds: Thresholds,
        neighbours: int = 10,
        self_harm_terms: SelfHarmTerms | None = None,
    ) -> None:
        from sklearn.linear_model import LogisticRegression

        self._self_harm_terms = self_harm_terms or SelfHarmTerms(())
        self._encoder = encoder
        self._vectors = vectors
        self._labels = np.asarray(labels)
        self._categories = list(categories)
        self.thresholds = thresholds
        self._k = min(neighbours, len(labels))
        self._classifier = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
        self._classifier.fit(vectors, self._labels)
        self._classes = list(self._classifier.classes_)

    def _scores(self, texts: Sequence[str]) -> tuple[npt.NDArray[Any], npt.NDArray[Any], list[str]]:
        """Per text: the acute score, the suicidal-thoughts score and the nearest category.

        Each score is the mean of the classifier's probability and a similarity-weighted
        vote of the ``neighbours`` nearest bank examples.
        """
        matrix = self._encoder.encode(texts)
        probabilities = self._classifier.predict_proba(matrix)
        similarities = matrix @ self._vectors.T
        nearest = np.argsort(-similarities, axis=1)[:, : self._k]
        weights = np.exp((np.take_along_axis(similarities, nearest, axis=1) - 1.0) * 50.0)
        weights /= weights.sum(axis=1, keepdims=True)

        def score(label: str) -> npt.NDArray[Any]:
            vote = ((self._labels[nearest] == label) * weights).sum(axis=1)
            probability = probabilities[:, self._classes.index(label)]
            mean: npt.NDArray[Any] = (
                CLASSIFIER_WEIGHT * probability + (1 - CLASSIFIER_WEIGHT) * vote
            )
            return mean

        categories = [self._categories[row[0]] for row in nearest]
        return score("acute"), score("suicidal_thoughts"), categories

    def units(self, text: str, previous: Sequence[str] = ()) -> tuple[list[str], str | None]:
        """Return the parts of a text that are scored, and the conversation window.

        The whole text always; each sentence too when the text is long (the emergency
        may be the last line of a story); the window joins the last two earlier texts.
        """
        parts = [text]
        if len(text) > LONG_TEXT:
            parts.extend(split_sentences(text)[:MAX_SENTENCES])
        window = " ".join([*previous[-2:], text]) if previous else None
        return parts, window

    def assess(self, text: str, *, previous: Sequence[str] = ()) -> Assessment:
        """Assess one user text, with the user's previous texts of this conversation.

        Args:
            text: the new message, as typed.
            previous: the user's earlier messages in this conversation, oldest first
                (only the last two are used).

        """
        parts, window = self.units(text, previous)
        acute, suicidal, categories = self._scores(parts)
        n = len(parts)
        best = int(np.argmax(acute))
        score = float(acute[best])
        # A single sentence out of its story raises the full alarm only: the "possibly
        # acute" line needs the whole text (or the conversation) to look like danger.
        whole = float(acute[0])
        window_score = 0.0
        window_category = None
        if window and whole >= WINDOW_OWN_FLOOR:
            # The conversation counts only when this text adds to it: a calm text after
            # an emergency (already answered) does not inherit the alarm. (Embedding
            # the window only then keeps ordinary messages fast.)
            joined, _, nearest = self._scores([window, *previous[-2:]])
            if float(joined[0]) > float(joined[1:].max()):
                window_score, window_category = float(joined[0]), nearest[0]
        suicidal_score = float(suicidal[:n].max())
        t = self.thresholds
        is_suicidal = suicidal_score >= t.suicidal
        self_harm = suicidal_score >= t.self_harm_line or self._self_harm_terms.found(text)
        ruled = assess_acute(text)
        if ruled.reason == "suicide" and score < t.acute:
            # Words about ending one's life that the bank does not place with means, a plan
            # or "now": thoughts of suicide, 113 (whose answer names 112 too), above it the
            # "possibly acute" line.
            return Assessment(Level.POSSIBLE, "suicidal_thoughts", True, score, True)
        if score >= t.acute or (ruled.acute and score >= t.rule_floor):
            return Assessment(Level.ACUTE, ruled.reason or categories[best], False, score)
        if window_score >= t.window_acute:
            return Assessment(Level.ACUTE, window_category, False, window_score)
        # Signs of self-harm (the words, or closeness to thoughts of suicide) lower the
        # bar of the "possibly acute" line to the rule floor: an overdose or a cut told
        # in plain words must not stay silent because it reads calm otherwise.
        possible = t.rule_floor if self_harm else t.possible
        if ruled.acute or whole >= possible or window_score >= t.possible:
            reason = ruled.reason or categories[best]
            return Assessment(Level.POSSIBLE, reason, is_suicidal, score, self_harm)
        return Assessment(Level.CALM, None, is_suicidal, score, self_harm)

    def score_texts(self, texts: Sequence[str]) -> list[tuple[float, float]]:
        """Return the raw (acute, suicidal-thoughts) scores of whole texts (for calibration)."""
        acute, suicidal, _ = self._scores(texts)
        return [(float(a), float(s)) for a, s in zip(acute, suicidal, strict=True)]


_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")
#: NLU intents whose examples join the bank as acute or as thoughts of suicide;
#: every other intent's examples are ordinary messages (calm).
NLU_CLASSES = {"acute_danger": "acute", "suicidal_thoughts": "suicidal_thoughts"}


def read_nlu_examples(nlu_dir: Path) -> list[tuple[str, str]]:
    """Read (text, intent) pairs from Rasa NLU training files, without Rasa.

    Entity annotations (``[docent](role)``) become their plain text.
    """
    pairs: list[tuple[str, str]] = []
    for path in sorted(nlu_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or ():
            intent, examples = block.get("intent"), block.get("examples")
            if not isinstance(intent, str) or not isinstance(examples, str):
                continue
            for line in examples.splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2) or "", line[2:])
                    pairs.append((text.strip(), intent))
    return pairs


def read_bank(
    path: Path, nlu_dir: Path | None = None
) -> tuple[list[str], list[str], list[str], Thresholds]:
    """Read the bank: texts, their class (calm, acute, suicidal_thoughts), category, thresholds.

    With ``nlu_dir`` the NLU training examples join the bank: the ordinary questions,
    small talk and requests of every other intent are the everyday calm messages.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts: list[str] = []
    labels: list[str] = []
    categories: list[str] = []
    for label in BANK_CLASSES:
        section = data.get(label) or {}
        for category, examples in section.items():
            for example in examples or ():
                texts.append(str(example))
                labels.append(label)
                categories.append(f"{label}:{category}")
    if nlu_dir is not None:
        for text, intent in read_nlu_examples(nlu_dir):
            label = NLU_CLASSES.get(intent, "calm")
            texts.append(text)
            labels.append(label)
            categories.append(f"{label}:nlu:{intent}")
    raw = data.get("thresholds") or {}
    thresholds = Thresholds(
        acute=float(raw.get("acute", 0.75)),
        possible=float(raw.get("possible", 0.5)),
        suicidal=float(raw.get("suicidal", 0.5)),
        window_acute=float(raw.get("window_acute", 0.8)),
        rule_floor=float(raw.get("rule_floor", 0.3)),
        self_harm_line=float(raw.get("self_harm_line", 1.0)),
    )
    return texts, labels, categories, thresholds


def _bank_vectors(
    texts: Sequence[str], encoder: CachedEncoder, cache_dir: Path
) -> npt.NDArray[np.float32]:
    """Embed the bank once; keep the vectors on disk for the next start."""
    digest = hashlib.sha256("\n".join([encoder.name, *texts]).encode("utf-8")).hexdigest()[:16]
    cached = cache_dir / f"acute-bank-{encoder.name}-{digest}.npy"
    if cached.exists():
        loaded = np.asarray(np.load(cached), dtype=np.float32)
        if loaded.shape == (len(texts), encoder.dim):
            return loaded
    vectors = encoder.encode(texts)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        np.save(cached, vectors)
    except OSError:
        pass  # a read-only checkout embeds the bank at every start instead
    return vectors


@lru_cache(maxsize=4)
def get_detector(
    bank: Path,
    cache_dir: Path,
    encoder: str = "e5",
    nlu_dir: Path | None = None,
    self_harm_terms: Path | None = None,
) -> DangerDetector:
    """Load the detector once per process (the encoder is shared with the NLU)."""
    shared = get_encoder(encoder)
    texts, labels, categories, thresholds = read_bank(bank, nlu_dir)
    return DangerDetector(
        encoder=shared,
        vectors=_bank_vectors(texts, shared, cache_dir),
        labels=labels,
        categories=categories,
        thresholds=thresholds,
        self_harm_terms=read_self_harm_terms(self_harm_terms) if self_harm_terms else None,
    )


class RecentTurns:
    """The last few user texts per conversation, kept briefly in memory (never stored).

    Danger can be spread over two or three messages; the check reads them together.
    Bounded in conversations and in age, so it holds no personal data for long.
    """

    def __init__(self, *, turns: int = 2, conversations: int = 5000, seconds: float = 900) -> None:
        self._turns = turns
        self._max = conversations
        self._seconds = seconds
        self._data: OrderedDict[str, tuple[float, deque[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def previous(self, conversation: str) -> list[str]:
        """Return the user's recent texts in this conversation, oldest first."""
        with self._lock:
            entry = self._data.get(conversation)
            if entry is None or monotonic() - entry[0] > self._seconds:
                return []
            return list(entry[1])

    def add(self, conversation: str, text: str) -> None:
        """Remember a text of this conversation."""
        with self._lock:
            entry = self._data.pop(conversation, None)
            texts = entry[1] if entry else deque(maxlen=self._turns)
            texts.append(text)
            self._data[conversation] = (monotonic(), texts)
            while len(self._data) > self._max:
                self._data.popitem(last=False)


def detector_for(root: Path, encoder: str = "e5") -> DangerDetector:
    """Return the detector of the project at ``root`` (bank in safety/, cache in models/)."""
    safety = root / "safety"
    return get_detector(
        safety / "acute_bank.yml",
        root / "models",
        encoder,
        root / "data" / "nlu",
        safety / "self_harm_terms.yml",
    )
