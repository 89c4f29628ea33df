"""Training data and answers stay honest: versions, topic files, sizes, answer rules."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.danger import read_bank
from bot.messages import urgent_payload
from scripts.eval_categories import load_items

DATA = Path("data")
TOPIC_PREFIXES = ("ask_", "request_")
NON_TOPIC = {"request_human", "ask_contact"}


def _yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


# National public numbers, not the advice line's contact details (domain facts):
# 113 Zelfmoordpreventie's free number (113 or 0800-0113, 24/7), Veilig Thuis
# (0800-2000), the police without emergency (0900-8844), Meld Misdaad Anoniem (0800-7000).
NATIONAL_CRISIS_LINES = ("0800-0113", "0800-2000", "0900-8844", "0800-7000")


def nlu_examples() -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for path in sorted((DATA / "nlu").glob("*.yml")):
        for block in _yaml(path).get("nlu", []):
            if "intent" in block:
                lines = [
                    ln.strip()[2:].strip()
                    for ln in block["examples"].splitlines()
                    if ln.strip().startswith("- ")
                ]
                examples.setdefault(block["intent"], []).extend(lines)
    return examples


def test_every_data_file_is_version_3_1() -> None:
    for path in [*DATA.rglob("*.yml"), Path("domain.yml")]:
        assert _yaml(path).get("version") == "3.1", path


def test_topic_files_match_across_nlu_rules_and_stories() -> None:
    names = {d: {p.name for p in (DATA / d).glob("*.yml")} for d in ("rules", "stories")}
    nlu = {p.name for p in (DATA / "nlu").glob("*.yml")} - {"entities.yml"}
    assert nlu == names["rules"] == names["stories"]


def test_each_topic_intent_has_at_least_25_distinct_examples(domain: dict[str, Any]) -> None:
    examples = nlu_examples()
    topics = [i for i in domain["intents"] if i.startswith(TOPIC_PREFIXES)]
    assert len(domain["intents"]) >= 30
    for intent in [*topics, "acute_danger", "out_of_scope"]:
        distinct = {e.lower() for e in examples.get(intent, [])}
        assert len(distinct) >= 25, intent


def test_no_example_is_given_to_two_intents() -> None:
    owner: dict[str, str] = {}
    for intent, lines in nlu_examples().items():
        for line in lines:
            key = line.lower()
            assert owner.setdefault(key, intent) == intent, f"{line!r}: {owner[key]} and {intent}"


def test_every_intent_has_examples_and_a_rule(domain: dict[str, Any]) -> None:
    examples = nlu_examples()
    rules_text = "\n".join(p.read_text(encoding="utf-8") for p in (DATA / "rules").glob("*.yml"))
    for intent in domain["intents"]:
        assert examples.get(intent), intent
        assert f"intent: {intent}\n" in rules_text, intent


def _texts(domain: dict[str, Any]) -> dict[str, str]:
    return {
        name: " ".join(v.get("text", "") for v in variants)
        for name, variants in domain["responses"].items()
    }


def test_every_topic_has_a_short_answer(domain: dict[str, Any]) -> None:
    texts = _texts(domain)
    answers = [name for name in texts if name.startswith("utter_answer_")]
    assert len(answers) == len(
        [i for i in domain["intents"] if i.startswith(TOPIC_PREFIXES) and i not in NON_TOPIC]
    )
    for name in answers:
        assert len(texts[name].split()) <= 120, name


@pytest.mark.parametrize("pattern", [r"\b0\d{1,3}[\s-]?\d{3}", r"@", r"\b\d{1,2}[.:]\d{2}\b"])
def test_bot_text_holds_no_contact_details_or_hours(domain: dict[str, Any], pattern: str) -> None:
    # The advice line's phone numbers, e-mail addresses and opening hours come from
    # configuration. National crisis lines are not its contact details: they stay.
    for name, text in _texts(domain).items():
        for line in NATIONAL_CRISIS_LINES:
            text = text.replace(line, "")
        assert not re.search(pattern, text), name


def test_thoughts_of_suicide_name_113_and_say_112_only_for_danger_now(
    domain: dict[str, Any],
) -> None:
    text = _texts(domain)["utter_suicidal_thoughts"]
    assert "113" in text and "0800-0113" in text
    assert text.index("113") < text.index("112")  # 113 first, 112 only for danger now


def test_urgent_message_says_call_112_and_carries_the_urgent_payload(
    domain: dict[str, Any],
) -> None:
    variants = domain["responses"]["utter_urgent"]
    for variant in variants:
        assert "112" in variant["text"]
        assert variant["custom"] == urgent_payload()  # the contract has one definition


def test_greeting_says_it_is_a_computer_and_warns_not_to_name_the_young_person(
    domain: dict[str, Any],
) -> None:
    text = _texts(domain)["utter_greet"].lower()
    assert "computerprogramma" in text or "chatbot" in text
    assert "naam" in text
    assert "112" in text


def test_contact_responses_use_configured_variables(domain: dict[str, Any]) -> None:
    texts = _texts(domain)
    for name in ("utter_human_contact", "utter_contact"):
        for var in ("{phone}", "{email}", "{hours}"):
            assert var in texts[name], (name, var)


def test_answers_do_not_label_young_people(domain: dict[str, Any]) -> None:
    # The bot helps weigh signals; it never declares that a young person radicalises.
    forbidden = re.compile(r"(deze|de|je) jongere (is|wordt) (geradicaliseerd|radicaal|extremist)")
    for name, text in _texts(domain).items():
        assert not forbidden.search(text.lower()), name


def test_example_counts_are_reported() -> None:
    counts = Counter({k: len(v) for k, v in nlu_examples().items()})
    assert sum(counts.values()) > 900


def _plain(example: str) -> str:
    # "[docent](role)" and '[mbo]{"entity": ...}' become their plain text.
    text = re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", example)
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def test_held_out_questions_are_not_in_the_training_data() -> None:
    training = {_plain(e) for lines in nlu_examples().values() for e in lines}
    questions = yaml.safe_load(Path("tests/eval/questions.yml").read_text(encoding="utf-8"))
    leaked = [q["text"] for q in questions["questions"] if _plain(q["text"]) in training]
    assert not leaked


def test_every_entity_has_an_annotated_example_so_its_lookup_is_used() -> None:
    # RegexEntityExtractor ignores lookup tables of entities never annotated in an example.
    text = "\n".join(p.read_text(encoding="utf-8") for p in (DATA / "nlu").glob("*.yml"))
    for entity in ("role", "phenomenon", "age_group"):
        assert re.search(rf"\]\({entity}\)|\"entity\": \"{entity}\"", text), entity


# Training and bank texts that resemble an item of the blind set but were in the data
# before the set was written (commit 80d36b1): everyday phrases, not leaks.
WRITTEN_BEFORE_THE_BLIND_SET = frozenset(
    {
        "ben je een robot",
        "ben jij een mens",
        "dit helpt me echt, dank je",
        "heb je een recept voor lasagne",
        "hoe kan ik jullie bellen",
        "hoe kan ik jullie bereiken",
        "hoe lang moet een ei koken",
        "hoe maak ik jongeren weerbaar tegen extremistische ideeën",
        "ik praat liever met een mens dan met een computer",
        "ik zoek een workshop voor ons wijkteam",
        "is de advieslijn gratis te bellen",
        "is er een landelijk meldpunt radicalisering",
        "is er een meldpunt",
        "je begrijpt mijn vraag verkeerd",
        "kan ik jullie ook mailen",
        "kunnen jullie dit gesprek wissen",
        "praat ik met een computer",
        "praat ik met een mens",
        "vertel eens een mop",
        "wat doet een aandachtsfunctionaris radicalisering",
        "wat gebeurt er met de informatie die ik hier deel",
        "wat is de hoofdstad van Australië",
        "wat is het verschil tussen havo en vwo",
        "wat is jullie telefoonnummer",
        "wie heeft er gisteren gewonnen, Ajax of PSV",
        "wie kan ik spreken",
        "zijn jullie in het weekend open",
        "zijn jullie vandaag open",
    }
)

NEAR_COPY = 0.55  # token overlap (Jaccard) from which a text counts as a copy


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


def test_no_training_or_bank_text_is_a_near_copy_of_a_blind_set_item() -> None:
    # The blind set measures understanding only while nothing like its items is trained
    # on; a failure names the training text (never the sealed item).
    texts, _, _, _ = read_bank(Path("safety/acute_bank.yml"), DATA / "nlu")
    items = [
        _words(" ".join(item.turns))
        for name in ("dev", "sealed")
        for item in load_items(Path(f"tests/eval/{name}.yml"))
    ]
    copies = sorted(
        text
        for text in set(texts) - WRITTEN_BEFORE_THE_BLIND_SET
        if len(words := _words(text)) >= 4
        and any(len(words & item) / len(words | item) >= NEAR_COPY for item in items)
    )
    assert not copies, copies
