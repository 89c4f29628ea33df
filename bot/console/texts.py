"""The console's Dutch labels and messages (``bot/console/labels.yml``), read once per app."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.caselog.models import CaseStatus, EventKind, HelpMode, Role, Urgency
from bot.caselog.service import OUTCOMES
from bot.datafiles import read_mapping

LABELS_FILE = Path(__file__).with_name("labels.yml")
GROUPS = ("status", "urgency", "help_mode", "outcome", "event", "role", "who", "contact_kind")
# Every stored value must have a label: checked when the file is read.
REQUIRED: dict[str, tuple[str, ...]] = {
    "status": tuple(s.value for s in CaseStatus),
    "urgency": tuple(u.value for u in Urgency),
    "help_mode": tuple(h.value for h in HelpMode),
    "outcome": OUTCOMES,
    "event": tuple(e.value for e in EventKind),
    "role": tuple(r.value for r in Role),
    "who": ("user", "bot", "system"),
    "contact_kind": ("phone", "email"),
}


class LabelsError(ValueError):
    """The labels file is missing, malformed or lacks a label."""


@dataclass(frozen=True)
class Labels:
    """Dutch labels of stored values and the messages shown after actions."""

    groups: Mapping[str, Mapping[str, str]]
    messages: Mapping[str, str]

    def label(self, group: str, value: str | None) -> str:
        """Return the label of a value (the value itself when it has none)."""
        if value is None:
            return ""
        return self.groups.get(group, {}).get(value, value)

    def message(self, key: str, **variables: object) -> str:
        """Return a message with its variables filled in."""
        return self.messages[key].format(**variables)


def _texts(raw: object, where: str) -> dict[str, str]:
    if not isinstance(raw, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in raw.items()
    ):
        raise LabelsError(f"{where} must map names to non-empty texts")
    return dict(raw)


def load_labels(path: Path = LABELS_FILE) -> Labels:
    """Read and check the labels file (raises :class:`LabelsError` naming what is wrong)."""
    raw = read_mapping(path, LabelsError)
    groups = {group: _texts(raw.get(group), f"{path}: '{group}'") for group in GROUPS}
    for group, values in REQUIRED.items():
        missing = [v for v in values if v not in groups[group]]
        if missing:
            raise LabelsError(f"{path}: '{group}' has no label for {', '.join(missing)}")
    return Labels(groups=groups, messages=_texts(raw.get("messages"), f"{path}: 'messages'"))
