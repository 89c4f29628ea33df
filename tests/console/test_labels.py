"""The console's Dutch labels cover every stored value."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.caselog.service import OUTCOMES
from bot.console.texts import LABELS_FILE, LabelsError, load_labels


def test_every_outcome_status_and_event_has_a_dutch_label() -> None:
    labels = load_labels()
    assert [labels.label("outcome", o) for o in OUTCOMES] == [
        "Advies gegeven",
        "Doorverwezen",
        "Teruggebeld of gemaild",
        "Geen contact gekregen",
        "Intake afgebroken",
        "Anders",
    ]
    assert labels.label("status", "waiting_callback") == "Wacht op terugbellen of mailen"
    throttled = labels.message("login_throttled", seconds=7)
    assert throttled.endswith("Wacht 7 seconden en probeer het dan opnieuw.")


def test_a_missing_label_is_reported_with_the_file_and_the_value(tmp_path: Path) -> None:
    raw = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))
    del raw["outcome"]["referred"]
    broken = tmp_path / "labels.yml"
    broken.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(LabelsError, match="'outcome' has no label for referred"):
        load_labels(broken)
