"""CISA KEV catalogue (JSON and CSV) -> advisories. Golden: tests/fixtures/kev/golden."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

import golden
import pytest
from mutations import with_wrong_types

from advisories.errors import ParseError
from advisories.models import Advisory, AffectedProduct
from advisories.sources import SOURCES
from advisories.sources.kev import KevSource

FIXTURES = Path(__file__).parent / "fixtures" / "kev"
JSON_FILE = FIXTURES / "known_exploited_vulnerabilities.excerpt.json"
CSV_FILE = FIXTURES / "known_exploited_vulnerabilities.excerpt.csv"


def parse(body: bytes, feed: str = "cisa-kev") -> list[Advisory]:
    return KevSource().parse(body, feed=feed, url="https://www.cisa.gov/kev.json")


def check_golden(name: str, advisories: list[Advisory]) -> None:
    golden.check_golden(FIXTURES / "golden" / f"{name}.json", advisories)


def test_json_excerpt_matches_its_golden_file() -> None:
    check_golden("known_exploited_vulnerabilities.excerpt", parse(JSON_FILE.read_bytes()))


def test_every_entry_becomes_an_exploited_advisory_without_versions() -> None:
    advisories = parse(JSON_FILE.read_bytes())
    catalogue = json.loads(JSON_FILE.read_bytes())["vulnerabilities"]
    assert [a.id for a in advisories] == [f"kev:{e['cveID']}" for e in catalogue]
    for a in advisories:
        assert a.exploited and a.severity is None and a.kind == "kev" and a.source == "cisa-kev"
        [statement] = a.affects
        assert not (statement.versions or statement.ranges or statement.all_versions)
        assert all(link.startswith(("http://", "https://")) for link in a.links)


def test_log4shell_entry_in_detail() -> None:
    by_id = {a.id: a for a in parse(JSON_FILE.read_bytes())}
    a = by_id["kev:CVE-2021-44228"]
    assert a.cves == ("CVE-2021-44228",)
    assert a.affects == (AffectedProduct(vendor="Apache", product="Log4j2"),)
    assert a.published == datetime(2021, 12, 10, tzinfo=UTC)
    assert a.action is not None and a.action.endswith("CISA due date: 2021-12-24")
    assert a.kev_added == date(2021, 12, 10) and a.due_date == date(2021, 12, 24) and a.ransomware == "Known"
    assert a.required_action == "For all affected software assets for which updates exist, the only acceptable " \
        "remediation actions are: 1) Apply updates; OR 2) remove affected assets from agency networks. " \
        "Temporary mitigations using one of the measures provided at " \
        "hxxps://www[.]cisa[.]gov/uscert/ed-22-02-apache-log4j-recommended-mitigation-measures are only " \
        "acceptable until updates are available."
    assert "Known ransomware use: Known" in a.summary
    assert a.title == "Apache Log4j2 Remote Code Execution Vulnerability"


def test_notes_are_split_into_links() -> None:
    [git] = [a for a in parse(JSON_FILE.read_bytes()) if a.id == "kev:CVE-2025-48384"]
    assert git.links[0] == "https://github.com/git/git/security/advisories/GHSA-vwqx-4fm8-6qc9"
    assert git.links[-1] == "https://nvd.nist.gov/vuln/detail/CVE-2025-48384"
    assert len(git.links) == 6 and git.url == git.links[0]


def test_csv_variant_gives_the_same_advisories_as_json() -> None:
    from_csv = parse(CSV_FILE.read_bytes())
    from_json = {a.id: a for a in parse(JSON_FILE.read_bytes())}
    assert len(from_csv) == 10
    shared = [a for a in from_csv if a.id in from_json]
    assert len(shared) >= 8
    for a in shared:
        assert a == from_json[a.id]


def test_the_source_registers_itself() -> None:
    assert isinstance(SOURCES["kev"], KevSource)


def test_missing_vulnerabilities_key_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"cisa-kev.*'vulnerabilities'"):
        parse(b'{"title": "CISA Catalog", "count": 0}')
    with pytest.raises(ParseError, match="not valid JSON or CSV"):
        parse(b"<!doctype html><p>Access Denied</p>")


def test_an_entry_without_cve_is_skipped_and_the_rest_kept() -> None:
    data = json.loads(JSON_FILE.read_bytes())
    del data["vulnerabilities"][0]["cveID"]
    data["vulnerabilities"][1]["cveID"] = "not a cve"
    advisories = parse(json.dumps(data).encode())
    assert len(advisories) == len(data["vulnerabilities"]) - 2
    assert advisories[0].id == f"kev:{data['vulnerabilities'][2]['cveID']}"


def test_any_value_of_the_wrong_type_gives_advisories_or_a_parse_error() -> None:
    original = json.loads(JSON_FILE.read_bytes())
    original["vulnerabilities"] = original["vulnerabilities"][:2]
    for doc in with_wrong_types(original):
        with contextlib.suppress(ParseError):
            parse(json.dumps(doc).encode())


def test_kev_statements_are_unknown_to_the_version_matcher() -> None:
    from advisories.versions import compile_statement

    statement = parse(JSON_FILE.read_bytes())[0].affects[0]
    assert compile_statement(statement).status("2.45.0").status.value == "unknown"
