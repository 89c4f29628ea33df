"""Escalation to a human adviser, without the engine: hours, availability, the intake.

* whether a live handoff is possible now (office hours from the settings, and an
  adviser online or the configured availability);
* when someone comes back to the professional otherwise;
* what the professional's intake answers say (role, sector, region, urgency,
  how they want help), recognised from button payloads or typed words
  (``config/intake.yml``, and deduce's lists of Dutch municipalities, provinces
  and regions);
* the warm-handoff summary of what the professional asked.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path

from babel.dates import format_datetime

from bot.caselog.contacts import Contact, find_contact
from bot.caselog.models import HelpMode, Urgency
from bot.datafiles import read_mapping
from bot.settings import HandoffSettings, Settings
from bot.text import fold

SUMMARY_QUESTIONS = 5


class IntakeDataError(ValueError):
    """``config/intake.yml`` is missing or malformed."""


# --- hours and availability ---------------------------------------------------------


def in_office_hours(handoff: HandoffSettings, now: datetime) -> bool:
    """Whether ``now`` (aware) falls inside the configured office hours."""
    if handoff.always_open:
        return True
    local = now.astimezone(handoff.timezone)
    return local.weekday() in handoff.office_days and handoff.opens <= local.time() < handoff.closes


def live_possible(handoff: HandoffSettings, now: datetime, advisers_online: int) -> bool:
    """Whether a conversation can be queued for a live adviser right now."""
    if handoff.availability == "never" or not in_office_hours(handoff, now):
        return False
    return handoff.availability == "always" or advisers_online > 0


def next_opening(handoff: HandoffSettings, now: datetime) -> datetime:
    """Return the next moment the advice line opens (``now`` itself during office hours)."""
    if in_office_hours(handoff, now):
        return now
    local = now.astimezone(handoff.timezone)
    for days in range(0, 8):
        day = (local + timedelta(days=days)).date()
        opening = datetime.combine(day, handoff.opens, tzinfo=handoff.timezone)
        if day.weekday() in handoff.office_days and opening > local:
            return opening
    raise ValueError("no office day configured")  # settings validation prevents this


def when_back(handoff: HandoffSettings, now: datetime, words: Vocabulary) -> str:
    """Say in Dutch when an adviser comes back ("op maandag 7 december vanaf 09:00")."""
    opening = next_opening(handoff, now)
    if opening == now:
        closing = datetime.combine(
            now.astimezone(handoff.timezone).date(), handoff.closes, tzinfo=handoff.timezone
        )
        return str(format_datetime(closing, words.when_today, locale="nl"))
    return str(format_datetime(opening, words.when_later, locale="nl"))


# --- the intake ------------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """The words the intake recognises, by canonical value."""

    sectors: Mapping[str, tuple[str, ...]]
    urgency: Mapping[str, tuple[str, ...]]
    help_mode: Mapping[str, tuple[str, ...]]
    places: Mapping[str, str]  # folded name -> name as written
    when_today: str  # Babel patterns for when an adviser comes back
    when_later: str


def _terms(raw: object, key: str, path: Path) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, Mapping) or not raw:
        raise IntakeDataError(f"{path}: '{key}' must map values to lists of words")
    out: dict[str, tuple[str, ...]] = {}
    for value, words in raw.items():
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise IntakeDataError(f"{path}: '{key}.{value}' must be a list of words")
        out[str(value)] = tuple(fold(w) for w in words)
    return out


def _places(aliases: Mapping[str, str]) -> dict[str, str]:
    """Dutch municipalities, provinces and regions from deduce's lookup lists."""
    base = resources.files("deduce.data.lookup.src.locations.lst_placename")
    names: dict[str, str] = {}
    for folder in ("lst_province", "lst_region", "lst_municipality"):
        for line in (base / folder / "items.txt").read_text(encoding="utf-8").splitlines():
            name = line.strip()
            if len(name) > 2:
                names.setdefault(fold(name), name.title().replace("'S-", "'s-"))
    for alias, name in aliases.items():
        names[fold(alias)] = name
    return names


def load_vocabulary(path: Path) -> Vocabulary:
    """Read the intake vocabulary (raises :class:`IntakeDataError` naming the file)."""
    raw = read_mapping(path, IntakeDataError)
    aliases = raw.get("place_aliases") or {}
    if not isinstance(aliases, Mapping):
        raise IntakeDataError(f"{path}: 'place_aliases' must map names to places")
    formats = raw.get("when_formats")
    if not isinstance(formats, Mapping) or not all(
        isinstance(formats.get(k), str) for k in ("today", "later")
    ):
        raise IntakeDataError(f"{path}: 'when_formats' needs the texts 'today' and 'later'")
    return Vocabulary(
        when_today=formats["today"],
        when_later=formats["later"],
        sectors=_terms(raw.get("sectors"), "sectors", path),
        urgency=_terms(raw.get("urgency"), "urgency", path),
        help_mode=_terms(raw.get("help_mode"), "help_mode", path),
        places=_places({str(k): str(v) for k, v in aliases.items()}),
    )


_vocabulary_lock = threading.Lock()


@lru_cache(maxsize=4)
def _cached_vocabulary(path: Path) -> Vocabulary:
    with _vocabulary_lock:
        return load_vocabulary(path)


def vocabulary(settings: Settings) -> Vocabulary:
    """Return the intake vocabulary of these settings (read once per process)."""
    return _cached_vocabulary(settings.root / "config" / "intake.yml")


def _contains(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def _match(text: str, options: Mapping[str, tuple[str, ...]]) -> str | None:
    best: tuple[int, str] | None = None
    for value, words in options.items():
        for word in words:
            if _contains(text, word) and (best is None or len(word) > best[0]):
                best = (len(word), value)
    return best[1] if best else None


@dataclass(frozen=True)
class Profile:
    """Who the professional is, as far as they said."""

    role: str | None = None
    sector: str | None = None
    region: str | None = None


def parse_profile(
    text: str,
    entities: Mapping[str, Sequence[str]],
    words: Vocabulary,
    role_sector: Mapping[str, str],
) -> Profile:
    """Recognise role, sector and region in an intake answer.

    Args:
        text: what the professional typed.
        entities: entity values the NLU found (``role``, ``sector``).
        words: the intake vocabulary.
        role_sector: role -> sector (the catalogue's role audiences).

    """
    plain = fold(text)
    role = next(iter(entities.get("role", [])), None)
    if role not in role_sector:
        role = None  # only a known role reaches the case log (never typed free text)
    sector = next(iter(entities.get("sector", [])), None)
    if sector not in words.sectors:
        sector = None
    sector = sector or (role_sector.get(role) if role else None) or _match(plain, words.sectors)
    return Profile(role=role, sector=sector, region=find_region(text, words))


# Short place names ("Ede", "Oss", "Best") are also ordinary words: only taken when
# written with a capital.
SHORT_PLACE = 5


def find_region(text: str, words: Vocabulary) -> str | None:
    """Return the municipality, province or region named in ``text`` (the longest)."""
    plain = fold(text)
    found: str | None = None
    for name, written in words.places.items():
        if not _contains(plain, name):
            continue
        if len(name) < SHORT_PLACE and not re.search(rf"(?<!\w){re.escape(written)}(?!\w)", text):
            continue
        if found is None or len(name) > len(fold(found)):
            found = written
    return found


def parse_urgency(
    text: str, entities: Mapping[str, Sequence[str]], words: Vocabulary
) -> Urgency | None:
    """Recognise how urgent the professional says it is."""
    value = next(iter(entities.get("urgency", [])), None) or _match(fold(text), words.urgency)
    try:
        return Urgency(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class HelpChoice:
    """How the professional wants to be helped, with a contact typed on purpose."""

    mode: HelpMode
    contact: Contact | None = None


def parse_help(
    text: str, entities: Mapping[str, Sequence[str]], words: Vocabulary, *, live: bool
) -> HelpChoice | None:
    """Recognise the answer to "how do you want to be helped?".

    A phone number or e-mail address in the text wins: it is a call-back request.
    Waiting in the chat is only a choice while a live handoff is possible.
    """
    contact = find_contact(text)
    if contact is not None:
        mode = HelpMode.EMAIL if contact.kind == "email" else HelpMode.CALLBACK
        return HelpChoice(mode, contact)
    value = next(iter(entities.get("help_mode", [])), None) or _match(fold(text), words.help_mode)
    if value == HelpMode.CHAT.value and not live:
        return None
    try:
        return HelpChoice(HelpMode(value)) if value else None
    except ValueError:
        return None


def summarise(questions: Iterable[str]) -> str:
    """Build the warm-handoff summary: the professional's last questions, one a line."""
    kept = [q.strip() for q in questions if q and q.strip() and not q.startswith("/")]
    return "\n".join(kept[-SUMMARY_QUESTIONS:])
