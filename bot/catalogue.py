"""The resource catalogue: one data file of resources, one of routing vocabulary.

``catalogue/catalogue.yml`` holds the resources (JEPzines, trainings, partner
organisations, ...). ``catalogue/routing.yml`` next to it holds the vocabularies
and how conversation topics map onto catalogue themes. Both are validated on load;
a bad entry raises :class:`CatalogueError` naming the file and the entry.

Every resource has a ``status``: ``current`` (it can be read, asked for or booked
today) or ``historical`` (an archive entry, such as a Platform JEP product of
2018-2021). A historical entry needs its ``years``, and its title must say
"archief" and name those years, so wherever it is shown it reads as archive. An
archive entry one could only book or join (a workshop, training, network or service
of the time) is never recommended; archive reading (a JEPzine, publication or podcast)
may be, under its archive title (:attr:`Catalogue.recommendable`).
Edits take effect without retraining the model: :class:`CatalogueStore` reloads
the files when they change on disk.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.datafiles import read_mapping

KINDS = frozenset(
    {
        "jepzine",
        "publication",
        "podcast",
        "training",
        "workshop",
        "network",
        "service",
        "organisation",
    }
)
REQUIRED_FIELDS = ("id", "kind", "title", "provider", "summary", "audience", "themes", "url")
OPTIONAL_FIELDS = ("keywords", "status", "years")
CURRENT = "current"
HISTORICAL = "historical"
STATUSES = frozenset({CURRENT, HISTORICAL})
# The word every historical entry's title carries, so it is never shown as an offer.
ARCHIVE_WORD = "archief"
# Kinds that stay worth reading after their time; the others are offers one books
# or joins, which an archive entry no longer is.
READING_KINDS = frozenset({"jepzine", "publication", "podcast"})


class CatalogueError(ValueError):
    """A catalogue file is missing, malformed or holds an invalid entry."""


@dataclass(frozen=True)
class Resource:
    """One thing a professional can read, attend, listen to or contact."""

    id: str
    kind: str
    title: str
    provider: str
    summary: str
    audience: tuple[str, ...]
    themes: tuple[str, ...]
    url: str
    keywords: tuple[str, ...] = ()
    status: str = CURRENT
    years: str = ""

    @property
    def is_current(self) -> bool:
        """Whether the resource can be read, asked for or booked today."""
        return self.status == CURRENT

    @property
    def is_recommendable(self) -> bool:
        """Whether the bot may point to it: current, or archive reading under its archive title."""
        return self.is_current or self.kind in READING_KINDS


@dataclass(frozen=True)
class Topic:
    """How a conversation topic (an intent) maps onto the catalogue."""

    intent: str
    label: str
    themes: tuple[str, ...]
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """The validated catalogue with its routing vocabulary."""

    resources: tuple[Resource, ...]
    topics: Mapping[str, Topic]
    entity_themes: Mapping[str, str] = field(default_factory=dict)
    role_audience: Mapping[str, str] = field(default_factory=dict)
    unsure_resource: str | None = None

    def get(self, resource_id: str) -> Resource:
        """Return the resource with this id, or raise ``KeyError``."""
        for resource in self.resources:
            if resource.id == resource_id:
                return resource
        raise KeyError(resource_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """All resource ids in catalogue order."""
        return tuple(r.id for r in self.resources)

    @property
    def current(self) -> tuple[Resource, ...]:
        """The resources that may be recommended: current ones, in catalogue order."""
        return tuple(r for r in self.resources if r.is_current)

    @property
    def recommendable(self) -> tuple[Resource, ...]:
        """The resources the bot may point to, in catalogue order (see the module doc)."""
        return tuple(r for r in self.resources if r.is_recommendable)


def _str_list(value: Any, where: str, name: str, allowed: frozenset[str] | None) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise CatalogueError(f"{where}: '{name}' must be a list")
    items: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise CatalogueError(
                f"{where}: '{name}' item {item!r} must be a non-empty text (quote numbers)"
            )
        if allowed is not None and item not in allowed:
            raise CatalogueError(
                f"{where}: '{name}' has unknown value '{item}'"
                f" (allowed: {', '.join(sorted(allowed))})"
            )
        items.append(item.strip())
    return tuple(items)


def _resource(
    raw: Any, index: int, path: Path, themes: frozenset[str], audiences: frozenset[str]
) -> Resource:
    where = f"{path}: resource #{index + 1}"
    if not isinstance(raw, Mapping):
        raise CatalogueError(f"{where}: must be a mapping")
    if isinstance(raw.get("id"), str):
        where = f"{path}: resource '{raw['id']}'"
    for name in REQUIRED_FIELDS:
        if raw.get(name) in (None, "", []):
            raise CatalogueError(f"{where}: missing field '{name}'")
    for name in ("id", "kind", "title", "provider", "summary", "url"):
        if not isinstance(raw[name], str):
            raise CatalogueError(f"{where}: '{name}' must be a text")
    if raw["kind"] not in KINDS:
        raise CatalogueError(
            f"{where}: kind '{raw['kind']}' is not one of {', '.join(sorted(KINDS))}"
        )
    if not raw["url"].startswith("https://"):
        raise CatalogueError(f"{where}: url must start with https://")
    unknown = set(raw) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS)
    if unknown:
        raise CatalogueError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    status, years = _status(raw, where)
    return Resource(
        id=raw["id"].strip(),
        kind=raw["kind"],
        title=raw["title"].strip(),
        provider=raw["provider"].strip(),
        summary=" ".join(raw["summary"].split()),
        audience=_str_list(raw["audience"], where, "audience", audiences),
        themes=_str_list(raw["themes"], where, "themes", themes),
        url=raw["url"].strip(),
        keywords=_str_list(raw.get("keywords", []), where, "keywords", None),
        status=status,
        years=years,
    )


def _status(raw: Mapping[str, Any], where: str) -> tuple[str, str]:
    """Read and check ``status`` and ``years``; a historical title says so."""
    status = raw.get("status", CURRENT)
    if status not in STATUSES:
        raise CatalogueError(
            f"{where}: status {status!r} is not one of {', '.join(sorted(STATUSES))}"
        )
    years = raw.get("years", "")
    if not isinstance(years, str):
        raise CatalogueError(f"{where}: 'years' must be a text such as \"2018-2021\" (quote it)")
    years = years.strip()
    if status == HISTORICAL:
        if not years:
            raise CatalogueError(f"{where}: a historical entry needs 'years'")
        title = str(raw["title"])
        if ARCHIVE_WORD not in title.lower() or years not in title:
            raise CatalogueError(
                f"{where}: the title of a historical entry must say '{ARCHIVE_WORD}'"
                f" and name its years ({years})"
            )
    return status, years


def _topic(intent: Any, raw: Any, path: Path, themes: frozenset[str]) -> Topic:
    where = f"{path}: topic '{intent}'"
    if not isinstance(raw, Mapping) or not isinstance(raw.get("label"), str):
        raise CatalogueError(f"{where}: needs a 'label' text and a 'themes' list")
    return Topic(
        intent=str(intent),
        label=raw["label"].strip(),
        themes=_str_list(raw.get("themes", []), where, "themes", themes),
        kinds=_str_list(raw.get("kinds", []), where, "kinds", KINDS),
    )


def _mapping(
    raw: Mapping[str, Any], key: str, path: Path, allowed: frozenset[str]
) -> dict[str, str]:
    value = raw.get(key, {}) or {}
    if not isinstance(value, Mapping):
        raise CatalogueError(f"{path}: '{key}' must be a mapping")
    result: dict[str, str] = {}
    for name, target in value.items():
        if target not in allowed:
            raise CatalogueError(f"{path}: '{key}.{name}' has unknown value '{target}'")
        result[str(name)] = str(target)
    return result


def load_catalogue(path: Path, routing_path: Path | None = None) -> Catalogue:
    """Load and validate the catalogue and its routing file.

    Args:
        path: the resources file (``catalogue/catalogue.yml``).
        routing_path: the routing vocabulary; defaults to ``routing.yml`` beside ``path``.

    Raises:
        CatalogueError: naming the file and the entry that is wrong.

    """
    routing_path = routing_path or path.with_name("routing.yml")
    routing = read_mapping(routing_path, CatalogueError)
    themes = frozenset(_str_list(routing.get("themes"), str(routing_path), "themes", None))
    audiences = frozenset(_str_list(routing.get("audiences"), str(routing_path), "audiences", None))

    data = read_mapping(path, CatalogueError)
    raw_resources = data.get("resources")
    if not isinstance(raw_resources, list) or not raw_resources:
        raise CatalogueError(f"{path}: 'resources' must be a non-empty list")
    resources = [_resource(raw, i, path, themes, audiences) for i, raw in enumerate(raw_resources)]
    seen: set[str] = set()
    for resource in resources:
        if resource.id in seen:
            raise CatalogueError(f"{path}: resource '{resource.id}' appears twice")
        seen.add(resource.id)

    raw_topics = routing.get("topics")
    if not isinstance(raw_topics, Mapping) or not raw_topics:
        raise CatalogueError(f"{routing_path}: 'topics' must be a non-empty mapping")
    topics = {str(k): _topic(k, v, routing_path, themes) for k, v in raw_topics.items()}
    unsure = routing.get("unsure_resource")
    if unsure is not None and unsure not in seen:
        raise CatalogueError(f"{routing_path}: unsure_resource '{unsure}' is not in {path}")
    if unsure is not None and unsure not in {r.id for r in resources if r.is_current}:
        raise CatalogueError(f"{routing_path}: unsure_resource '{unsure}' is not current")
    return Catalogue(
        resources=tuple(resources),
        topics=topics,
        entity_themes=_mapping(routing, "entity_themes", routing_path, themes),
        role_audience=_mapping(routing, "role_audience", routing_path, audiences),
        unsure_resource=unsure,
    )


class CatalogueStore:
    """Hands out the current catalogue, reloading it when its files change.

    A failed reload keeps serving the last good catalogue, so a typo made while
    editing never takes the advice line down; the error is kept in ``last_error``.
    """

    def __init__(self, path: Path, routing_path: Path | None = None) -> None:
        self._path = path
        self._routing_path = routing_path or path.with_name("routing.yml")
        self._lock = threading.Lock()
        self._stamp: tuple[float, float] | None = None
        self._catalogue: Catalogue | None = None
        self.last_error: CatalogueError | None = None

    def _current_stamp(self) -> tuple[float, float]:
        try:
            return (self._path.stat().st_mtime, self._routing_path.stat().st_mtime)
        except OSError as exc:
            raise CatalogueError(f"{exc.filename}: cannot read file ({exc.strerror})") from exc

    def get(self) -> Catalogue:
        """Return the catalogue, reloading it first if a file changed on disk."""
        with self._lock:
            try:
                stamp = self._current_stamp()
                if self._catalogue is None or stamp != self._stamp:
                    self._catalogue = load_catalogue(self._path, self._routing_path)
                    self._stamp = stamp
                    self.last_error = None
            except CatalogueError as exc:
                if self._catalogue is None:
                    raise
                self.last_error = exc
            return self._catalogue
