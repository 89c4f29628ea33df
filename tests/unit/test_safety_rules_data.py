"""The rule files in safety/rules/ are well-formed, complete and free of dead lists."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.safety import REASONS, RULES_DIR, RulesError, load_rules

REFERENCE = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
GAP = re.compile(r"\{gap:\d+\}")


def rule_files() -> dict[str, dict[str, Any]]:
    return {
        path.name: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(RULES_DIR.glob("*.yml"))
    }


def templates(data: dict[str, Any]) -> Iterator[str]:
    """Every string in which {NAME} may appear: list items, fragments, rules, guards."""

    def strings(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    for value in (data.get("lists") or {}).values():
        yield from strings(value)
    for value in (data.get("fragments") or {}).values():
        yield from strings(value)
    for rule in data.get("rules") or []:
        for key in ("pattern", "cue", "veto"):
            yield from strings(rule.get(key))
    for value in (data.get("guards") or {}).values():
        yield from strings(value)


def defined_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for file, data in rule_files().items():
        for section in ("lists", "fragments"):
            for name in data.get(section) or {}:
                assert name not in names, f"{name} in {file} and {names[name]}"
                names[name] = file
    return names


def referenced_names() -> set[str]:
    used: set[str] = set()
    for data in rule_files().values():
        for template in templates(data):
            used.update(REFERENCE.findall(template))
            if GAP.search(template):
                used.add("STOP")  # {gap:N} never skips a word in STOP
    return used


def test_there_is_a_common_file_and_one_file_per_reason() -> None:
    assert set(rule_files()) == {"common.yml", *(f"{reason}.yml" for reason in REASONS)}


def test_every_rule_file_has_version_1() -> None:
    for file, data in rule_files().items():
        assert data.get("version") == 1, file


def test_every_category_file_has_rules_and_common_has_none() -> None:
    files = rule_files()
    assert "rules" not in files["common.yml"]
    for reason in REASONS:
        assert files[f"{reason}.yml"]["rules"], reason


def test_every_referenced_list_exists() -> None:
    missing = referenced_names() - set(defined_names())
    assert not missing, f"referenced but not defined: {sorted(missing)}"


def test_every_list_is_used() -> None:
    unused = set(defined_names()) - referenced_names()
    assert not unused, f"defined but never used: {sorted(unused)}"


def test_the_rules_load_and_every_reason_has_rules() -> None:
    rules = load_rules()
    assert set(rules.rules) == set(REASONS)
    assert all(rules.rules[reason] for reason in REASONS)
    assert rules.clause_words == {"en", "maar", "want"}
    assert rules.turn_words <= rules.clause_words


# Broken copies of the rule files: (file, text to replace, replacement, expected message).
BROKEN = [
    ("weapon.yml", "WEAPON_SAFE: [", "WEAPON_SAFE: [[", r"weapon\.yml: invalid YAML"),
    ("departure.yml", "version: 1", "version: 2", r"departure\.yml: version must be 1"),
    ("weapon.yml", "{STASH}", "{STASHES}", r"weapon\.yml: rule \d+: unknown list \{STASHES\}"),
    ("suicide.yml", "FAMILY: [", "FAMILY: [yes, ", r"suicide\.yml: list FAMILY, item 1"),
    (
        "suicide.yml",
        "HEIGHT: [",
        "HEIGHT: ['(?:dak', ",
        r"suicide\.yml: list HEIGHT: invalid regular expression",
    ),
    ("violence.yml", "  - pattern: '\\blevensgevaar\\b'", "  - cue: x", r"violence\.yml: rule \d+"),
    ("common.yml", "  trend: '\\b{TREND}\\b'\n", "", r"common\.yml: guards"),
    ("attack_plan.yml", "version: 1", "version: 1\nwords: [a]", r"attack_plan\.yml: unknown keys"),
]


@pytest.mark.parametrize(("file", "old", "new", "message"), BROKEN)
def test_a_malformed_file_gives_a_clear_error(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulesError, match=message):
        load_rules(folder)


def test_a_missing_folder_or_an_extra_file_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="does not exist"):
        load_rules(tmp_path / "nowhere")
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    (folder / "misc.yml").write_text("version: 1\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"unknown rule files \['misc\.yml'\]"):
        load_rules(folder)
