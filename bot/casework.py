"""Advice on a professional's own situation, without the engine.

When a professional describes a concrete situation, the bot answers the question and
then offers at most three short, skippable questions (age group; where they see the
young person; since when, and what was tried). It never asks for names. From the
answers it chooses the next steps: what to observe and write down, who to talk to
inside the organisation, when to involve the municipality's contact point, Veilig
Thuis, the police or 112, what to read, and an adviser.

This module decides, from plain values:

* whether a message describes a concrete situation (:func:`describes_situation`) and
  whether to offer the questions (:func:`should_offer`);
* what an answer says (:func:`read_age`, :func:`read_setting`, :func:`read_history`):
  only values this module chooses come out, never the professional's words;
* which domain responses make up the advice (:func:`next_steps`) and which catalogue
  topic and audience the reading list uses (:func:`reading_topic`, :data:`SETTING_ROLE`).

The words it recognises are data: ``config/casework.yml``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.datafiles import read_mapping
from bot.settings import Settings
from bot.text import fold

AGES = ("kind", "tiener", "jongvolwassene")
SETTINGS = ("school", "jongerenwerk", "jeugdhulp", "sport", "thuis")
SINCE = ("recent", "maanden", "langer")
TRIED = ("jongere", "collegas", "intern", "ouders", "extern")
# Slot values for a question that was skipped, or answered.
SKIPPED = "overgeslagen"
ANSWERED = "beantwoord"
# The NLU's age_group entity (data/nlu/entities.yml) in the age groups asked here.
AGE_GROUPS = {"kinderen": "kind", "tieners": "tiener", "jongvolwassenen": "jongvolwassene"}
# The catalogue role (catalogue/routing.yml, role_audience) whose audience fits a setting.
SETTING_ROLE = {
    "school": "docent",
    "jongerenwerk": "jongerenwerker",
    "jeugdhulp": "jeugdhulp",
    "sport": "sportcoach",
    "thuis": "wijkteam",
}
# The topic whose resources are read when the conversation named none: weighing
# signals together (the Richtlijn, the LSE, the Werkwijze).
DEFAULT_TOPIC = "ask_judgement"
# More weeks than this count as months.
WEEKS_RECENT = 6
NUMBER_WORDS = {
    "een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8,
    "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14,
    "vijftien": 15, "zestien": 16, "zeventien": 17, "achttien": 18, "negentien": 19,
    "twintig": 20,
}  # fmt: skip
_NUMBER = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"
_AGE_IN_YEARS = re.compile(rf"(?<!\w){_NUMBER}(?:\s*-?\s*(?:jaar|jarige?|jr)\b|\))")
_AGE_OF = re.compile(rf"\bvan {_NUMBER}\b(?!\s*(?:dagen|weken|maanden|jaar\s+geleden))")
_BARE_NUMBER = re.compile(r"^\D*(\d{1,2})\D*$")
_DURATION = re.compile(rf"(?<!\w){_NUMBER}\s+(dag|dagen|week|weken|maand|maanden|jaar|jaren)\b")


class CaseworkDataError(ValueError):
    """``config/casework.yml`` is missing or malformed."""


@dataclass(frozen=True)
class Vocabulary:
    """The words the case questions recognise, folded (lower case, no accents)."""

    person: tuple[str, ...]
    own: tuple[str, ...]
    event: tuple[str, ...]
    time: tuple[str, ...]
    place: tuple[str, ...]
    general: tuple[str, ...]
    no_offer_topics: frozenset[str]
    ages: Mapping[str, tuple[str, ...]]
    age_years: Mapping[str, tuple[int, int]]
    settings: Mapping[str, tuple[str, ...]]
    since: Mapping[str, tuple[str, ...]]
    tried: Mapping[str, tuple[str, ...]]
    units: Mapping[str, str]


def _words(raw: object, where: str, path: Path) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(w, str) and w for w in raw):
        raise CaseworkDataError(f"{path}: '{where}' must be a list of words")
    return tuple(fold(w) for w in raw)


def _options(
    raw: object, where: str, path: Path, allowed: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, Mapping) or set(raw) != set(allowed):
        raise CaseworkDataError(f"{path}: '{where}' must give words for {', '.join(allowed)}")
    return {str(k): _words(v, f"{where}.{k}", path) for k, v in raw.items()}


def load_vocabulary(path: Path) -> Vocabulary:
    """Read the case-question vocabulary (raises :class:`CaseworkDataError` naming the file)."""
    raw = read_mapping(path, CaseworkDataError)
    situation = raw.get("situation")
    if not isinstance(situation, Mapping):
        raise CaseworkDataError(f"{path}: 'situation' must map cue kinds to words")
    years = raw.get("age_years")
    if not isinstance(years, Mapping) or set(years) != set(AGES):
        raise CaseworkDataError(f"{path}: 'age_years' must give a range for {', '.join(AGES)}")
    ranges: dict[str, tuple[int, int]] = {}
    for age, bounds in years.items():
        if not (
            isinstance(bounds, list)
            and len(bounds) == 2
            and all(isinstance(b, int) for b in bounds)
        ):
            raise CaseworkDataError(f"{path}: 'age_years.{age}' must be [from, to]")
        ranges[str(age)] = (bounds[0], bounds[1])
    units = raw.get("units")
    if not isinstance(units, Mapping) or not set(units.values()) <= set(SINCE):
        raise CaseworkDataError(f"{path}: 'units' must map time words to {', '.join(SINCE)}")
    topics = raw.get("no_offer_topics") or []
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise CaseworkDataError(f"{path}: 'no_offer_topics' must be a list of intents")
    return Vocabulary(
        person=_words(situation.get("person"), "situation.person", path),
        own=_words(situation.get("own"), "situation.own", path),
        event=_words(situation.get("event"), "situation.event", path),
        time=_words(situation.get("time"), "situation.time", path),
        place=_words(situation.get("place"), "situation.place", path),
        general=_words(situation.get("general"), "situation.general", path),
        no_offer_topics=frozenset(topics),
        ages=_options(raw.get("ages"), "ages", path, AGES),
        age_years=ranges,
        settings=_options(raw.get("settings"), "settings", path, SETTINGS),
        since=_options(raw.get("since"), "since", path, SINCE),
        tried=_options(raw.get("tried"), "tried", path, TRIED),
        units={fold(str(k)): str(v) for k, v in units.items()},
    )


_lock = threading.Lock()


@lru_cache(maxsize=4)
def _cached(path: Path) -> Vocabulary:
    with _lock:
        return load_vocabulary(path)


def vocabulary(settings: Settings) -> Vocabulary:
    """Return the case-question vocabulary of these settings (read once per process)."""
    return _cached(settings.root / "config" / "casework.yml")


# --- recognising words -------------------------------------------------------------------


def _has(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def _any(text: str, phrases: Sequence[str]) -> bool:
    return any(_has(text, p) for p in phrases)


def _best(text: str, options: Mapping[str, tuple[str, ...]]) -> str | None:
    """Return the option whose longest word occurs in ``text`` (longer is more specific)."""
    best: tuple[int, str] | None = None
    for value, words in options.items():
        for word in words:
            if _has(text, word) and (best is None or len(word) > best[0]):
                best = (len(word), value)
    return best[1] if best else None


def _number(token: str) -> int:
    return int(token) if token.isdigit() else NUMBER_WORDS[token]


# --- is this a concrete situation? ---------------------------------------------------------


def describes_situation(text: str, words: Vocabulary) -> bool:
    """Whether a message tells about a concrete situation with a young person.

    It does when it names a young person of the professional's own ("mijn leerling",
    "een meisje uit mijn groep", "bij ons op school"), or a young person and what
    happened or when ("een jongen tekent hakenkruizen", "sinds kort"). A general or
    hypothetical question ("wat doe ik als een leerling ...") does not, unless it also
    says whose or when.
    """
    plain = fold(text)
    person = _any(plain, words.person)
    own = _any(plain, words.place) or (
        person
        and any(
            re.search(rf"(?<!\w){re.escape(o)}\s+(?:\w+\s+)?{re.escape(p)}(?!\w)", plain)
            for o in words.own
            for p in words.person
        )
    )
    of_mine = person and re.search(r"\b(van|uit) (mij|me|ons|mijn \w+|onze \w+)\b", plain)
    when = _any(plain, words.time)
    if own or of_mine:
        return True
    if _any(plain, words.general):
        return False
    return person and (when or _any(plain, words.event))


def should_offer(
    *,
    intent: str | None,
    text: str,
    offered_before: bool,
    case_open: bool,
    words: Vocabulary,
) -> bool:
    """Whether to offer the case questions after the answer to this message.

    Args:
        intent: the topic the message was answered as.
        text: the message as typed (read here, never stored).
        offered_before: the questions were offered earlier in this conversation.
        case_open: the conversation already has a case for an adviser.
        words: the vocabulary.

    """
    if offered_before or case_open or intent is None or intent in words.no_offer_topics:
        return False
    return describes_situation(text, words)


# --- reading the answers -------------------------------------------------------------------


def _entity(
    entities: Mapping[str, Sequence[str]], name: str, allowed: Collection[str]
) -> str | None:
    value = next(iter(entities.get(name, ())), None)
    return value if value in allowed else None


def read_age(text: str, entities: Mapping[str, Sequence[str]], words: Vocabulary) -> str | None:
    """Read the age group an answer gives: a button, an age in years, or a word."""
    chosen = _entity(entities, "case_age", AGES)
    if chosen:
        return chosen
    group = next(iter(entities.get("age_group", ())), None)
    if group in AGE_GROUPS:
        return AGE_GROUPS[group]
    plain = fold(text)
    years = _AGE_IN_YEARS.search(plain) or _AGE_OF.search(plain)
    bare = _BARE_NUMBER.match(plain) if len(plain.split()) <= 3 else None
    word = next((w for w in plain.split() if w in NUMBER_WORDS and w != "een"), None)
    if years or bare or word:
        if years:
            age = _number(years.group(1))
        elif bare:
            age = int(bare.group(1))
        else:
            age = NUMBER_WORDS[str(word)] if len(plain.split()) <= 3 else 0
        for group_name, (low, high) in words.age_years.items():
            if low <= age <= high:
                return group_name
    return _best(plain, words.ages)


def read_setting(text: str, entities: Mapping[str, Sequence[str]], words: Vocabulary) -> str | None:
    """Read where the professional sees the young person: a button or a word."""
    return _entity(entities, "case_setting", SETTINGS) or _best(fold(text), words.settings)


@dataclass(frozen=True)
class History:
    """Since when it plays and what was tried, as values chosen here."""

    since: str | None = None
    tried: tuple[str, ...] = ()


def read_history(text: str, entities: Mapping[str, Sequence[str]], words: Vocabulary) -> History:
    """Read "since when, and what did you try?" into values (never the words themselves)."""
    plain = fold(text)
    since = _entity(entities, "case_since", SINCE)
    duration = _DURATION.search(plain)
    if since is None and duration:
        count, unit = _number(duration.group(1)), duration.group(2)
        since = words.units.get(unit)
        if unit in ("week", "weken") and count > WEEKS_RECENT:
            since = "maanden"
    since = since or _best(plain, words.since)
    tried = tuple(value for value in TRIED if _any(plain, words.tried[value]))
    return History(since=since, tried=tried)


# --- the advice ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """What the professional said about the situation (each may be unknown)."""

    age: str | None = None
    setting: str | None = None
    since: str | None = None
    tried: frozenset[str] = frozenset()

    @classmethod
    def from_slots(cls, age: object, setting: object, since: object, tried: object) -> CaseFacts:
        """Build the facts from slot values; skipped or unknown values become ``None``."""
        return cls(
            age=_known(age, AGES),
            setting=_known(setting, SETTINGS),
            since=_known(since, SINCE),
            tried=frozenset(t for t in tried if t in TRIED)
            if isinstance(tried, list)
            else frozenset(),
        )


def _known(value: object, allowed: Sequence[str]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


INTERNAL = {
    "school": "utter_case_internal_school",
    "jongerenwerk": "utter_case_internal_youthwork",
    "jeugdhulp": "utter_case_internal_youthcare",
    "sport": "utter_case_internal_sport",
    "thuis": "utter_case_internal_home",
}


def next_steps(facts: CaseFacts) -> list[str]:
    """Return the domain responses of the advice, in order.

    1. what to observe and write down (for a young child: how the child is doing);
    2. the conversation with the young person (and, for a child, the parents), or
       encouragement to go on when that was tried;
    3. who to talk to inside the organisation, by setting; or, when that was done,
       agreeing who does what;
    4. when to involve others: the municipality's contact point, Veilig Thuis, the
       police or 112; sooner when it has lasted long or internal talks did not help,
       and keeping in touch when partners outside are already involved.

    What to read and the offer of an adviser follow these (the action adds them).
    """
    child = facts.age == "kind"
    steps = ["utter_case_observe_child" if child else "utter_case_observe"]
    talked = "jongere" in facts.tried or (child and "ouders" in facts.tried)
    if talked:
        steps.append("utter_case_talk_done")
    else:
        steps.append("utter_case_talk_child" if child else "utter_case_talk")
    if "intern" in facts.tried:
        steps.append("utter_case_internal_done")
    else:
        steps.append(INTERNAL.get(facts.setting or "", "utter_case_internal_general"))
    if "extern" in facts.tried:
        steps.append("utter_case_escalate_done")
    elif facts.since == "langer" or "intern" in facts.tried:
        steps.append("utter_case_escalate_now")
    else:
        steps.append("utter_case_escalate")
    return steps


def reading_topic(intents: Sequence[str], topics: Collection[str]) -> str:
    """Return the catalogue topic of the reading list: the conversation's latest topic."""
    for intent in reversed(intents):
        if intent in topics:
            return intent
    return DEFAULT_TOPIC
