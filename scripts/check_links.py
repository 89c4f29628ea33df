"""Check every link of the catalogue and the content registry online (``make check-links``).

Collects the ``url`` of every entry in ``catalogue/catalogue.yml`` and every ``url``
source in ``content/sources.yml``, and asks each once (HEAD, then GET when a server
refuses HEAD) with a short timeout. Prints one line per link: ``ok``, ``BROKEN`` (an
HTTP error such as 404 or 410, a server error, or a host that does not exist while
the network works), or ``unclear`` (the server answers, but refuses robots: 401, 403,
429). When no link can be reached at all, it says so plainly and checks nothing: that
is "could not check", never "all fine".

Exit status: 0 when no link is broken (also when there is no network, unless
``--require-network``), 1 when a link is broken, 2 without network with
``--require-network``. The offline rules (https only, no evaluation report, no
platformjep.nl, no English or regional pages) are tests: ``tests/unit/test_content.py``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "catalogue" / "catalogue.yml"
REGISTRY = ROOT / "content" / "sources.yml"
USER_AGENT = "Advieslijn-linkcheck/1.0 (+make check-links)"
UNCLEAR = frozenset({401, 403, 429})


@dataclass(frozen=True)
class Link:
    """A URL and the places that name it."""

    url: str
    where: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    """What one link answered."""

    link: Link
    verdict: str  # "ok", "broken", "unclear" or "unreachable"
    detail: str


def _yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise SystemExit(f"{path}: not a YAML mapping")
    return data


def _registry_urls(registry: dict[str, Any]) -> Iterable[tuple[str, str]]:
    for section in ("responses", "catalogue"):
        for name, entry in (registry.get(section) or {}).items():
            for source in (entry or {}).get("sources") or []:
                if isinstance(source, dict) and isinstance(source.get("url"), str):
                    yield source["url"], f"{section}.{name}"


def collect_links(catalogue: Path = CATALOGUE, registry: Path = REGISTRY) -> list[Link]:
    """Return every distinct URL of the catalogue and the registry, in file order."""
    places: dict[str, list[str]] = {}
    for resource in _yaml(catalogue).get("resources") or []:
        if isinstance(resource, dict) and isinstance(resource.get("url"), str):
            places.setdefault(resource["url"], []).append(f"catalogue.{resource.get('id')}")
    if registry.exists():
        for url, where in _registry_urls(_yaml(registry)):
            places.setdefault(url, []).append(f"registry {where}")
    return [Link(url, tuple(where)) for url, where in places.items()]


def check(link: Link, session: requests.Session, timeout: float) -> Result:
    """Ask one link; never raises."""
    try:
        response = session.head(link.url, timeout=timeout, allow_redirects=True)
        if response.status_code in {405, 501} or response.status_code in UNCLEAR:
            response = session.get(link.url, timeout=timeout, allow_redirects=True, stream=True)
            response.close()
    except (requests.ConnectionError, requests.Timeout) as error:
        return Result(link, "unreachable", type(error).__name__)
    except requests.RequestException as error:
        return Result(link, "broken", f"{type(error).__name__}: {error}")
    status = response.status_code
    moved = f" -> {response.url}" if response.url.rstrip("/") != link.url.rstrip("/") else ""
    if status < 400:
        return Result(link, "ok", f"{status}{moved}")
    if status in UNCLEAR:
        return Result(link, "unclear", f"{status} (the server refuses automated checks)")
    return Result(link, "broken", f"{status}{moved}")


# When the first links of this many different hosts cannot be reached at all, there is
# no network: stop instead of waiting for every time-out.
PROBE_HOSTS = 3


def run(links: Sequence[Link], timeout: float) -> list[Result]:
    """Check the links one by one (a handful of sites, no need for threads).

    Returns only unreachable results when the network seems to be missing.
    """
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    results: list[Result] = []
    hosts: set[str] = set()
    for link in links:
        result = check(link, session, timeout)
        results.append(result)
        if result.verdict != "unreachable":
            continue
        hosts.add(urlsplit(link.url).hostname or link.url)
        if len(hosts) >= PROBE_HOSTS and all(r.verdict == "unreachable" for r in results):
            break
    return results


def report(results: Sequence[Result], require_network: bool) -> int:
    """Print the results and return the exit status."""
    if results and all(r.verdict == "unreachable" for r in results):
        print(
            f"COULD NOT CHECK: the first {len(results)} links could not be reached at all"
            " (no network here?). Nothing was checked; run `make check-links` where"
            " there is internet."
        )
        return 2 if require_network else 0
    for result in results:
        verdict = "BROKEN" if result.verdict in {"broken", "unreachable"} else result.verdict
        where = ", ".join(result.link.where)
        print(f"{verdict:<8} {result.link.url}  [{result.detail}]  ({where})")
    broken = [r for r in results if r.verdict in {"broken", "unreachable"}]
    unclear = [r for r in results if r.verdict == "unclear"]
    print(
        f"{len(results)} links: {len(results) - len(broken) - len(unclear)} ok,"
        f" {len(unclear)} unclear (check by hand), {len(broken)} broken"
    )
    if not broken:
        print("After a clean run, set url_checked_online / checked_online in content/sources.yml.")
    return 1 if broken else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per request (5)")
    parser.add_argument(
        "--require-network",
        action="store_true",
        help="exit 2 instead of 0 when no link can be reached at all",
    )
    args = parser.parse_args(argv)
    links = collect_links()
    print(f"Checking {len(links)} links from {CATALOGUE.name} and {REGISTRY.name} ...")
    return report(run(links, args.timeout), args.require_network)


if __name__ == "__main__":
    sys.exit(main())
