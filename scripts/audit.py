"""Dependency audit of the lock files: ``make audit``, and part of ``make test``.

Every ``name==version`` pin in ``constraints.txt`` is checked offline against
``security/advisories.yml``, a snapshot transcribed from the PyPA advisory database
(OSV ranges). The audit then tries what the network allows: a live ``pip-audit``
when PyPI's per-version JSON API answers, and ``npm audit`` for every
``package-lock.json`` in the tree. A source that cannot be reached is reported as
"not audited", never as clean.

An advisory that affects a pinned version fails the audit unless
``security/accepted.yml`` accepts it, with a reason, for exactly that version.
Withdrawn advisories are reported and ignored.

    python -m scripts.audit             # full audit, prints the figures
    python -m scripts.audit --offline   # the snapshot only (no network)

Exit status: 0 pass, 1 advisories neither fixed nor accepted, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cmp_to_key
from pathlib import Path
from typing import Any, TextIO

import requests
from packaging.version import InvalidVersion, Version

from bot.datafiles import read_mapping

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"
ADVISORIES = ROOT / "security" / "advisories.yml"
ACCEPTED = ROOT / "security" / "accepted.yml"
PYPI_VERSION_JSON = "https://pypi.org/pypi/{name}/{version}/json"
EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
RANGE_TYPES = ("ECOSYSTEM", "SEMVER")
LOCKFILE_SKIP = frozenset({"node_modules", ".venv", ".git", "var", "models"})
MIN_REASON_CHARS = 20

_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?:\[[A-Za-z0-9._,\s-]*\])?"
    r"\s*==\s*(?P<version>[^\s;#]+)$"
)
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
_NORMALIZED = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_GHSA = re.compile(r"GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}")

SemverKey = tuple[int, int, int, tuple[int, tuple[tuple[int, int, str], ...]]]


class AuditError(ValueError):
    """Bad input: a malformed lock file, snapshot or acceptance file."""


def normalize_name(name: str) -> str:
    """Return the PEP 503 normalised form of a package name (``Flask_WTF`` -> ``flask-wtf``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --- versions and OSV ranges --------------------------------------------------------


def ecosystem_version(text: str, where: str) -> Version:
    """Parse a PyPI (PEP 440) version, the ordering of OSV ``ECOSYSTEM`` ranges for PyPI.

    Raises:
        AuditError: naming ``where`` when the text is no valid PEP 440 version.

    """
    try:
        return Version(text)
    except InvalidVersion as exc:
        raise AuditError(f"{where}: {text!r} is not a valid PEP 440 version") from exc


def semver_key(text: str, where: str) -> SemverKey:
    """Return a sort key with Semantic Versioning 2.0 precedence (OSV ``SEMVER`` ranges).

    Pre-releases sort before their release; numeric identifiers sort numerically and
    before alphanumeric ones; build metadata is ignored.

    Raises:
        AuditError: naming ``where`` when the text is no valid semantic version.

    """
    match = _SEMVER.match(text)
    if not match:
        raise AuditError(f"{where}: {text!r} is not a valid semantic version")
    major, minor, patch, pre = match.groups()
    if pre is None:
        release: tuple[int, tuple[tuple[int, int, str], ...]] = (1, ())
    else:
        parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
        release = (0, parts)
    return (int(major), int(minor), int(patch), release)


def compare_versions(range_type: str, left: str, right: str, where: str) -> int:
    """Compare two versions under a range type's ordering: -1, 0 or 1."""
    if range_type == "ECOSYSTEM":
        a, b = ecosystem_version(left, where), ecosystem_version(right, where)
        return (a > b) - (a < b)
    if range_type == "SEMVER":
        ka, kb = semver_key(left, where), semver_key(right, where)
        return (ka > kb) - (ka < kb)
    raise AuditError(f"{where}: unsupported range type {range_type!r}")


@dataclass(frozen=True)
class Event:
    """One OSV range event: ``introduced``, ``fixed``, ``last_affected`` or ``limit``."""

    kind: str
    version: str


@dataclass(frozen=True)
class VersionRange:
    """An OSV ``ECOSYSTEM`` or ``SEMVER`` range: events on one version line."""

    type: str
    events: tuple[Event, ...]

    def affects(self, version: str, where: str = "range") -> bool:
        """Whether ``version`` lies in the range, by the OSV evaluation rules.

        The events are sorted by version (``introduced: "0"`` first); walking them,
        ``introduced`` at or below the version makes it affected, ``fixed`` at or
        below and ``last_affected`` strictly below make it unaffected again, and a
        ``limit`` at or below excludes it altogether.
        """

        def order(x: Event, y: Event) -> int:
            if x.version == "0" or y.version == "0":
                return (y.version == "0") - (x.version == "0")
            return compare_versions(self.type, x.version, y.version, where)

        compare_versions(self.type, version, version, where)  # the version must parse too
        affected = False
        for event in sorted(self.events, key=cmp_to_key(order)):
            if event.kind == "introduced":
                at_or_after = event.version == "0" or (
                    compare_versions(self.type, version, event.version, where) >= 0
                )
                affected = affected or at_or_after
            elif event.kind == "fixed":
                if compare_versions(self.type, version, event.version, where) >= 0:
                    affected = False
            elif event.kind == "last_affected":
                if compare_versions(self.type, version, event.version, where) > 0:
                    affected = False
            elif compare_versions(self.type, version, event.version, where) >= 0:  # limit
                return False
        return affected


@dataclass(frozen=True)
class Advisory:
    """One advisory of the snapshot, for one package."""

    id: str
    package: str
    aliases: tuple[str, ...]
    summary: str
    modified: str
    ranges: tuple[VersionRange, ...]
    withdrawn: str | None = None

    @property
    def names(self) -> frozenset[str]:
        """The advisory's id and aliases."""
        return frozenset((self.id, *self.aliases))

    def affects(self, version: str) -> bool:
        """Whether a pinned version of the package lies in any of the ranges."""
        return any(r.affects(version, f"{self.id} ({self.package})") for r in self.ranges)


# --- input files ---------------------------------------------------------------------


@dataclass(frozen=True)
class Pin:
    """One ``name==version`` line of the lock file (name normalised)."""

    name: str
    version: str
    line: int


def parse_constraints(text: str, source: str = "constraints.txt") -> tuple[Pin, ...]:
    """Read the pins of a lock file; comments and blank lines are skipped.

    Raises:
        AuditError: naming the line when it is no ``name==version`` pin, the version
            is no valid PEP 440 version or a package is pinned twice.

    """
    pins: list[Pin] = []
    first_line: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _PIN.match(line)
        if not match:
            raise AuditError(f"{source}:{number}: expected 'name==version', got {raw.strip()!r}")
        name, version = normalize_name(match["name"]), match["version"]
        ecosystem_version(version, f"{source}:{number}")
        if name in first_line:
            raise AuditError(
                f"{source}:{number}: {name} is pinned twice (first on line {first_line[name]})"
            )
        first_line[name] = number
        pins.append(Pin(name, version, number))
    return tuple(pins)


def read_constraints(path: Path) -> tuple[Pin, ...]:
    """Read a lock file from disk (see :func:`parse_constraints`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AuditError(f"{path}: cannot read file ({exc.strerror})") from exc
    return parse_constraints(
        text, str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    )


def _text(data: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        raise AuditError(f"{where}: {key!r} must be a non-empty string")
    return value.strip()


def _list(data: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise AuditError(f"{where}: {key!r} must be a list")
    return value


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise AuditError(f"{where}: must be a mapping")
    return value


def _normalized(name: Any, where: str) -> str:
    if not isinstance(name, str) or not _NORMALIZED.match(name):
        shown = normalize_name(name) if isinstance(name, str) else "a string"
        raise AuditError(f"{where}: package {name!r} must be the normalised name ({shown!r})")
    return name


def _package(data: Mapping[str, Any], key: str, where: str) -> str:
    return _normalized(_text(data, key, where), where)


def parse_range(data: Any, where: str) -> VersionRange:
    """Validate one OSV range of the snapshot.

    Raises:
        AuditError: naming ``where`` for an unknown type or event, a missing
            ``introduced`` event, ``"0"`` anywhere but ``introduced``, or a version
            that does not parse under the range type.

    """
    data = _mapping(data, where)
    range_type = _text(data, "type", where)
    if range_type not in RANGE_TYPES:
        raise AuditError(
            f"{where}: range type {range_type!r} is not one of {', '.join(RANGE_TYPES)}"
        )
    events: list[Event] = []
    for i, raw in enumerate(_list(data, "events", where)):
        raw = _mapping(raw, f"{where}: events[{i}]")
        if len(raw) != 1:
            raise AuditError(
                f"{where}: events[{i}] must have exactly one of {', '.join(EVENT_KINDS)}"
            )
        kind, value = next(iter(raw.items()))
        if kind not in EVENT_KINDS:
            raise AuditError(f"{where}: events[{i}]: unknown event {kind!r}")
        if not isinstance(value, str) or not value:
            raise AuditError(f"{where}: events[{i}]: the {kind} version must be a quoted string")
        if value == "0":
            if kind != "introduced":
                raise AuditError(f"{where}: events[{i}]: only 'introduced' may be \"0\"")
        else:
            compare_versions(range_type, value, value, f"{where}: events[{i}]")
        events.append(Event(kind, value))
    if not any(e.kind == "introduced" for e in events):
        raise AuditError(f"{where}: a range needs at least one 'introduced' event")
    return VersionRange(range_type, tuple(events))


@dataclass(frozen=True)
class Snapshot:
    """The advisory snapshot: where it came from, what it covers and its advisories."""

    source: str
    transcribed: str
    newest_record: str
    searched: frozenset[str]
    partial: Mapping[str, str]
    advisories: tuple[Advisory, ...]

    def for_package(self, name: str) -> tuple[Advisory, ...]:
        """Return the advisories recorded for one (normalised) package."""
        return tuple(a for a in self.advisories if a.package == name)

    def by_id(self, advisory_id: str, package: str) -> Advisory | None:
        """Return the package's advisory with this id or alias, if the snapshot holds it."""
        return next((a for a in self.for_package(package) if advisory_id in a.names), None)


def parse_snapshot(data: Mapping[str, Any], source: str) -> Snapshot:
    """Validate the snapshot file's content.

    Raises:
        AuditError: naming the file and the advisory for any malformed entry.

    """
    meta = _mapping(data.get("snapshot"), f"{source}: snapshot")
    where = f"{source}: snapshot"
    searched = frozenset(
        _normalized(p, f"{where}: searched") for p in _list(meta, "searched", where)
    )
    partial_raw = _mapping(meta.get("partial") or {}, f"{where}: partial")
    partial = {_normalized(k, f"{where}: partial"): str(v).strip() for k, v in partial_raw.items()}
    advisories: list[Advisory] = []
    seen: set[tuple[str, str]] = set()
    for i, raw in enumerate(_list(data, "advisories", source)):
        item = _mapping(raw, f"{source}: advisories[{i}]")
        where = f"{source}: advisories[{i}] ({item.get('id', 'no id')})"
        advisory_id = _text(item, "id", where)
        package = _package(item, "package", where)
        if (advisory_id, package) in seen:
            raise AuditError(f"{where}: {advisory_id} is listed twice for {package}")
        seen.add((advisory_id, package))
        aliases = tuple(str(a) for a in _list(item, "aliases", where))
        ranges = tuple(
            parse_range(r, f"{where}: ranges[{j}]")
            for j, r in enumerate(_list(item, "ranges", where))
        )
        if not ranges:
            raise AuditError(f"{where}: 'ranges' must be a non-empty list")
        withdrawn = _text(item, "withdrawn", where, required=False) or None
        advisories.append(
            Advisory(
                advisory_id,
                package,
                aliases,
                _text(item, "summary", where),
                _text(item, "modified", where),
                ranges,
                withdrawn,
            )
        )
    return Snapshot(
        source=_text(meta, "source", f"{source}: snapshot"),
        transcribed=_text(meta, "transcribed", f"{source}: snapshot"),
        newest_record=_text(meta, "newest_record_modified", f"{source}: snapshot"),
        searched=searched,
        partial=partial,
        advisories=tuple(advisories),
    )


def load_snapshot(path: Path) -> Snapshot:
    """Read and validate ``security/advisories.yml``."""
    return parse_snapshot(read_mapping(path, AuditError), str(path.name))


@dataclass(frozen=True)
class Acceptance:
    """An advisory accepted for exactly one pinned version, with the reason."""

    id: str
    package: str
    version: str
    reason: str
    reviewed: str


@dataclass(frozen=True)
class Raise:
    """A pin raised because of an advisory: the record the audit verifies."""

    id: str
    package: str
    from_version: str
    to_version: str


@dataclass(frozen=True)
class Decisions:
    """The contents of ``security/accepted.yml``."""

    accepted: tuple[Acceptance, ...] = ()
    raised: tuple[Raise, ...] = ()


def parse_decisions(data: Mapping[str, Any], source: str) -> Decisions:
    """Validate the acceptance file.

    Raises:
        AuditError: naming the entry when a field is missing, a reason is too short
            to be one, or a version is not a valid PEP 440 version.

    """
    accepted: list[Acceptance] = []
    for i, raw in enumerate(_list(data, "accepted", source)):
        where = f"{source}: accepted[{i}]"
        item = _mapping(raw, where)
        package = _package(item, "package", where)
        version = _text(item, "version", where)
        ecosystem_version(version, where)
        reason = " ".join(_text(item, "reason", where).split())
        if len(reason) < MIN_REASON_CHARS:
            raise AuditError(
                f"{where}: the reason must say why it is accepted ({reason!r} is too short)"
            )
        accepted.append(
            Acceptance(
                _text(item, "id", where), package, version, reason, _text(item, "reviewed", where)
            )
        )
    raised: list[Raise] = []
    for i, raw in enumerate(_list(data, "raised", source)):
        where = f"{source}: raised[{i}]"
        item = _mapping(raw, where)
        old, new = _text(item, "from", where), _text(item, "to", where)
        ecosystem_version(old, where)
        ecosystem_version(new, where)
        raised.append(Raise(_text(item, "id", where), _package(item, "package", where), old, new))
    return Decisions(tuple(accepted), tuple(raised))


def load_decisions(path: Path) -> Decisions:
    """Read and validate ``security/accepted.yml`` (a missing file accepts nothing)."""
    if not path.exists():
        return Decisions()
    return parse_decisions(read_mapping(path, AuditError), str(path.name))


# --- the audit -----------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """An advisory that affects a pinned version, and its acceptance if any."""

    package: str
    version: str
    advisory_id: str
    aliases: tuple[str, ...]
    summary: str
    source: str
    acceptance: Acceptance | None = None

    @property
    def names(self) -> frozenset[str]:
        """The finding's advisory id and aliases."""
        return frozenset((self.advisory_id, *self.aliases))


@dataclass
class Audit:
    """The outcome of auditing the pins: findings, ignored records and coverage."""

    pins: tuple[Pin, ...]
    considered: int = 0
    findings: list[Finding] = field(default_factory=list)
    withdrawn: list[tuple[Pin, Advisory]] = field(default_factory=list)
    raised: list[Raise] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    stale: list[Acceptance] = field(default_factory=list)

    @property
    def accepted(self) -> list[Finding]:
        """Findings accepted for the pinned version."""
        return [f for f in self.findings if f.acceptance is not None]

    @property
    def open(self) -> list[Finding]:
        """Findings neither fixed nor accepted: these fail the audit."""
        return [f for f in self.findings if f.acceptance is None]

    @property
    def passed(self) -> bool:
        """Whether every advisory affecting a pin is accepted."""
        return not self.open


def _same_version(left: str, right: str) -> bool:
    try:
        return Version(left) == Version(right)
    except InvalidVersion:
        return left == right


def find_acceptance(
    decisions: Decisions, package: str, version: str, names: Iterable[str]
) -> Acceptance | None:
    """Return the acceptance of an advisory (by id or alias) for exactly this version."""
    wanted = set(names)
    for acceptance in decisions.accepted:
        if (
            acceptance.package == package
            and acceptance.id in wanted
            and _same_version(acceptance.version, version)
        ):
            return acceptance
    return None


def evaluate(pins: Sequence[Pin], snapshot: Snapshot, decisions: Decisions) -> Audit:
    """Check every pin against the snapshot and the decisions.

    Raises:
        AuditError: for a ``raised`` record that names an unknown advisory or one
            that never affected the version it claims to have raised the pin from.

    """
    audit = Audit(tuple(pins))
    for pin in pins:
        if pin.name not in snapshot.searched:
            audit.unchecked.append(
                f"{pin.name} {pin.version}: not in the snapshot "
                "(pinned after it was taken; refresh it)"
            )
        elif pin.name in snapshot.partial:
            audit.unchecked.append(
                f"{pin.name} {pin.version}: partly checked - {snapshot.partial[pin.name]}"
            )
        for advisory in snapshot.for_package(pin.name):
            audit.considered += 1
            if not advisory.affects(pin.version):
                continue
            if advisory.withdrawn:
                audit.withdrawn.append((pin, advisory))
                continue
            audit.findings.append(
                Finding(
                    pin.name,
                    pin.version,
                    advisory.id,
                    advisory.aliases,
                    advisory.summary,
                    "snapshot",
                    find_acceptance(decisions, pin.name, pin.version, advisory.names),
                )
            )
    current = {pin.name: pin.version for pin in pins}
    for record in decisions.raised:
        known = snapshot.by_id(record.id, record.package)
        where = f"accepted.yml: raised {record.id} ({record.package})"
        if known is None:
            raise AuditError(f"{where}: the snapshot has no such advisory for {record.package}")
        if not known.affects(record.from_version):
            raise AuditError(
                f"{where}: the advisory does not affect {record.from_version}, "
                "so no raise was needed"
            )
        if record.package in current and not known.affects(current[record.package]):
            audit.raised.append(record)
    return audit


def add_findings(audit: Audit, found: Iterable[Finding], decisions: Decisions) -> None:
    """Merge findings of a live source, skipping advisories the snapshot already reported."""
    for finding in found:
        if any(f.package == finding.package and f.names & finding.names for f in audit.findings):
            continue
        acceptance = find_acceptance(decisions, finding.package, finding.version, finding.names)
        audit.findings.append(
            Finding(
                finding.package,
                finding.version,
                finding.advisory_id,
                finding.aliases,
                finding.summary,
                finding.source,
                acceptance,
            )
        )


def mark_stale(audit: Audit, decisions: Decisions) -> None:
    """Record acceptances that no longer match any finding (pin changed or advisory gone)."""
    used = {f.acceptance for f in audit.findings if f.acceptance is not None}
    audit.stale = [a for a in decisions.accepted if a not in used]


# --- live sources --------------------------------------------------------------------


@dataclass
class LiveResult:
    """What a live source did: a one-line status and its findings."""

    name: str
    status: str
    audited: bool = False
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def parse_pip_audit(data: Any) -> tuple[list[Finding], list[str]]:
    """Read ``pip-audit -f json`` output: findings and the packages it skipped.

    Raises:
        AuditError: when the output is not pip-audit's JSON report.

    """
    if not isinstance(data, Mapping) or not isinstance(data.get("dependencies"), list):
        raise AuditError("pip-audit output has no 'dependencies' list")
    findings: list[Finding] = []
    skipped: list[str] = []
    for dep in data["dependencies"]:
        if not isinstance(dep, Mapping):
            raise AuditError("pip-audit output: a dependency entry is not a mapping")
        name, version = normalize_name(str(dep.get("name", "?"))), str(dep.get("version", ""))
        if dep.get("skip_reason"):
            skipped.append(f"{name}: {dep['skip_reason']}")
        for vuln in dep.get("vulns") or []:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "none"
            description = " ".join(str(vuln.get("description") or "").split())[:120]
            findings.append(
                Finding(
                    name,
                    version,
                    str(vuln["id"]),
                    tuple(str(a) for a in vuln.get("aliases") or []),
                    f"{description} (fixed in: {fixes})",
                    "pip-audit (live)",
                )
            )
    return findings, skipped


def live_pip_audit(
    pins: Sequence[Pin],
    constraints: Path,
    pip_audit: str | None,
    *,
    timeout: float = 5.0,
    fetch: Callable[..., Any] = requests.get,
    run: Callable[..., Any] = subprocess.run,
) -> LiveResult:
    """Run ``pip-audit`` over the lock when PyPI's per-version JSON API answers."""
    result = LiveResult("live pip-audit", "not run")
    if not pins:
        result.status = "not run: the lock file is empty"
        return result
    url = PYPI_VERSION_JSON.format(name=pins[0].name, version=pins[0].version)
    try:
        status = fetch(url, timeout=timeout).status_code
    except requests.RequestException as exc:
        result.status = f"not run: {url} unreachable ({type(exc).__name__})"
        return result
    if status != 200:
        result.status = (
            f"not run: {url} answered {status}; pip-audit's PyPI service needs that API, "
            "so it would report every package as 'not found on PyPI'"
        )
        return result
    exe = pip_audit or shutil.which("pip-audit")
    if not exe:
        result.status = (
            "not run: pip-audit not found (install it in its own venv; pass --pip-audit PATH)"
        )
        return result
    command = [
        exe,
        "-r",
        str(constraints),
        "--no-deps",
        "--disable-pip",
        "--progress-spinner",
        "off",
        "-f",
        "json",
    ]
    try:
        done = run(command, capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        result.status = f"not run: {exc}"
        return result
    try:
        result.findings, result.skipped = parse_pip_audit(json.loads(done.stdout or "null"))
    except (json.JSONDecodeError, AuditError, KeyError) as exc:
        tail = (done.stderr or "").strip().splitlines()[-1:] or [""]
        result.status = f"failed (exit {done.returncode}): {exc} {tail[0]}".strip()
        return result
    result.audited = True
    result.status = (
        f"ran: {len(pins) - len(result.skipped)} packages audited, "
        f"{len(result.findings)} advisories, {len(result.skipped)} skipped"
    )
    return result


def find_lockfiles(root: Path) -> list[Path]:
    """Every ``package-lock.json`` under ``root`` outside dependency and state folders."""
    found = []
    for path in sorted(root.rglob("package-lock.json")):
        if not LOCKFILE_SKIP.intersection(path.relative_to(root).parts[:-1]):
            found.append(path)
    return found


def _lock_versions(lockfile: Path) -> dict[str, str]:
    try:
        data = json.loads(lockfile.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AuditError(f"{lockfile}: cannot read the lock file ({exc})") from exc
    packages = data.get("packages") if isinstance(data, Mapping) else None
    versions: dict[str, str] = {}
    for key, value in (packages or {}).items():
        if key.startswith("node_modules/") and isinstance(value, Mapping) and "version" in value:
            versions.setdefault(key.rsplit("node_modules/", 1)[1], str(value["version"]))
    return versions


def parse_npm_audit(data: Any, versions: Mapping[str, str], source: str) -> list[Finding]:
    """Read ``npm audit --json`` output (npm 7 and later) into findings.

    Raises:
        AuditError: with npm's own message when the output is an error report (for
            example the registry refused the audit request).

    """
    if not isinstance(data, Mapping):
        raise AuditError("npm audit printed no JSON report")
    if "vulnerabilities" not in data:
        error = data.get("error")
        summary = error.get("summary") if isinstance(error, Mapping) else None
        raise AuditError(str(data.get("message") or summary or "npm audit reported an error"))
    findings = []
    for name, entry in (data.get("vulnerabilities") or {}).items():
        for via in entry.get("via", []) if isinstance(entry, Mapping) else []:
            if not isinstance(via, Mapping) or via.get("name", name) != name:
                continue  # a string names another vulnerable package this one depends on
            ghsa = _GHSA.search(str(via.get("url", "")))
            advisory_id = ghsa.group(0) if ghsa else f"npm-{via.get('source', '?')}"
            findings.append(
                Finding(
                    name,
                    versions.get(name, "?"),
                    advisory_id,
                    (),
                    f"{via.get('title', '')} (affected: {via.get('range', '?')})",
                    source,
                )
            )
    return findings


def npm_audit(
    lockfile: Path, root: Path, npm: str | None = None, run: Callable[..., Any] = subprocess.run
) -> LiveResult:
    """Run ``npm audit --package-lock-only --json`` next to one lock file."""
    shown = str(lockfile.relative_to(root)) if lockfile.is_relative_to(root) else str(lockfile)
    result = LiveResult(f"npm audit {shown}", "not audited")
    exe = npm or shutil.which("npm")
    if not exe:
        result.status = "not audited: npm not found"
        return result
    versions = _lock_versions(lockfile)
    try:
        done = run(
            [exe, "audit", "--package-lock-only", "--json"],
            cwd=lockfile.parent,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        result.findings = parse_npm_audit(
            json.loads(done.stdout or "null"), versions, f"npm audit ({shown})"
        )
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError, AuditError) as exc:
        result.status = f"not audited: {exc}"
        return result
    result.audited = True
    result.status = f"audited: {len(versions)} packages, {len(result.findings)} advisories"
    return result


# --- report --------------------------------------------------------------------------


def print_report(audit: Audit, snapshot: Snapshot, live: Sequence[LiveResult], out: TextIO) -> None:
    """Print the figures: packages, advisories affecting pins, fixed, accepted, unchecked."""
    write = out.write
    write(
        f"Dependency audit - snapshot of the PyPA advisory database ({snapshot.source}), "
        f"newest record modified {snapshot.newest_record}, transcribed {snapshot.transcribed}\n"
    )
    write(f"packages audited (constraints.txt): {len(audit.pins)}\n")
    write(f"advisories in the snapshot for these packages: {audit.considered}\n")
    write(
        f"advisories affecting pinned versions: {len(audit.findings)} "
        f"(accepted {len(audit.accepted)}, open {len(audit.open)})\n"
    )
    write(f"pins raised because of an advisory (verified): {len(audit.raised)}\n")
    for record in audit.raised:
        write(
            f"  fixed    {record.package} {record.from_version} -> {record.to_version}: "
            f"{record.id}\n"
        )
    for finding in audit.accepted:
        assert finding.acceptance is not None
        write(
            f"  accepted {finding.package} {finding.version} {finding.advisory_id}: "
            f"{finding.acceptance.reason}\n"
        )
    for finding in audit.open:
        names = ", ".join(sorted(finding.names))
        write(
            f"  OPEN     {finding.package} {finding.version} {names} [{finding.source}]: "
            f"{finding.summary}\n"
        )
    write(f"withdrawn advisories matching a pin (ignored): {len(audit.withdrawn)}\n")
    for pin, advisory in audit.withdrawn:
        write(f"  {pin.name} {pin.version}: {advisory.id} (withdrawn {advisory.withdrawn})\n")
    for acceptance in audit.stale:
        write(
            f"note: acceptance of {acceptance.id} for {acceptance.package} {acceptance.version} "
            "matches nothing any more; remove it from security/accepted.yml\n"
        )
    write("could not be checked:\n")
    write(f"  advisories published after the snapshot ({snapshot.newest_record}) for any package\n")
    for line in audit.unchecked:
        write(f"  {line}\n")
    for result in live:
        if not result.audited:
            write(f"  {result.name}: {result.status}\n")
        for line in result.skipped:
            write(f"  {result.name} skipped {line}\n")
    for result in live:
        if result.audited:
            write(f"{result.name}: {result.status}\n")
    verdict = (
        "PASS" if audit.passed else f"FAIL: {len(audit.open)} advisories neither fixed nor accepted"
    )
    write(f"result: {verdict}\n")


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    """Run the audit and print the figures; the exit status says pass, fail or bad input."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--constraints", type=Path, default=CONSTRAINTS, help="the Python lock file"
    )
    parser.add_argument("--advisories", type=Path, default=ADVISORIES, help="the advisory snapshot")
    parser.add_argument(
        "--accepted", type=Path, default=ACCEPTED, help="accepted advisories and raised pins"
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="where to look for package-lock.json files"
    )
    parser.add_argument(
        "--offline", action="store_true", help="the snapshot only: no pip-audit, no npm audit"
    )
    parser.add_argument("--pip-audit", default=None, help="pip-audit executable (default: on PATH)")
    args = parser.parse_args(argv)
    try:
        pins = read_constraints(args.constraints)
        snapshot = load_snapshot(args.advisories)
        decisions = load_decisions(args.accepted)
        audit = evaluate(pins, snapshot, decisions)
        live: list[LiveResult] = []
        if args.offline:
            live.append(LiveResult("live pip-audit and npm audit", "not run (--offline)"))
        else:
            live.append(live_pip_audit(pins, args.constraints, args.pip_audit))
            lockfiles = find_lockfiles(args.root)
            live.extend(npm_audit(lock, args.root) for lock in lockfiles)
            if not lockfiles:
                live.append(
                    LiveResult("npm audit", "nothing to audit: no package-lock.json in the tree")
                )
        for result in live:
            add_findings(audit, result.findings, decisions)
        mark_stale(audit, decisions)
    except AuditError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 2
    print_report(audit, snapshot, live, out)
    return 0 if audit.passed else 1


if __name__ == "__main__":
    sys.exit(main())
