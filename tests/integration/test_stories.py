"""Test stories with real user text, run through `rasa test` on the trained model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_conversation_stories_pass(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "test",
            "core",
            "--model",
            str(ROOT / "models" / "advieslijn.tar.gz"),
            "--stories",
            str(ROOT / "tests" / "stories"),
            "--endpoints",
            str(ROOT / "endpoints.yml"),
            "--out",
            str(tmp_path),
            "--fail-on-prediction-errors",
            "--no-plot",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={
            **os.environ,
            "ACTION_ENDPOINT_URL": "http://127.0.0.1:9/webhook",
            "ACTION_SECRET": "unused",
            "TRACKER_DB": str(tmp_path / "t.db"),
        },
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:] + details
