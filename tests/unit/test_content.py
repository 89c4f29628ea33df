"""Content a prevention adviser would sign off: sources, archive, links, B1 text, facts.

Checks ``content/sources.yml`` (the registry) against ``domain.yml`` and the catalogue,
the link rules offline (``make check-links`` checks them online), that an archive entry
is never recommended, and the content fixes of issue 12 that a later edit must not undo.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from bot.catalogue import (
    HISTORICAL,
    READING_KINDS,
    Catalogue,
    CatalogueError,
    CatalogueStore,
    load_catalogue,
)
from bot.routing import Recommender, Router
from scripts.check_links import Link, Result, collect_links, report, run
from tests.unit.test_catalogue import GOOD

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ROOT / "content" / "sources.yml"
DOMAIN_FACTS = ROOT.parent / "shared" / "knowledge" / "domain-facts.md"
SEED_PART = re.compile(r"^(hoofdstuk (1[0-2]|[1-9])|bijlage [1-6])$")
STATUSES = {"current", "historical"}

# The one definition of extremism (AIVD/NCTV), word for word in every answer that says
# what extremism is or when activism becomes extremism.
DEFINITION = "die de democratische rechtsorde ondermijnen, met of zonder geweld"
# One term, one short explanation, in every answer that uses the term.
LEGAL_ORDER = "democratische rechtsorde"
LEGAL_ORDER_EXPLAINED = "onze democratie en de regels van de rechtsstaat"
# The aandachtsfunctionaris and the Meldcode are explained where an answer first names them;
# the old 16-20-word stock phrase may not come back in every answer.
ATTENTION_OFFICER_EXPLAINED = (
    "vaste collega voor zorgen over radicalisering",
    "vaste aanspreekpunt",
)
ATTENTION_OFFICER_ALTERNATIVES = ("leidinggevende", "over veiligheid gaat", "Niet elke organisatie")
MELDCODE_EXPLAINED = ("stappenplan", "huiselijk geweld en kindermishandeling")
STOCK_PHRASE = "de collega die bij jullie over veiligheid en de Meldcode gaat"
MAX_WORDS = 120
MAX_SENTENCE_WORDS = 25
ENGLISH_JARGON = ("push", "pull", "toolkit", "evidence", "based", "checklist", "casemanager")
EVALUATION_REPORT = "evaluatie-van-de-expertise-unit-sociale-stabiliteit-en-platform-jep"
# National services: their links go to the national site, never to one region's.
NATIONAL_HOSTS = {"veiligthuis": "veiligthuis.nl", "113": "113.nl", "politie": "politie.nl"}


@pytest.fixture(scope="module")
def registry() -> dict[str, Any]:
    data = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data.get("version") == 1
    return data


def _texts(domain: dict[str, Any]) -> dict[str, str]:
    return {
        name: " ".join(v.get("text", "") for v in variants)
        for name, variants in domain["responses"].items()
    }


def _answers(domain: dict[str, Any]) -> dict[str, str]:
    return {n: t for n, t in _texts(domain).items() if n.startswith("utter_answer_")}


# ---------------------------------------------------------------- the registry


def test_every_answer_and_entry_is_in_the_registry(
    registry: dict[str, Any], domain: dict[str, Any], catalogue: Catalogue
) -> None:
    answers = {n for n in domain["responses"] if n.startswith("utter_answer_")}
    assert answers <= set(registry["responses"]), answers - set(registry["responses"])
    assert set(catalogue.ids) <= set(registry["catalogue"]), set(catalogue.ids) - set(
        registry["catalogue"]
    )


def test_the_registry_names_nothing_that_does_not_exist(
    registry: dict[str, Any], domain: dict[str, Any], catalogue: Catalogue
) -> None:
    assert not set(registry["responses"]) - set(domain["responses"])
    assert not set(registry["catalogue"]) - set(catalogue.ids)


def _entries(registry: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{section}.{name}", entry)
        for section in ("responses", "catalogue")
        for name, entry in registry[section].items()
    ]


def _pending(entry: dict[str, Any]) -> bool:
    review = entry.get("second_review")
    return isinstance(review, dict) and "pending" in review


def test_every_entry_has_sources_a_review_date_and_a_status(registry: dict[str, Any]) -> None:
    for where, entry in _entries(registry):
        if _pending(entry):
            # not reviewed yet, so no review date: the author's own date never counts
            assert "reviewed" not in entry, (where, "a pending entry has no review date")
        else:
            assert isinstance(entry.get("reviewed"), dt.date), where
            assert entry["reviewed"] <= dt.date(2030, 1, 1), where
        assert entry.get("status") in STATUSES, where
        sources = entry.get("sources")
        assert isinstance(sources, list) and sources, where
        for source in sources:
            kinds = {"facts", "seed", "url"} & set(source)
            assert len(kinds) == 1, (where, source)
            assert set(source) <= {"facts", "seed", "url", "part", "note", "checked_online"}
            if "seed" in source:
                assert SEED_PART.match(source["seed"]), (where, source)
            if "url" in source:
                assert source.get("checked_online") is False or isinstance(
                    source.get("checked_online"), dt.date
                ), (where, "say whether the page was checked online")
            if "facts" in source:
                assert isinstance(source["facts"], str) and source["facts"], where


def test_reviews_are_never_the_authors_own(registry: dict[str, Any]) -> None:
    # review.who: never the author of the text. `reviewed` is the date of an independent
    # review, recorded in `second_review`; an unresolved finding says what is open. A text
    # nobody independent has read yet says so with `pending` (see the next tests).
    author = registry["review"]["author"]
    second = registry["review"]["second"]
    reviewers = {second["by"], *(later["by"] for later in registry["review"].get("later", []))}
    for by in reviewers:
        assert by and by not in author and "author" not in by
    for where, entry in _entries(registry):
        review = entry.get("second_review")
        assert isinstance(review, dict), (where, "no independent review recorded")
        if "pending" in review:
            assert set(review) == {"pending"}, (where, "pending: no reviewer, no date")
            continue
        assert set(review) <= {"by", "date", "findings_resolved", "open"}, where
        assert review["by"] in reviewers, where
        assert isinstance(review["date"], dt.date), where
        assert entry["reviewed"] == review["date"], (where, "reviewed must be the review's date")
        assert isinstance(review["findings_resolved"], bool), where
        if not review["findings_resolved"]:
            assert isinstance(review.get("open"), str) and review["open"], (where, "say what")
        else:
            assert "open" not in review, where


# Texts that may never wait for their review: the urgent and suicide texts.
NEVER_PENDING = re.compile(r"^utter_(urgent|possibly_urgent|.*suicid.*)$")


def test_pending_reviews_say_what_awaits_review(
    registry: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    pending = [
        (where, entry["second_review"]["pending"])
        for where, entry in _entries(registry)
        if _pending(entry)
    ]
    for where, reason in pending:
        assert isinstance(reason, str) and reason.strip(), (where, "say what awaits review")
    with capsys.disabled():
        print(f"\n{len(pending)} registry entries await an independent review:")
        for where, reason in pending:
            print(f"  {where}: {reason}")


def test_safety_texts_never_wait_and_112_texts_are_flagged(
    registry: dict[str, Any], domain: dict[str, Any]
) -> None:
    texts = _texts(domain)
    flagged = registry["review"].get("pending_safety") or []
    naming_112 = set()
    for name, entry in registry["responses"].items():
        if not _pending(entry):
            continue
        text = texts.get(name, "")
        assert not NEVER_PENDING.match(name), (name, "an urgent or suicide text is never pending")
        assert not re.search(r"\b113\b", text), (name, "a text naming 113 is never pending")
        if re.search(r"\b112\b", text):
            naming_112.add(name)
    # review.pending_safety: exactly the pending texts that name 112, for the coordinator
    assert len(flagged) == len(set(flagged)), "pending_safety names a text twice"
    assert set(flagged) == naming_112, (
        set(flagged) ^ naming_112,
        "review.pending_safety must list exactly the pending texts that name 112",
    )


def test_every_text_that_names_112_or_113_is_in_the_registry(
    registry: dict[str, Any], domain: dict[str, Any]
) -> None:
    for name, text in _texts(domain).items():
        if re.search(r"\b11[23]\b", text):
            assert name in registry["responses"], name


def test_catalogue_entries_record_whether_their_link_was_checked(
    registry: dict[str, Any],
) -> None:
    for name, entry in registry["catalogue"].items():
        checked = entry.get("url_checked_online")
        assert checked is False or isinstance(checked, dt.date), name


def test_registry_status_matches_the_catalogue(
    registry: dict[str, Any], catalogue: Catalogue
) -> None:
    for resource in catalogue.resources:
        assert registry["catalogue"][resource.id]["status"] == resource.status, resource.id


def _sections(markdown: str) -> dict[str, str]:
    sections: dict[str, str] = {}
    current = ""
    for line in markdown.splitlines():
        heading = re.match(r"^#{1,6}\s+(.*\S)\s*$", line)
        if heading:
            current = heading.group(1)
            sections[current] = ""
        elif current:
            sections[current] += line + "\n"
    return sections


@pytest.mark.skipif(not DOMAIN_FACTS.exists(), reason="domain-facts.md lives outside the repo")
def test_every_cited_heading_and_part_exists_in_the_domain_facts(
    registry: dict[str, Any],
) -> None:
    sections = _sections(DOMAIN_FACTS.read_text(encoding="utf-8"))
    for where, entry in _entries(registry):
        for source in entry["sources"]:
            if "facts" not in source:
                continue
            assert source["facts"] in sections, (where, source["facts"])
            if "part" in source:
                assert f"**{source['part']}" in sections[source["facts"]], (where, source)


# ---------------------------------------------------------------- the archive


def test_historical_entries_say_archief_and_their_years(catalogue: Catalogue) -> None:
    historical = [r for r in catalogue.resources if r.status == HISTORICAL]
    assert historical
    for resource in historical:
        assert "archief" in resource.title.lower() and resource.years in resource.title


@pytest.mark.parametrize(
    "resource_id",
    [
        "werkatelier-informatie-delen",
        "roadshow-bestuurders",
        "workshop-weerbaar-opvoeden",
        "landelijk-netwerk",
        "jepzine-oordeelsvorming",
        "kennislab-extreemrechts",
    ],
)
def test_products_of_2018_2021_are_archive(catalogue: Catalogue, resource_id: str) -> None:
    assert catalogue.get(resource_id).status == HISTORICAL


def test_platform_jep_is_never_a_current_provider(catalogue: Catalogue) -> None:
    for resource in catalogue.current:
        if "Platform JEP" in resource.provider or "Platform JEP" in resource.title:
            # only as history: "voorheen", "eerder", "opgesteld door", "sinds 2023 onderdeel"
            named = resource.provider + " " + resource.title
            history = re.search(r"voorheen|eerder aangeboden|opgesteld door|sinds 2023", named)
            assert history, resource.id


def test_an_archive_offer_is_never_recommended(catalogue: Catalogue) -> None:
    router = Router(catalogue)
    offers = {
        r.id for r in catalogue.resources if r.status == HISTORICAL and r.kind not in READING_KINDS
    }
    assert offers
    questions: list[tuple[str | None, str]] = [
        (name, topic.label) for name, topic in catalogue.topics.items()
    ]
    # The words of each archive entry itself: the closest a question can come to it.
    questions += [(None, r.title + " " + " ".join(r.keywords)) for r in catalogue.resources]
    for intent, text in questions:
        for limit in (3, 10):
            ranked = router.rank(intent=intent, text=text, limit=limit)
            assert not offers & {rec.resource.id for rec in ranked}, (intent, text)


def test_archive_reading_is_recommended_only_under_its_archive_title(
    catalogue: Catalogue,
) -> None:
    router = Router(catalogue)
    reading = [r for r in catalogue.resources if r.status == HISTORICAL and r.kind in READING_KINDS]
    assert reading
    for resource in reading:
        ranked = router.rank(intent=None, text=resource.title, limit=10)
        shown = {rec.resource.id: rec.resource for rec in ranked}
        assert resource.id in shown, resource.id
        assert "archief" in shown[resource.id].title and resource.years in shown[resource.id].title


def test_a_historical_entry_that_matches_best_is_still_left_out(tmp_path: Path) -> None:
    routing = yaml.safe_load((ROOT / "catalogue" / "routing.yml").read_text(encoding="utf-8"))
    routing.pop("unsure_resource")
    (tmp_path / "routing.yml").write_text(yaml.safe_dump(routing), encoding="utf-8")
    base = {**GOOD, "kind": "workshop", "themes": ["training"]}  # an offer, not reading
    old = {"id": "oud", "status": "historical", "years": "2019", "url": "https://example.org/o"}
    resources = [
        {**base, **old, "title": "Zebrapadworkshop (archief, 2019)", "summary": "Zebrapad."},
        {**base, "id": "nieuw", "title": "Training", "summary": "Iets anders."},
    ]
    path = tmp_path / "catalogue.yml"
    path.write_text(yaml.safe_dump({"resources": resources}), encoding="utf-8")
    recommender = Recommender(CatalogueStore(path), limit=3)
    ids = [r.id for r in recommender.recommend(intent="request_training", text="zebrapadworkshop")]
    assert ids == ["nieuw"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "old"}, "status 'old' is not one of"),
        ({"status": "historical"}, "a historical entry needs 'years'"),
        ({"status": "historical", "years": "2019"}, "must say 'archief'"),
        ({"status": "historical", "years": 2019}, "'years' must be a text"),
    ],
)
def test_bad_status_is_named(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    routing = yaml.safe_load((ROOT / "catalogue" / "routing.yml").read_text(encoding="utf-8"))
    routing.pop("unsure_resource")
    (tmp_path / "routing.yml").write_text(yaml.safe_dump(routing), encoding="utf-8")
    path = tmp_path / "catalogue.yml"
    path.write_text(yaml.safe_dump({"resources": [{**GOOD, **change}]}), encoding="utf-8")
    with pytest.raises(CatalogueError, match=re.escape(message)):
        load_catalogue(path)


def test_the_unsure_expert_must_be_current(tmp_path: Path) -> None:
    routing = yaml.safe_load((ROOT / "catalogue" / "routing.yml").read_text(encoding="utf-8"))
    routing["unsure_resource"] = "x"
    (tmp_path / "routing.yml").write_text(yaml.safe_dump(routing), encoding="utf-8")
    entry = {**GOOD, "title": "T (archief, 2019)", "status": "historical", "years": "2019"}
    path = tmp_path / "catalogue.yml"
    path.write_text(yaml.safe_dump({"resources": [entry]}), encoding="utf-8")
    with pytest.raises(CatalogueError, match="unsure_resource 'x' is not current"):
        load_catalogue(path)


# ---------------------------------------------------------------- links, offline


def _all_urls(catalogue: Catalogue, registry: dict[str, Any]) -> list[tuple[str, str]]:
    urls = [(r.id, r.url) for r in catalogue.resources]
    for where, entry in _entries(registry):
        urls += [(where, s["url"]) for s in entry["sources"] if "url" in s]
    return urls


def test_every_entry_has_its_own_https_link(catalogue: Catalogue) -> None:
    for resource in catalogue.resources:
        assert resource.url.startswith("https://"), resource.id
        assert urlsplit(resource.url).hostname, resource.id


def test_links_follow_the_rules(catalogue: Catalogue, registry: dict[str, Any]) -> None:
    for where, url in _all_urls(catalogue, registry):
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
        assert parts.scheme == "https", (where, url)
        assert EVALUATION_REPORT not in url, (where, "links to the 2021 evaluation report")
        assert "/publicaties/rapporten/2022/04/11/" not in parts.path, (where, url)
        assert host != "platformjep.nl" and not host.endswith(".platformjep.nl"), (where, url)
        assert not re.search(r"(^|/)(en|english)(/|$)", parts.path.lower()), (where, url)
        assert parse_qs(parts.query).get("lang") not in (["en"],), (where, url)
        assert "for-professionals" not in parts.path, (where, "an English page")
        for name, national in NATIONAL_HOSTS.items():
            if name in host:
                assert host == national, (where, "a regional page of a national service")


def test_national_services_link_to_their_national_site(catalogue: Catalogue) -> None:
    host = urlsplit(catalogue.get("veilig-thuis").url).hostname
    assert host in {"veiligthuis.nl", "www.veiligthuis.nl"}
    assert "113.nl" in catalogue.get("zelfmoordpreventie-113").url
    assert "helpwanted.nl" in catalogue.get("helpwanted").url
    assert "discriminatie.nl" in catalogue.get("discriminatie-melden").url


def test_the_link_check_collects_every_catalogue_and_registry_url(
    catalogue: Catalogue, registry: dict[str, Any]
) -> None:
    collected = {link.url for link in collect_links()}
    assert {url for _, url in _all_urls(catalogue, registry)} == collected


def test_the_link_check_says_plainly_when_it_could_not_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    links = [Link(f"https://host{i}.invalid/", ("test",)) for i in range(5)]
    results = run(links, timeout=0.5)
    assert len(results) == 3 and all(r.verdict == "unreachable" for r in results)
    assert report(results, require_network=False) == 0
    assert "COULD NOT CHECK" in capsys.readouterr().out
    assert report(results, require_network=True) == 2


def test_the_link_check_fails_on_a_broken_link(capsys: pytest.CaptureFixture[str]) -> None:
    ok = Result(Link("https://a.example/", ("x",)), "ok", "200")
    gone = Result(Link("https://b.example/", ("y",)), "broken", "404")
    assert report([ok, gone], require_network=False) == 1
    assert "BROKEN" in capsys.readouterr().out


# ---------------------------------------------------------------- B1 text


def test_answers_are_short(domain: dict[str, Any]) -> None:
    for name, text in _answers(domain).items():
        assert len(text.split()) <= MAX_WORDS, name


def test_sentences_are_short(domain: dict[str, Any]) -> None:
    for name, text in _answers(domain).items():
        for line in text.splitlines():
            for sentence in re.split(r"(?<=[.?!])\s+", line):
                assert len(sentence.split()) <= MAX_SENTENCE_WORDS, (name, sentence)


def test_answers_use_dutch_words(domain: dict[str, Any]) -> None:
    for name, text in _answers(domain).items():
        words = set(re.findall(r"[a-z]+", text.lower()))
        assert not words & set(ENGLISH_JARGON), (name, words & set(ENGLISH_JARGON))


def test_answers_open_in_different_ways(domain: dict[str, Any]) -> None:
    openings = [" ".join(t.split()[:2]) for t in _answers(domain).values()]
    assert len(set(openings)) == len(openings)
    assert not any("Hieronder vind je materiaal" in t for t in _answers(domain).values())


def test_jargon_is_explained_where_it_is_used(domain: dict[str, Any]) -> None:
    explained = {
        "AVG": "privacywet",
        "FG": "functionaris gegevensbescherming",
        "OOV": "openbare orde en veiligheid",
        "casusoverleg": "overleg",
        "BSO": "buitenschoolse opvang",
        "NCTV": "terrorismebestrijder",
        "AIVD": "inlichtingendienst",
    }
    for name, text in _answers(domain).items():
        for term, explanation in explained.items():
            if re.search(rf"\b{term}\b", text):
                assert explanation in text, (name, term)


# ---------------------------------------------------------------- facts and harm (issue 12)


def test_one_definition_of_extremism_everywhere(domain: dict[str, Any]) -> None:
    defining = re.compile(r"wordt (pas )?extremisme|extremisme:|extremisme is iets anders", re.I)
    found = 0
    for name, text in _answers(domain).items():
        assert "bewust strafbare feiten" not in text, name  # the second, contradicting one
        if defining.search(text):
            found += 1
            assert DEFINITION in text, name
    assert found >= 4


def test_one_term_for_the_legal_order_with_one_explanation(domain: dict[str, Any]) -> None:
    for name, text in _answers(domain).items():
        assert "democratische rechtsstaat" not in text, name
        if LEGAL_ORDER in text:
            assert LEGAL_ORDER_EXPLAINED in text, name


def test_the_attention_officer_is_explained_and_has_an_alternative(
    domain: dict[str, Any],
) -> None:
    for name, text in _texts(domain).items():
        flat = " ".join(text.split())
        first = flat.find("aandachtsfunctionaris")
        if first < 0:
            continue
        # explained in the same or the next sentence as its first mention
        near = flat[max(0, first - 80) : first + 120]
        assert any(e in near for e in ATTENTION_OFFICER_EXPLAINED), name
        # not every organisation has one
        assert any(a in flat for a in ATTENTION_OFFICER_ALTERNATIVES), name


def test_the_meldcode_is_explained_where_it_is_named(domain: dict[str, Any]) -> None:
    for name, text in _answers(domain).items():
        flat = " ".join(text.split())
        first = flat.find("Meldcode")
        if first < 0:
            continue
        near = flat[first : first + 120]
        assert any(e in near for e in MELDCODE_EXPLAINED), name


def test_the_stock_phrase_is_gone(domain: dict[str, Any], catalogue: Catalogue) -> None:
    texts = list(_texts(domain).values()) + [r.summary for r in catalogue.resources]
    assert sum(STOCK_PHRASE in " ".join(t.split()) for t in texts) == 0


def test_slechts_not_maar_for_a_small_part(domain: dict[str, Any]) -> None:
    for name, text in _answers(domain).items():
        assert not re.search(r"\bMaar een klein", text), name


def test_harmful_advice_is_gone(domain: dict[str, Any], catalogue: Catalogue) -> None:
    texts = _texts(domain)
    everything = " ".join(texts.values()).lower()
    assert "vertel de jongere altijd" not in everything
    parents = texts["utter_answer_parents"]
    for risk in ("eergerelateerd geweld", "ideeën delen", "strijdgebied"):
        assert risk in parents
    group = texts["utter_answer_polarisation_group"]
    assert "niet om voor de klas" in group
    left = texts["utter_answer_left_wing"]
    assert "asielbeleid" not in left
    anti = texts["utter_answer_anti_institutional"]
    assert "Niet iedere soeverein" in anti
    labels = " ".join(topic.label for topic in catalogue.topics.values()).lower()
    assert "geloof" not in labels


def test_the_answers_hold_the_corrected_facts(domain: dict[str, Any]) -> None:
    texts = _texts(domain)
    sharing = " ".join(texts["utter_answer_information_sharing"].split())
    for fact in (
        "algemene informatie, geen juridisch advies",
        "conflict van plichten",
        "proportionaliteit",
        "subsidiariteit",
        "direct gevaar",
        "functionaris gegevensbescherming (FG)",
        "Meldcode",
    ):
        assert fact in sharing, fact
    # Review 2026-12-06: no claims per profession that domain-facts.md does not carry, and
    # direct danger is an example of a conflict of duties, not a ground of its own.
    unsourced_claims = (
        "geen wettelijk beroepsgeheim",
        "sportcoach",
        "uitzonderingen: direct gevaar",
    )
    for unsourced in unsourced_claims:
        assert unsourced not in sharing, unsourced
    reporting = texts["utter_answer_reporting"]
    for fact in ("valt niet onder de Meldcode", "afwegingskader", "0800-2000", "0900-8844"):
        assert fact in reporting, fact
    online = texts["utter_answer_online"]
    for fact in ("grooming", "sextortion", "nooit door", "Helpwanted", "politie"):
        assert fact in online, fact
    # Sextortion: help the young person; a professional never copies nude images of a minor.
    for advice in ("Help de", "stuur niets meer", "als bewijs", "geen foto, screenshot of kopie"):
        assert advice in online, advice
    assert "bewaar de berichten" not in online.lower()
    right = " ".join(texts["utter_answer_right_wing"].split())
    assert "14 jaar" in right and "games" in right
    assert "waarschijnlijk een paar honderd" in right  # the NCTV's own hedge
    conspiracy = texts["utter_answer_conspiracy"]
    assert "antisemitisme" in conspiracy and "omvolking" in conspiracy
    assert "de wereld zouden besturen" not in conspiracy  # not in any source read
    discrimination = texts["utter_answer_discrimination"]
    assert "discriminatie.nl" in discrimination
    assert "Elke gemeente" not in discrimination  # review 2026-12-06: no source read
    works = " ".join(texts["utter_answer_what_works"].split())
    assert "wie geweld gaat gebruiken" in works and "vaardigheden" in works
    assert "Veilige Moskee" not in texts["utter_answer_publication"]
    assert "veilige moskee" not in texts["utter_answer_publication"]
    for name in ("utter_answer_parents", "utter_answer_exit_support", "utter_answer_travel"):
        assert "Familiesteunpunt van het LSE" in " ".join(texts[name].split()), name
    assert not conspiracy.lower().startswith("rond de corona")
    for name in ("utter_answer_training", "utter_answer_publication"):
        assert "sinds 2023 onderdeel van de ESS" in texts[name], name


def test_113_where_suicide_comes_up_and_only_there(domain: dict[str, Any]) -> None:
    texts = _texts(domain)
    for name in ("utter_urgent", "utter_suicidal_thoughts", "utter_possibly_suicidal"):
        assert "113" in texts[name] and "0800-0113" in texts[name], name
    # A topic answer naming 113 would put the 113 line under calm questions.
    for name, text in _answers(domain).items():
        assert "113" not in text, name
