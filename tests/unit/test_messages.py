"""The channel message contract."""

from __future__ import annotations

from bot.catalogue import Catalogue
from bot.messages import (
    HandoffStage,
    handoff_payload,
    resource_list_text,
    resources_payload,
    urgent_payload,
)


def test_resources_payload_lists_id_title_kind_url(catalogue: Catalogue) -> None:
    resources = catalogue.resources[:3]
    payload = resources_payload(resources)
    assert payload["type"] == "resources"
    assert [item["id"] for item in payload["items"]] == [r.id for r in resources]
    assert all(set(item) == {"id", "title", "kind", "url"} for item in payload["items"])


def test_plain_text_lists_the_same_titles_with_links(catalogue: Catalogue) -> None:
    resources = catalogue.resources[:2]
    lines = resource_list_text(resources).splitlines()
    assert lines == [f"- {r.title}: {r.url}" for r in resources]


def test_handoff_and_urgent_payloads() -> None:
    assert handoff_payload(HandoffStage.OFFERED) == {"type": "handoff", "stage": "offered"}
    assert handoff_payload(HandoffStage.STARTED)["stage"] == "started"
    assert urgent_payload() == {"type": "urgent"}
