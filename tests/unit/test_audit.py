"""The dependency audit: OSV range rules, the pass/fail logic, bad input and the real lock."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import yaml

from scripts import audit
from scripts.audit import (
    Acceptance,
    AuditError,
    Decisions,
    Event,
    VersionRange,
    evaluate,
    parse_constraints,
    parse_decisions,
    parse_npm_audit,
    parse_pip_audit,
    parse_range,
    parse_snapshot,
)


def eco(*events: tuple[str, str]) -> VersionRange:
    return VersionRange("ECOSYSTEM", tuple(Event(kind, version) for kind, version in events))


# --- range evaluation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("1.0", False),
        ("1.0.5", True),
        ("2.0", True),
        ("3.9.1", True),
        ("3.9.2", False),
        ("4.0", False),
    ],
)
def test_introduced_is_inclusive_and_fixed_exclusive(version: str, affected: bool) -> None:
    assert eco(("introduced", "1.0.5"), ("fixed", "3.9.2")).affects(version) is affected


def test_introduced_zero_covers_everything_below_the_fix() -> None:
    rng = eco(("introduced", "0"), ("fixed", "0.24.dev0"))
    assert rng.affects("0.0.1")
    assert rng.affects("0.23.2")
    assert not rng.affects("0.24.dev0")
    assert not rng.affects("1.1.3")


def test_no_fix_means_every_later_version_is_affected() -> None:
    assert eco(("introduced", "0")).affects("99.0")


def test_last_affected_is_inclusive() -> None:
    rng = eco(("introduced", "0"), ("last_affected", "3.8.4"))
    assert rng.affects("3.8.4")
    assert not rng.affects("3.8.5")
    assert not rng.affects("3.9.5")


def test_events_are_sorted_before_evaluation() -> None:
    # PYSEC-2023-212 (urllib3) lists its second range first.
    rng = eco(
        ("introduced", "2.0.0"), ("fixed", "2.0.7"), ("introduced", "0"), ("fixed", "1.26.18")
    )
    assert rng.affects("1.26.17")
    assert not rng.affects("1.26.18")
    assert not rng.affects("1.26.20")
    assert rng.affects("2.0.6")
    assert not rng.affects("2.0.7")
    assert not rng.affects("2.8.0")


def test_limit_excludes_versions_at_and_above_it() -> None:
    rng = eco(("introduced", "1.0"), ("limit", "2.0"))
    assert rng.affects("1.9")
    assert not rng.affects("2.0")


def test_pep_440_ordering_of_post_pre_and_dev_releases() -> None:
    assert not eco(("introduced", "0"), ("fixed", "2026.10.19")).affects("2026.10.19.post1")
    assert eco(("introduced", "0"), ("fixed", "5.2")).affects("5.2b1")
    assert eco(("introduced", "1.0")).affects("1.0.0")  # 1.0 == 1.0.0
    assert not eco(("introduced", "5.2")).affects("5.2.dev0")


def test_semver_precedence_with_prereleases() -> None:
    rng = VersionRange("SEMVER", (Event("introduced", "1.0.0-alpha.1"), Event("fixed", "1.0.0")))
    assert not rng.affects("1.0.0-alpha")
    assert rng.affects("1.0.0-alpha.beta")
    assert rng.affects("1.0.0-rc.1")
    assert rng.affects("1.0.0-rc.1+build.5")
    assert not rng.affects("1.0.0")
    assert not rng.affects("1.0.1")
    numeric = VersionRange("SEMVER", (Event("introduced", "1.0.0-2"), Event("fixed", "1.0.0-10")))
    assert numeric.affects("1.0.0-9")  # numeric identifiers compare as numbers


def test_invalid_versions_give_clear_errors() -> None:
    with pytest.raises(AuditError, match="not a valid semantic version"):
        VersionRange("SEMVER", (Event("introduced", "0"),)).affects("1.0")
    with pytest.raises(AuditError, match="not a valid PEP 440 version"):
        eco(("introduced", "0")).affects("not-a-version!")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"type": "GIT", "events": [{"introduced": "0"}]}, "range type 'GIT'"),
        ({"type": "ECOSYSTEM", "events": [{"fixed": "1.0"}]}, "at least one 'introduced'"),
        (
            {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "0"}]},
            "only 'introduced' may be",
        ),
        (
            {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"patched": "1.0"}]},
            "unknown event",
        ),
        ({"type": "ECOSYSTEM", "events": [{"introduced": 1.0}]}, "quoted string"),
        ({"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}, "exactly one"),
        ({"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "x y"}]}, "PEP 440"),
    ],
)
def test_malformed_ranges_are_rejected(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(AuditError, match=message):
        parse_range(raw, "advisories.yml: advisories[0]")


# --- lock file ----------------------------------------------------------------------


def test_constraints_are_read_with_normalised_names() -> None:
    pins = parse_constraints("# lock\nFlask_WTF==1.3.0\n\nruamel.yaml==0.17.21  # comment\n")
    assert [(p.name, p.version, p.line) for p in pins] == [
        ("flask-wtf", "1.3.0", 2),
        ("ruamel-yaml", "0.17.21", 4),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("requests>=2.0\n", r"constraints.txt:1: expected 'name==version'"),
        ("six==1.17.0\n-e git+https://example.org/x.git\n", r"constraints.txt:2: expected"),
        (
            "six==1.17.0\nSix==1.16.0\n",
            r"constraints.txt:2: six is pinned twice \(first on line 1\)",
        ),
        ("six==one\n", r"constraints.txt:1: 'one' is not a valid PEP 440 version"),
    ],
)
def test_malformed_constraints_name_the_line(text: str, message: str) -> None:
    with pytest.raises(AuditError, match=message):
        parse_constraints(text)


# --- pass / fail ----------------------------------------------------------------------


def snapshot(
    advisories: list[dict[str, Any]], searched: tuple[str, ...] = ("demo",)
) -> audit.Snapshot:
    return parse_snapshot(
        {
            "snapshot": {
                "source": "test",
                "transcribed": "2026-12-01",
                "newest_record_modified": "2024-07-11",
                "searched": list(searched),
            },
            "advisories": advisories,
        },
        "advisories.yml",
    )


DEMO = {
    "id": "PYSEC-2099-1",
    "package": "demo",
    "aliases": ["CVE-2099-0001"],
    "summary": "Demo flaw.",
    "modified": "2099-01-01",
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}],
}
SKIP = "Dependency not found on PyPI and could not be audited: six (1.17.0)"
REASON = "Advieslijn never calls the affected function; Rasa 3.6 pins this version."


def test_a_pin_inside_a_range_without_acceptance_fails() -> None:
    result = evaluate(parse_constraints("demo==1.5\n"), snapshot([DEMO]), Decisions())
    assert not result.passed
    assert [(f.package, f.version, f.advisory_id) for f in result.open] == [
        ("demo", "1.5", "PYSEC-2099-1")
    ]


def test_an_acceptance_for_exactly_that_version_passes() -> None:
    decisions = Decisions(
        accepted=(Acceptance("CVE-2099-0001", "demo", "1.5.0", REASON, "2026-12-01"),)
    )
    result = evaluate(parse_constraints("demo==1.5\n"), snapshot([DEMO]), decisions)
    assert result.passed
    assert len(result.accepted) == 1  # accepted by alias; 1.5 == 1.5.0


def test_an_acceptance_lapses_when_the_pin_changes() -> None:
    decisions = Decisions(
        accepted=(Acceptance("PYSEC-2099-1", "demo", "1.4", REASON, "2026-12-01"),)
    )
    result = evaluate(parse_constraints("demo==1.5\n"), snapshot([DEMO]), decisions)
    audit.mark_stale(result, decisions)
    assert not result.passed
    assert result.stale == list(decisions.accepted)


def test_a_raised_pin_passes_and_is_counted_as_fixed() -> None:
    decisions = parse_decisions(
        {"raised": [{"id": "PYSEC-2099-1", "package": "demo", "from": "1.5", "to": "2.0.1"}]},
        "accepted.yml",
    )
    result = evaluate(parse_constraints("demo==2.0.1\n"), snapshot([DEMO]), decisions)
    assert result.passed
    assert not result.findings
    assert [r.to_version for r in result.raised] == ["2.0.1"]


def test_a_wrong_raise_record_is_an_error() -> None:
    decisions = parse_decisions(
        {"raised": [{"id": "PYSEC-2099-1", "package": "demo", "from": "2.1", "to": "2.2"}]},
        "accepted.yml",
    )
    with pytest.raises(AuditError, match=r"does not affect 2\.1,"):
        evaluate(parse_constraints("demo==2.2\n"), snapshot([DEMO]), decisions)


def test_withdrawn_advisories_are_reported_not_failed() -> None:
    withdrawn = {**DEMO, "withdrawn": "2099-02-01"}
    result = evaluate(parse_constraints("demo==1.5\n"), snapshot([withdrawn]), Decisions())
    assert result.passed
    assert [a.id for _, a in result.withdrawn] == ["PYSEC-2099-1"]


def test_pins_outside_the_snapshot_are_listed_as_not_checked() -> None:
    result = evaluate(
        parse_constraints("demo==2.5\nnewcomer==1.0\n"), snapshot([DEMO]), Decisions()
    )
    assert result.passed
    assert result.unchecked == [
        "newcomer 1.0: not in the snapshot (pinned after it was taken; refresh it)"
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "accepted": [
                    {
                        "id": "X",
                        "package": "demo",
                        "version": "1.5",
                        "reason": "ok",
                        "reviewed": "2026-12-01",
                    }
                ]
            },
            "too short",
        ),
        (
            {
                "accepted": [
                    {
                        "id": "X",
                        "package": "Demo_Pkg",
                        "version": "1.5",
                        "reason": REASON,
                        "reviewed": "x",
                    }
                ]
            },
            "normalised name \\('demo-pkg'\\)",
        ),
        (
            {
                "accepted": [
                    {"package": "demo", "version": "1.5", "reason": REASON, "reviewed": "x"}
                ]
            },
            "'id'",
        ),
        ({"accepted": {"id": "X"}}, "'accepted' must be a list"),
        ({"raised": [{"id": "X", "package": "demo", "from": "1", "to": "soon"}]}, "PEP 440"),
    ],
)
def test_malformed_acceptance_files_are_rejected(data: dict[str, Any], message: str) -> None:
    with pytest.raises(AuditError, match=message):
        parse_decisions(data, "accepted.yml")


def test_malformed_snapshot_names_the_advisory() -> None:
    with pytest.raises(
        AuditError, match=r"advisories\[0\] \(PYSEC-2099-1\): 'ranges' must be a non-empty"
    ):
        snapshot([{**DEMO, "ranges": []}])
    with pytest.raises(AuditError, match="listed twice"):
        snapshot([DEMO, DEMO])
    with pytest.raises(AuditError, match="'summary' must be a non-empty string"):
        snapshot([{**DEMO, "summary": ""}])


# --- the command and its files ------------------------------------------------------


def write_tree(tmp_path: Path, constraints: str, accepted: str | None = None) -> list[str]:
    (tmp_path / "constraints.txt").write_text(constraints, encoding="utf-8")
    snap = {
        "snapshot": {
            "source": "test",
            "transcribed": "2026-12-01",
            "newest_record_modified": "2024-07-11",
            "searched": ["demo"],
        },
        "advisories": [DEMO],
    }
    (tmp_path / "advisories.yml").write_text(yaml.safe_dump(snap), encoding="utf-8")
    args = [
        "--offline",
        "--constraints",
        str(tmp_path / "constraints.txt"),
        "--advisories",
        str(tmp_path / "advisories.yml"),
        "--accepted",
        str(tmp_path / "accepted.yml"),
    ]
    if accepted is not None:
        (tmp_path / "accepted.yml").write_text(textwrap.dedent(accepted), encoding="utf-8")
    return args


def test_command_fails_on_an_open_advisory_and_names_it(tmp_path: Path) -> None:
    out = io.StringIO()
    assert audit.main(write_tree(tmp_path, "demo==1.5\n"), out) == 1
    text = out.getvalue()
    assert "advisories affecting pinned versions: 1 (accepted 0, open 1)" in text
    assert "OPEN     demo 1.5 CVE-2099-0001, PYSEC-2099-1 [snapshot]: Demo flaw." in text
    assert "result: FAIL: 1 advisories neither fixed nor accepted" in text


def test_command_passes_with_the_acceptance_and_prints_the_reason(tmp_path: Path) -> None:
    accepted = f"""\
        accepted:
          - id: PYSEC-2099-1
            package: demo
            version: "1.5"
            reason: "{REASON}"
            reviewed: 2026-12-01
        """
    out = io.StringIO()
    assert audit.main(write_tree(tmp_path, "demo==1.5\n", accepted), out) == 0
    assert f"accepted demo 1.5 PYSEC-2099-1: {REASON}" in out.getvalue()
    assert "result: PASS" in out.getvalue()


def test_command_reports_bad_input_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert audit.main(write_tree(tmp_path, "demo>=1.5\n")) == 2
    assert "constraints.txt:1: expected 'name==version'" in capsys.readouterr().err
    assert audit.main(write_tree(tmp_path, "demo==1.5\n", "accepted: [\n")) == 2
    assert "accepted.yml: invalid YAML" in capsys.readouterr().err


# --- live sources (no network: their HTTP and process boundaries are stood in for) ---


def test_live_pip_audit_is_skipped_when_pypi_lacks_the_per_version_api() -> None:
    pins = parse_constraints("six==1.17.0\n")

    def fetch(url: str, timeout: float) -> Any:
        assert url == "https://pypi.org/pypi/six/1.17.0/json"
        return SimpleNamespace(status_code=404)

    def run(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("pip-audit must not run")

    result = audit.live_pip_audit(pins, Path("constraints.txt"), "pip-audit", fetch=fetch, run=run)
    assert not result.audited
    assert "answered 404" in result.status


def test_live_pip_audit_unreachable_is_not_audited() -> None:
    def fetch(url: str, timeout: float) -> Any:
        raise requests.ConnectionError("no route")

    result = audit.live_pip_audit(
        parse_constraints("six==1.17.0\n"), Path("c.txt"), "pip-audit", fetch=fetch
    )
    assert not result.audited
    assert "unreachable (ConnectionError)" in result.status


def test_live_pip_audit_findings_are_merged_and_can_be_accepted() -> None:
    report = {
        "dependencies": [
            {
                "name": "Demo",
                "version": "1.5",
                "vulns": [
                    {
                        "id": "GHSA-aaaa-bbbb-cccc",
                        "fix_versions": ["2.0"],
                        "aliases": ["CVE-2099-0002"],
                        "description": "Another flaw.",
                    },
                    {
                        "id": "PYSEC-2099-1",
                        "fix_versions": ["2.0"],
                        "aliases": [],
                        "description": "Demo flaw.",
                    },
                ],
            },
            {
                "name": "six",
                "skip_reason": SKIP,
            },
        ],
        "fixes": [],
    }
    pins = parse_constraints("demo==1.5\nsix==1.17.0\n")
    done = SimpleNamespace(returncode=1, stdout=json.dumps(report), stderr="")
    result = audit.live_pip_audit(
        pins,
        Path("c.txt"),
        "pip-audit",
        fetch=lambda url, timeout: SimpleNamespace(status_code=200),
        run=lambda *a, **k: done,
    )
    assert result.audited
    assert result.skipped == [
        "six: Dependency not found on PyPI and could not be audited: six (1.17.0)"
    ]
    decisions = Decisions(
        accepted=(Acceptance("CVE-2099-0002", "demo", "1.5", REASON, "2026-12-01"),)
    )
    combined = evaluate(pins, snapshot([DEMO], searched=("demo", "six")), decisions)
    audit.add_findings(combined, result.findings, decisions)
    # the snapshot already reported PYSEC-2099-1; the live-only advisory is accepted by alias
    assert [(f.advisory_id, f.source) for f in combined.findings] == [
        ("PYSEC-2099-1", "snapshot"),
        ("GHSA-aaaa-bbbb-cccc", "pip-audit (live)"),
    ]
    assert [f.advisory_id for f in combined.open] == ["PYSEC-2099-1"]


def test_pip_audit_output_that_is_not_a_report_is_an_error() -> None:
    with pytest.raises(AuditError, match="no 'dependencies' list"):
        parse_pip_audit({"error": "boom"})


def test_npm_audit_findings_use_the_locked_version() -> None:
    report = {
        "auditReportVersion": 2,
        "vulnerabilities": {
            "engine.io-client": {"name": "engine.io-client", "via": ["ws"]},
            "ws": {
                "name": "ws",
                "via": [
                    {
                        "source": 1098392,
                        "name": "ws",
                        "title": "ws DoS with many headers",
                        "url": "https://github.com/advisories/GHSA-3h5v-q93c-6h6q",
                        "range": ">=8.0.0 <8.17.1",
                    }
                ],
            },
        },
    }
    findings = parse_npm_audit(report, {"ws": "8.17.0"}, "npm audit (web/package-lock.json)")
    assert [(f.package, f.version, f.advisory_id) for f in findings] == [
        ("ws", "8.17.0", "GHSA-3h5v-q93c-6h6q")
    ]


def test_npm_registry_refusal_is_not_audited(tmp_path: Path) -> None:
    lock = tmp_path / "web" / "package-lock.json"
    lock.parent.mkdir()
    lock.write_text(
        json.dumps({"packages": {"": {}, "node_modules/ws": {"version": "8.17.0"}}}),
        encoding="utf-8",
    )
    (tmp_path / "web" / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "web" / "node_modules" / "x" / "package-lock.json").write_text(
        "{}", encoding="utf-8"
    )
    assert audit.find_lockfiles(tmp_path) == [lock]
    refusal = {
        "message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
        "statusCode": 405,
    }
    done = SimpleNamespace(returncode=1, stdout=json.dumps(refusal), stderr="")
    result = audit.npm_audit(lock, tmp_path, npm="npm", run=lambda *a, **k: done)
    assert not result.audited
    assert result.status.startswith("not audited: 405 Method Not Allowed")
    assert result.name == "npm audit web/package-lock.json"


# --- the real files -----------------------------------------------------------------


def test_the_snapshot_names_its_source_and_licence(root: Path) -> None:
    text = (root / "security" / "advisories.yml").read_text(encoding="utf-8")
    assert "https://github.com/pypa/advisory-database" in text
    assert "CC-BY 4.0" in text
    snap = audit.load_snapshot(root / "security" / "advisories.yml")
    assert snap.advisories
    assert all(a.package in snap.searched for a in snap.advisories)


def test_the_real_lock_passes_the_offline_audit(root: Path) -> None:
    out = io.StringIO()
    status = audit.main(["--offline"], out)
    text = out.getvalue()
    assert status == 0, text
    pins = audit.read_constraints(root / "constraints.txt")
    assert f"packages audited (constraints.txt): {len(pins)}\n" in text
    assert "tensorflow 2.12.0: partly checked" in text
    assert "result: PASS" in text
