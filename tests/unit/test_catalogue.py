"""The catalogue file is complete and valid; bad entries give clear errors."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from bot.catalogue import KINDS, Catalogue, CatalogueError, CatalogueStore, load_catalogue

PHONE = re.compile(r"\b0\d{1,3}[\s-]?\d{3}")

REQUIRED_IDS = [
    "landelijk-netwerk",
    "traject-jos",
    "focusgroep-sociaal-domein",
    "werkatelier-informatie-delen",
    "roadshow-bestuurders",
    "expertpool-jeugdprofessionals",
    "workshop-weerbaar-opvoeden",
    "pilot-netwerken-school",
    "training-omei",
    "workshop-triggerfactoren",
    "advieslijn",
    "jepzine-aandachtsfunctionarissen",
    "jepzine-veerkracht",
    "jepzine-samenwerking-sociaal-domein",
    "jepzine-oordeelsvorming",
    "podcast-wat-als-ik-het-mis-heb",
    "publicatie-veerkracht-bevorderen",
    "publicatie-veerkracht-jongeren",
    "publicatie-sociale-veiligheid",
    "training-reageren-op-discrimineren",
    "handreiking-depolarisatie",
    "toolkit-evidence-based-werken",
    "kennislab-extreemrechts",
    "handreiking-sleutelfiguren",
    "lse",
    "familiesteunpunt",
    "ssv",
    "nji",
    "ror",
    "kis",
    "veilig-thuis",
    "zorg-en-veiligheidshuis",
    "gemeente-contactpunt",
    "meld-misdaad-anoniem",
    "politie",
    "zelfmoordpreventie-113",
    "helpwanted",
    "discriminatie-melden",
    "handreiking-veilige-moskee",
]


def test_catalogue_holds_every_required_id(catalogue: Catalogue) -> None:
    missing = set(REQUIRED_IDS) - set(catalogue.ids)
    assert not missing


def test_every_resource_is_complete(catalogue: Catalogue) -> None:
    for resource in catalogue.resources:
        assert resource.kind in KINDS
        assert resource.title and resource.provider and resource.summary
        assert resource.audience and resource.themes
        assert resource.url.startswith("https://")


def test_summaries_hold_no_contact_details(catalogue: Catalogue) -> None:
    # Contact details change; they belong in configuration, not in catalogue text.
    for resource in catalogue.resources:
        assert "@" not in resource.summary, resource.id
        assert not PHONE.search(resource.summary), resource.id


def test_routing_topics_match_the_domain_intents(
    catalogue: Catalogue, domain: dict[str, object]
) -> None:
    intents = set(domain["intents"])  # type: ignore[call-overload]
    topic_intents = set(catalogue.topics)
    assert topic_intents <= intents
    answered = {i for i in intents if i.startswith(("ask_", "request_"))} - {"request_human"}
    answered.discard("ask_contact")
    assert answered == topic_intents


def _copy_routing(tmp_path: Path) -> None:
    routing = yaml.safe_load(Path("catalogue/routing.yml").read_text(encoding="utf-8"))
    routing.pop("unsure_resource", None)  # names a resource of the real catalogue
    (tmp_path / "routing.yml").write_text(yaml.safe_dump(routing), encoding="utf-8")


def _write(tmp_path: Path, resources: object) -> Path:
    _copy_routing(tmp_path)
    path = tmp_path / "catalogue.yml"
    path.write_text(yaml.safe_dump({"version": 1, "resources": resources}), encoding="utf-8")
    return path


GOOD = {
    "id": "x",
    "kind": "training",
    "title": "T",
    "provider": "P",
    "summary": "S",
    "audience": ["onderwijs"],
    "themes": ["signalen"],
    "url": "https://example.org",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "movie"}, "kind 'movie'"),
        ({"url": "http://example.org"}, "url must start with https://"),
        ({"themes": ["astrologie"]}, "unknown value 'astrologie'"),
        ({"audience": "onderwijs"}, "'audience' must be a list"),
        ({"title": None}, "missing field 'title'"),
        ({"colour": "blue"}, "unknown field(s) colour"),
        ({"keywords": [112]}, "item 112 must be a non-empty text"),
    ],
)
def test_bad_entry_names_file_and_entry(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    path = _write(tmp_path, [GOOD, {**GOOD, "id": "broken", **change}])
    with pytest.raises(CatalogueError) as err:
        load_catalogue(path)
    assert str(path) in str(err.value)
    assert "'broken'" in str(err.value)
    assert message in str(err.value)


def test_unsure_resource_must_exist(tmp_path: Path) -> None:
    path = _write(tmp_path, [GOOD])
    routing = yaml.safe_load((tmp_path / "routing.yml").read_text(encoding="utf-8"))
    (tmp_path / "routing.yml").write_text(
        yaml.safe_dump({**routing, "unsure_resource": "nobody"}), encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match="unsure_resource 'nobody'"):
        load_catalogue(path)


def test_duplicate_id_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, [GOOD, GOOD])
    with pytest.raises(CatalogueError, match="resource 'x' appears twice"):
        load_catalogue(path)


def test_entry_without_id_is_named_by_position(tmp_path: Path) -> None:
    path = _write(tmp_path, [GOOD, {k: v for k, v in GOOD.items() if k != "id"}])
    with pytest.raises(CatalogueError, match="resource #2: missing field 'id'"):
        load_catalogue(path)


def test_invalid_yaml_and_missing_file_give_clear_errors(tmp_path: Path) -> None:
    _copy_routing(tmp_path)
    bad = tmp_path / "catalogue.yml"
    bad.write_text("resources: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogueError, match="invalid YAML"):
        load_catalogue(bad)
    with pytest.raises(CatalogueError, match="cannot read file"):
        load_catalogue(tmp_path / "nope.yml")


def test_store_reloads_edits_and_keeps_last_good_catalogue(tmp_path: Path) -> None:
    path = _write(tmp_path, [GOOD])
    store = CatalogueStore(path)
    assert store.get().ids == ("x",)

    path.write_text(yaml.safe_dump({"resources": [GOOD, {**GOOD, "id": "y"}]}), encoding="utf-8")
    os.utime(path, (1, 1))  # a different mtime, as an edit would give
    assert store.get().ids == ("x", "y")

    path.write_text("resources: [", encoding="utf-8")
    os.utime(path, (2, 2))
    assert store.get().ids == ("x", "y")  # a broken edit does not take the line down
    assert store.last_error is not None
