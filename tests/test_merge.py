"""One CVE, one advisory: vendor statements win, nothing wider is hidden, KEV enriches."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from advisories.merge import merge_by_cve
from advisories.models import Advisory, AffectedProduct

NOW = datetime(2023, 4, 3, tzinfo=UTC)
WIN = AffectedProduct("3CX", "3CX Desktop App", "windows", versions=("18.12.407", "18.12.416"))
MAC = AffectedProduct("3CX", "3CX Desktop App", "macos",
                      versions=("18.11.1213", "18.12.402", "18.12.407", "18.12.416"))
NVD_WIN = AffectedProduct("3cx", "3cx", "windows", versions=("18.12.416",), cpe="cpe:2.3:a:3cx:3cx")


# Strongest first (the resolution order); "news" is an NCSC feed item with versions read from its text.
KINDS = ("rule", "cve", "cve-adp", "nvd", "news")


def adv(id: str, kind: str, *affects: AffectedProduct, **kw: object) -> Advisory:
    return Advisory(id=id, source=kind, title=id, kind=kind, cves=("CVE-2023-29059",),
                    affects=affects, **kw)  # type: ignore[arg-type]


def test_a_rule_and_nvd_for_one_cve_become_one_advisory_with_the_rules_versions() -> None:
    rule = adv("rule-3cx", "rule", WIN, MAC, severity="critical")
    nvd = adv("nvd:CVE-2023-29059", "nvd", NVD_WIN, severity="high", links=("https://nvd",))
    [merged] = merge_by_cve([nvd, rule], now=NOW)
    assert merged.id == "rule-3cx"
    assert merged.affects == (WIN, MAC)  # the narrower NVD list does not hide the vendor's
    assert merged.severity == "critical"
    assert merged.sources == ("rule-3cx", "nvd:CVE-2023-29059")
    assert "https://nvd" in merged.links
    assert any("nvd:CVE-2023-29059 says" in note for note in merged.notes)


def test_nvd_versions_are_used_when_no_vendor_source_gives_any() -> None:
    csaf_no_versions = adv("csaf:x", "csaf", AffectedProduct("3CX", "3CX Desktop App"))
    nvd = adv("nvd:CVE-2023-29059", "nvd", NVD_WIN)
    [merged] = merge_by_cve([csaf_no_versions, nvd], now=NOW)
    assert merged.affects == (NVD_WIN,)
    assert merged.notes == ()


def test_two_vendor_level_sources_are_a_union() -> None:
    rule = adv("rule-3cx", "rule", WIN)
    csaf = adv("csaf:3cx", "csaf", MAC)
    [merged] = merge_by_cve([rule, csaf], now=NOW)
    assert set(merged.affects) == {WIN, MAC}


def test_kev_marks_the_merged_advisory_exploited_with_due_date_and_ransomware() -> None:
    rule = adv("rule-3cx", "rule", WIN, exploited=False)
    kev = adv("kev:CVE-2023-29059", "kev", AffectedProduct("3CX", "Desktop App"), exploited=True,
              due_date=date(2023, 4, 20), ransomware="Known", published=NOW)
    [merged] = merge_by_cve([rule, kev], now=NOW)
    assert merged.exploited and merged.affects == (WIN,)
    assert merged.due_date == date(2023, 4, 20) and merged.ransomware == "Known"


def test_a_lone_kev_entry_is_a_review_advisory_only_while_recent() -> None:
    kev = adv("kev:CVE-2023-29059", "kev", AffectedProduct("3CX", "Desktop App"),
              exploited=True, published=NOW - timedelta(days=3))
    assert merge_by_cve([kev], now=NOW) == [kev]
    assert merge_by_cve([kev], now=NOW + timedelta(days=60)) == []


def test_unrelated_advisories_pass_through_untouched() -> None:
    rss = Advisory(id="ncsc:1", source="ncsc", title="t", cves=("CVE-2023-1",), kind="news")
    other = Advisory(id="rule-x", source="rules", title="x", kind="rule", cves=("CVE-2021-1",),
                     affects=(WIN,))
    rule = adv("rule-3cx", "rule", WIN)
    merged = {a.id: a for a in merge_by_cve([rss, other, rule], now=NOW)}
    assert {i: a.affects for i, a in merged.items()} == {a.id: a.affects for a in (rss, other, rule)}
    assert {i: a.versions_from for i, a in merged.items()} == {
        "ncsc:1": "", "rule-x": "the LGA team's curated rule", "rule-3cx": "the LGA team's curated rule"}


def test_an_ncsc_item_naming_the_cve_keeps_its_words_and_takes_the_records_versions() -> None:
    ncsc = Advisory(id="ncsc:3cx", source="ncsc-news", title="NCSC statement on 3CX", kind="news",
                    summary="The NCSC is aware of ...", url="https://www.ncsc.gov.uk/news/3cx",
                    cves=("CVE-2023-29059",))
    record = adv("cve:CVE-2023-29059", "cve", WIN, versions_from="3CX's CVE record",
                 action="Uninstall the desktop app")
    [merged] = merge_by_cve([record, ncsc], now=NOW)
    assert (merged.id, merged.title, merged.url) == ("ncsc:3cx", "NCSC statement on 3CX",
                                                     "https://www.ncsc.gov.uk/news/3cx")
    assert merged.affects == (WIN,) and merged.versions_from == "3CX's CVE record"
    assert merged.action == "Uninstall the desktop app"


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(KINDS)))))
def test_the_strongest_source_with_versions_decides_whatever_the_order(order: tuple[int, ...]) -> None:
    stmt = {kind: replace(WIN, versions=(f"18.12.{i}",), from_text=kind == "news")
            for i, kind in enumerate(KINDS)}
    made = [adv(f"{k}:x", k, stmt[k]) for k in KINDS]
    for weakest_left_out in range(len(KINDS)):  # drop the strongest sources one by one
        present = [made[i] for i in order if i >= weakest_left_out]
        [merged] = merge_by_cve(present, now=NOW)
        assert merged.affects == (stmt[KINDS[weakest_left_out]],)
        assert merged.versions_from


def test_a_weaker_source_that_disagrees_is_a_note_never_a_statement() -> None:
    record = adv("cve:CVE-2023-29059", "cve", WIN)
    nvd = adv("nvd:CVE-2023-29059", "nvd", MAC)
    [merged] = merge_by_cve([nvd, record], now=NOW)
    assert merged.affects == (WIN,)
    assert any(n.startswith("nvd:CVE-2023-29059 says") for n in merged.notes)


def test_a_rejected_record_withdraws_what_the_cve_said_and_no_group_forms_through_it() -> None:
    record = adv("cve:CVE-2023-29059", "cve", WIN)
    adp = adv("cve-adp:CVE-2023-29059", "cve-adp", MAC)
    ncsc = Advisory(id="ncsc:3cx", source="n", title="t", kind="news", cves=("CVE-2023-29059",))
    assert len(merge_by_cve([record, adp, ncsc], now=NOW)) == 1
    rejected = replace(record, affects=(), withdrawn=True)
    assert merge_by_cve([rejected, adp, ncsc], now=NOW) == [replace(ncsc, cves=())]


def test_versions_read_from_prose_give_way_to_structured_ones_but_stay_visible() -> None:
    from dataclasses import replace

    prose_stmt = replace(WIN, versions=("18.12.407",), from_text=True, confidence=0.9)
    prose = Advisory(id="ncsc:3cx", source="ncsc", title="t", kind="news",
                     cves=("CVE-2023-29059",), affects=(prose_stmt,))
    rule = adv("rule-3cx", "rule", WIN)
    [merged] = merge_by_cve([prose, rule], now=NOW)
    assert merged.affects == (WIN,) and merged.sources == ("rule-3cx", "ncsc:3cx")
    assert any("ncsc:3cx says" in n for n in merged.notes)
    [alone] = merge_by_cve([prose], now=NOW)
    assert alone.affects == (prose_stmt,)


FORTI = AffectedProduct("Fortinet", "FortiOS", versions=("7.2.6",))


def test_a_round_up_naming_two_products_cves_never_lets_one_decide_the_others_versions() -> None:
    chrome_rule = Advisory(id="rule-chrome", source="rules", title="Chrome", kind="rule", cves=("CVE-2023-7024",),
                           affects=(WIN,), action="Update Chrome")
    forti = Advisory(id="cve:CVE-2024-21762", source="cve", title="FortiOS", kind="cve", cves=("CVE-2024-21762",),
                     affects=(FORTI,), exploited=True, action="Upgrade FortiOS")
    roundup = Advisory(id="ncsc:wtr", source="ncsc", title="Weekly threat report", kind="report",
                       cves=("CVE-2023-7024", "CVE-2024-21762"))
    merged = {a.id: a for a in merge_by_cve([chrome_rule, forti, roundup], now=NOW)}
    assert set(merged) == {"ncsc:wtr#CVE-2023-7024", "ncsc:wtr#CVE-2024-21762"}
    chrome, fortios = merged["ncsc:wtr#CVE-2023-7024"], merged["ncsc:wtr#CVE-2024-21762"]
    assert chrome.affects == (WIN,) and chrome.action == "Update Chrome" and not chrome.exploited
    assert fortios.affects == (FORTI,) and fortios.action == "Upgrade FortiOS" and fortios.exploited
    assert chrome.title == fortios.title == "Weekly threat report"
    assert chrome.cves == ("CVE-2023-7024",) and fortios.cves == ("CVE-2024-21762",)


def test_a_record_with_no_product_never_hides_a_check_manually_that_names_one() -> None:
    from dataclasses import replace as copy

    blank = adv("cve:CVE-2023-29059", "cve", AffectedProduct("", "", note="n/a"))
    prose = Advisory(id="ncsc:3cx", source="n", title="t", kind="news", cves=("CVE-2023-29059",),
                     affects=(copy(WIN, versions=(), from_text=True, confidence=0.3),))
    [merged] = merge_by_cve([blank, prose], now=NOW)
    assert [s.product for s in merged.affects] == ["3CX Desktop App"]


def test_a_rejected_duplicate_hands_its_items_to_the_cve_that_replaces_it() -> None:
    rejected = Advisory(id="cve:CVE-2023-5129", source="cve", title="Rejected", kind="cve",
                        cves=("CVE-2023-5129",), withdrawn=True, replaced_by=("CVE-2023-4863",))
    record = Advisory(id="cve:CVE-2023-4863", source="cve", title="libwebp", kind="cve", cves=("CVE-2023-4863",),
                      affects=(WIN,))
    item = Advisory(id="ncsc:webp", source="n", title="libwebp flaw", kind="news", cves=("CVE-2023-5129",))
    [merged] = merge_by_cve([rejected, record, item], now=NOW)
    assert merged.title == "libwebp flaw" and merged.cves == ("CVE-2023-4863",) and merged.affects == (WIN,)
