"""Prose that names a fix: the fixed build is never affected, the builds below it on its own
release line are, and a fix whose line the text does not show is "check manually".

Through the seams a council meets: the statement the pipeline stores (`prose.as_statement`),
judged by the same version code the matcher uses (`compile_statement`), and the review list's
gate (`prose.alerts_on`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisories.drafts import draft_rule
from advisories.extract import ExtractedStatement, KnownProduct, extract_statements, to_json
from advisories.models import Advisory, Status
from advisories.prose import alerts_on, as_statement
from advisories.rules import load_rule
from advisories.versions import compile_statement

TABLE = Path(__file__).parent / "fixtures" / "extract" / "sentences.toml"
PRODUCTS = [
    KnownProduct(p["vendor"], p["name"], tuple(p["aliases"]), tuple(p.get("known_builds", ())))
    for p in tomllib.loads(TABLE.read_text(encoding="utf-8"))["product"]
]


def read(text: str) -> list[ExtractedStatement]:
    return extract_statements(text, PRODUCTS)


def status(found: ExtractedStatement, version: str) -> Status:
    return compile_statement(as_statement(found)).status(version).status


def affected_anywhere(found: list[ExtractedStatement], version: str) -> bool:
    return any(status(s, version) is Status.AFFECTED for s in found)


# ------------------------------------------------------------------ the reported faults

CHROME_NCSC = (
    "Google has released Chrome 120.0.6099.129 for Mac and Linux and 120.0.6099.129/130 for Windows. "
    "The update fixes CVE-2023-7024, which is being exploited in the wild."
)


def test_chrome_release_note_flags_the_unpatched_council_and_never_the_patched_one() -> None:
    found = read(CHROME_NCSC)
    assert {s.platform for s in found} == {None}  # the same fix on every desktop platform limits none
    for build in ("120.0.6099.129", "120.0.6099.130", "121.0.6167.85"):
        assert not affected_anywhere(found, build), build
    assert all(status(s, "120.0.6099.109") is Status.AFFECTED for s in found)
    assert all(not s.versions for s in found)  # no build is listed as affected


@pytest.mark.parametrize(
    ("text", "fixed", "below"),
    [
        ("Exchange Server: after installation the build number is 15.2.1544.14.", "15.2.1544.14", "15.2.1544.9"),
        ("Google Chrome 116.0.5845.187/.188 is the fixed build.", "116.0.5845.188", "116.0.5845.140"),
        ("Google Chrome 116.0.5845.187/.85 fixes this.", "116.0.5845.185", "116.0.5845.140"),
        ("The patch is included in PAN-OS 11.1.2-h3.", "11.1.2-h3", "11.1.2"),
        ("Users should update to MOVEit Transfer 2023.0.1 or later.", "2023.0.1", "2023.0.0"),
        ("Upgrade FortiOS to 7.2.5 and above.", "7.2.5", "7.2.4"),
    ],
)
def test_a_fix_phrasing_never_makes_its_build_affected(text: str, fixed: str, below: str) -> None:
    found = read(text)
    assert found and not affected_anywhere(found, fixed)
    assert affected_anywhere(found, below)


def test_each_product_keeps_its_own_and_below_ranges() -> None:
    for text in (
        "FortiOS 7.2.4 and below; FortiProxy 7.2.3 and below are affected.",
        "FortiOS versions 7.2.4 and below and FortiProxy versions 7.2.3 and below are affected.",
    ):
        by = {s.product: to_json(s)["ranges"] for s in read(text)}
        assert by["FortiOS"] == [{"introduced": "7.2", "last_affected": "7.2.4"}], text
        assert by["FortiProxy"] == [{"introduced": "7.2", "last_affected": "7.2.3"}], text


def test_products_listed_before_one_version_phrase_each_get_it() -> None:
    found = read("Ivanti Connect Secure, Policy Secure and Neurons for ZTA gateways before 22.7R2.5 are affected.")
    assert sorted(s.product for s in found) == [
        "Ivanti Connect Secure", "Ivanti Neurons for ZTA", "Ivanti Policy Secure",
    ]  # fmt: skip
    # A bare bound names no line: from "0", release-build or not (the decided convention).
    assert all(to_json(s)["ranges"] == [{"introduced": "0", "fixed": "22.7R2.5"}] for s in found)


def test_a_version_turned_into_a_date_goes_to_review_and_never_alerts() -> None:
    (found,) = read("Affected: FortiOS 7/2/2004 and below, 7.0.11 and below.")
    assert found.suspect and "7/2/2004" in found.versions
    assert not alerts_on(as_statement(found))


def test_a_fix_already_bounding_the_affected_range_adds_nothing() -> None:
    found = read(
        "Google Chrome versions prior to 120.0.6099.129 are affected. "
        "Google has released 120.0.6099.129 for Mac and Linux and 120.0.6099.129/130 for Windows."
    )
    assert [to_json(s)["ranges"] for s in found] == [[{"introduced": "0", "fixed": "120.0.6099.129"}]]


def test_exchange_fixes_on_several_cus_bound_each_cu() -> None:
    (found,) = read("Exchange Server 2019 CU14 (15.2.1544.14) and CU13 (15.2.1258.39) fix this.")
    assert status(found, "15.2.1258.32") is Status.AFFECTED  # CU13 without the SU
    assert status(found, "15.2.1258.39") is not Status.AFFECTED
    assert status(found, "15.2.1544.14") is not Status.AFFECTED


# ------------------------------------------------------------------------ check manually


@pytest.mark.parametrize(
    "text",
    [
        "Zoho has fixed CVE-2022-47966 in ServiceDesk Plus build 14004.",
        "VMware has released ESXi80U2sb-23305545 and ESXi70U3p-23307199 to address CVE-2024-22252 in VMware ESXi.",
    ],
)
def test_a_fix_whose_line_is_not_shown_is_check_manually_never_a_build(text: str) -> None:
    (found,) = read(text)
    assert found.versions == () and found.ranges == ()
    stored = as_statement(found)
    assert not alerts_on(stored) and stored.note and stored.note.startswith("check manually")


def test_a_check_manually_reading_drafts_a_rule_that_still_loads(tmp_path: Path) -> None:
    found = read("Zoho has fixed CVE-2022-47966 in ServiceDesk Plus build 14004.")
    advisory = Advisory(id="ncsc:zoho", source="ncsc", title="Zoho fix", kind="news")
    path = tmp_path / "draft.toml"
    path.write_text(draft_rule(advisory, found), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert "CHECK MANUALLY" in text and "14004" not in text.split("from:")[0]
    rule, _problems = load_rule(path)
    assert rule is None or all(s.versions or s.ranges for s in rule.affects)


def test_a_fix_only_reading_says_so_on_the_review_list() -> None:
    (found,) = read("The patch is included in PAN-OS 11.1.2-h3.")
    assert as_statement(found).note == "read from the fixed release(s): >=11.1 <11.1.2-h3"


# ------------------------------------------------------------------------------ properties

FIX_PHRASES = (
    "Fortinet has released FortiOS {x}.",
    "FortiOS {x} fixes the issue.",
    "The issue is fixed in FortiOS {x}.",
    "Upgrade to FortiOS {x}.",
    "Customers should update to FortiOS {x} or later.",
    "FortiOS: after installation the build number is {x}.",
    "The patch is included in FortiOS {x}.",
    "FortiOS {x} and above.",
    "Upgrade FortiOS to {x} or above; the flaw is exploited in the wild.",
    "Fortinet has released FortiOS {x}, which fixes an exploited vulnerability.",
    "FortiOS {x} and above is not affected.",
)
NUMERIC = st.lists(st.integers(0, 999), min_size=2, max_size=3).map(lambda parts: ".".join(map(str, [7, *parts])))
RELEASE_BUILD = st.tuples(st.integers(1, 30), st.integers(0, 9), st.integers(1, 99), st.integers(1, 99)).map(
    lambda p: f"{p[0]}.{p[1]}-{p[2]}.{p[3]}"
)


@settings(max_examples=200, deadline=None)
@given(phrase=st.sampled_from(FIX_PHRASES), x=st.one_of(NUMERIC, RELEASE_BUILD))
def test_for_any_fix_phrasing_the_fixed_build_is_never_affected(phrase: str, x: str) -> None:
    found = read(phrase.format(x=x))
    assert all(x not in s.versions for s in found)
    assert not affected_anywhere(found, x)


@settings(max_examples=100, deadline=None)
@given(
    phrase=st.sampled_from(FIX_PHRASES[:8]),
    parts=st.tuples(st.integers(1, 30), st.integers(0, 20), st.integers(1, 99)),
)
def test_a_fix_flags_the_builds_below_it_on_its_line_only(phrase: str, parts: tuple[int, int, int]) -> None:
    major, minor, patch = parts
    found = read(phrase.format(x=f"{major}.{minor}.{patch}"))
    assert affected_anywhere(found, f"{major}.{minor}.{patch - 1}")
    assert not affected_anywhere(found, f"{major}.{minor + 1}.0")
    if minor:
        assert not affected_anywhere(found, f"{major}.{minor - 1}.{patch}")  # another line: not this fix's business


@settings(max_examples=100, deadline=None)
@given(x=NUMERIC, step=st.integers(1, 60), dot=st.booleans())
def test_two_fixed_builds_on_one_platform_are_both_unaffected(x: str, step: int, dot: bool) -> None:
    head, last = x.rsplit(".", 1)
    alt = f"{head}.{int(last) + step}"  # "120.0.6099.129/130", "116.0.5845.187/.188"
    found = read(f"Google has released Chrome {x}/{'.' if dot else ''}{int(last) + step} for Windows.")
    assert not affected_anywhere(found, x) and not affected_anywhere(found, alt)


def test_a_bracketed_build_after_an_unknown_name_is_never_pooled_into_the_product_before() -> None:
    # "ZTA gateways" is not a catalogue name here: its 22.8R2.2 must not land on Policy Secure.
    found = read(
        "Ivanti has released patches for Connect Secure (22.7R2.6), Policy Secure (22.7R1.4) "
        "and ZTA gateways (22.8R2.2)."
    )
    assert {s.product: to_json(s)["ranges"] for s in found} == {
        "Ivanti Connect Secure": [{"introduced": "22.7", "fixed": "22.7R2.6"}],
        "Ivanti Policy Secure": [{"introduced": "22.7", "fixed": "22.7R1.4"}],
    }


# ------------------------------------------------- affected needs a cue, whatever the fix verb

# Ways real advisories announce a fixed release, most of them in no lexicon: with none of
# them may the named build be reported affected, or any reading alert.
AFTER_VERB = (
    "has pushed {p} {x} to the Stable channel",
    "has shipped {p} {x}",
    "made {p} {x} available",
    "published {p} {x} today",
    "rolled out {p} {x}",
    "put out {p} {x}",
    "issued {p} {x}",
    "is distributing {p} {x}",
    "delivered {p} {x}",
    "posted {p} {x} on its portal",
    "urges customers to move to {p} {x}",
    "recommends migrating to {p} {x}",
    "asks admins to install {p} {x}",
    "tells users to apply {p} {x}",
    "introduced the correction in {p} {x}",
    "announced {p} {x}",
)
BEFORE_VERB = (
    "{p} {x} is available for Windows",
    "{p} {x} is now out",
    "{p} {x} contains the fix",
    "{p} {x} closes the hole",
    "{p} {x} corrects this",
    "{p} {x} mitigates the issue",
    "{p} {x} removes the vulnerable code path",
    "{p} {x} ships with the correction",
    "{p} {x} is the first fixed release",
    "{p} {x} was published this week",
    "{p} {x} hardens the parser",
    "Patched versions: {p} {x}",
    "The update brings {p} to build {x}",
    "Resolved in build {p} {x}",
    "Customers should download {p} {x}",
    "The correction is in {p} {x}",
)
TAILS = (
    "",
    " for Windows",
    ", which addresses CVE-2024-1234",
    ", and the flaw is exploited in the wild",
    " to protect against an actively exploited flaw",
    ", closing a hole that is exploitable remotely",
)
SUBJECTS = ("The vendor", "Fortinet", "Google", "Progress")
CATALOGUE_NAMES = ("FortiOS", "Chrome", "MOVEit Transfer", "PaperCut MF")
AFFECTED_SENTENCES = (
    "{p} {x} is affected.",
    "The affected builds are {p} {x}.",
    "{p} {x} is vulnerable to CVE-2024-1234.",
    "The vulnerability exists in {p} {x}.",
    "{p} {x} contains the flaw.",
    "Users of {p} {x} are at risk.",
    "{p} {x} is exploitable remotely.",
    "A flaw was found in {p} {x}.",
    "An issue was discovered in {p} {x}.",
    "Installations running {p} {x} are susceptible.",
    "{p} {x} allows remote attackers to read files.",
    "Google says {p} {x} was compromised.",
    "The malicious builds are {p} {x}.",
)


def _alerting_affected(found: list[ExtractedStatement], version: str) -> bool:
    return any(alerts_on(as_statement(s)) and status(s, version) is Status.AFFECTED for s in found)


@settings(max_examples=300, deadline=None)
@given(
    who=st.sampled_from(SUBJECTS),
    verb=st.sampled_from(AFTER_VERB + BEFORE_VERB),
    tail=st.sampled_from(TAILS),
    product=st.sampled_from(CATALOGUE_NAMES),
    x=st.one_of(NUMERIC, RELEASE_BUILD),
)
def test_no_fix_verb_known_or_not_ever_makes_its_build_affected(
    who: str, verb: str, tail: str, product: str, x: str
) -> None:
    clause = verb.format(p=product, x=x)
    found = read(f"{clause if verb in BEFORE_VERB else f'{who} {clause}'}{tail}.")
    assert not affected_anywhere(found, x)
    assert not any(alerts_on(as_statement(s)) for s in found)  # a fix-only reading is review, never an alert


@settings(max_examples=200, deadline=None)
@given(sentence=st.sampled_from(AFFECTED_SENTENCES), product=st.sampled_from(CATALOGUE_NAMES), x=NUMERIC)
def test_with_an_affected_cue_the_listed_build_alerts(sentence: str, product: str, x: str) -> None:
    found = read(sentence.format(p=product, x=x))
    assert _alerting_affected(found, x)
    assert any(x in s.versions for s in found)


@pytest.mark.parametrize(
    ("text", "alerting"),
    [
        ("Chrome 120.0.6099.129 is available for Windows.", False),
        ("Users should update to FortiOS 7.2.5.", False),
        ("FortiOS version 17.4 contains the fix.", False),
        ("The vulnerability exists in FortiOS 7.2.4.", True),
        ("The affected builds are 3CX DesktopApp 18.12.407 and 18.12.416.", True),
        ("Versions 18.12.407 and 18.12.416 of the 3CX DesktopApp.", False),  # no verb: review
        ("3CX DesktopApp 18.12.416 fixes a flaw that is exploitable remotely.", False),
    ],
)
def test_a_build_alerts_only_when_its_clause_says_it_is_affected(text: str, alerting: bool) -> None:
    found = read(text)
    assert found, text
    assert any(alerts_on(as_statement(s)) for s in found) is alerting


def test_a_list_under_an_affected_heading_or_column_is_affected_and_a_bare_one_is_not() -> None:
    builds = "Windows: 18.12.407, 18.12.416\nmacOS: 18.11.1213, 18.12.402"
    headed = read(f"Affected 3CX DesktopApp builds\n{builds}")
    bare = read(f"3CX DesktopApp\n{builds}")
    assert all(_alerting_affected(headed, v) for v in ("18.12.407", "18.12.416", "18.11.1213"))
    assert not any(alerts_on(as_statement(s)) for s in bare)
    table = read("Product | Affected versions | Fixed versions\n3CX DesktopApp | 18.12.416 | 18.12.422")
    assert _alerting_affected(table, "18.12.416") and not affected_anywhere(table, "18.12.422")


def test_a_list_after_a_semicolon_goes_on_with_the_affected_clause_before_it() -> None:
    found = read("Affected versions are 3CX DesktopApp 18.12.407 for Windows; 18.11.1213 and 18.12.402 for macOS.")
    assert _alerting_affected(found, "18.11.1213") and _alerting_affected(found, "18.12.407")


def test_releases_that_remove_a_flaw_are_fixes_whatever_else_the_sentence_calls_affected() -> None:
    # CVE-2022-1162 (cvelistV5: GitLab 14.7 before 14.7.7, 14.8 before 14.8.5, 14.9 before 14.9.2),
    # in the words of a release note: the verb is what the releases do to the flaw, and the
    # "affected accounts" at the end are accounts, not builds.
    text = ("The GitLab 14.9.2, 14.8.5 and 14.7.7 releases remove a hardcoded password set for "
            "OmniAuth accounts, and GitLab reset the passwords of the affected accounts.")
    found = extract_statements(text, [KnownProduct("GitLab", "GitLab", (), ())])
    assert [s.product for s in found] == ["GitLab"]
    for fixed in ("14.9.2", "14.8.5", "14.7.7", "14.9.3"):
        assert not affected_anywhere(found, fixed)
    assert affected_anywhere(found, "14.9.1") and affected_anywhere(found, "14.7.6")


@pytest.mark.parametrize("verb", ["plug", "plugs", "closes", "correct"])
def test_a_release_that_plugs_or_closes_a_flaw_is_its_fix(verb: str) -> None:
    # CVE-2021-44026 (cvelistV5: Roundcube before 1.3.17 and 1.4.x before 1.4.12), as a release
    # note says it: the verb is the releases' own; "mishandled" afterwards describes the flaw.
    text = (f"Roundcube Webmail 1.4.12 and 1.3.17 {verb} an SQL injection hole: search parameters were "
            "mishandled by the address book.")
    found = extract_statements(text, [KnownProduct("Roundcube", "Roundcube Webmail", ("Roundcube",), ())])
    assert found
    for fixed in ("1.4.12", "1.3.17", "1.4.13"):
        assert not affected_anywhere(found, fixed)
    assert affected_anywhere(found, "1.4.11") and affected_anywhere(found, "1.3.16")


ROUNDCUBE = [KnownProduct("Roundcube", "Roundcube Webmail", ("Roundcube",), ())]


@pytest.mark.parametrize(
    "verb", ["seal", "shut", "squash", "eliminate", "tackle", "stamp out", "deal with", "neutralise", "stop"]
)
@pytest.mark.parametrize(
    "tail",
    [
        ": an SVG image in an HTML email was mishandled by the message view",
        " that could let an attacker run script in a victim's session",
        " affecting the message view",
    ],
)
def test_releases_that_act_on_a_flaw_are_fixes_whatever_the_verb(verb: str, tail: str) -> None:
    # CVE-2023-5631 (cvelistV5: Roundcube before 1.4.15, 1.5.x before 1.5.5, 1.6.x before 1.6.4,
    # stored XSS via an HTML email with a crafted SVG document), as a release note might say it
    # with a verb no lexicon lists: the version list is the subject of a verb whose object is the
    # flaw, so it names the releases that fix it; what follows the flaw describes the flaw.
    text = f"Roundcube Webmail 1.6.4, 1.5.5 and 1.4.15 {verb} a stored cross-site scripting hole{tail}."
    found = extract_statements(text, ROUNDCUBE)
    assert found
    for fixed in ("1.6.4", "1.5.5", "1.4.15", "1.6.5"):
        assert not affected_anywhere(found, fixed), (verb, tail)
    assert affected_anywhere(found, "1.6.3") and affected_anywhere(found, "1.4.14")
    assert not any(alerts_on(as_statement(s)) for s in found)


@pytest.mark.parametrize(
    "text",
    [
        "Roundcube Webmail 1.6.3 has a stored cross-site scripting flaw.",
        "Roundcube Webmail 1.6.3 and 1.5.4 carry the XSS bug.",
        "Roundcube Webmail 1.6.3 suffers from a stored XSS hole.",
        "Roundcube Webmail 1.6.3 exposes a cross-site scripting flaw.",
    ],
)
def test_a_build_that_has_a_flaw_is_affected(text: str) -> None:
    # CVE-2023-5631 again, from the other side: a verb of having names the affected build.
    found = extract_statements(text, ROUNDCUBE)
    assert any(alerts_on(as_statement(s)) and status(s, "1.6.3") is Status.AFFECTED for s in found), text


def test_a_flaw_description_that_names_versions_speaks_of_them() -> None:
    # CVE-2023-27997 (cvelistV5: FortiOS 7.2.0 through 7.2.4 among others): the relative clause
    # is about the flaw, but its object is the build, which it calls affected.
    found = read("Fortinet has fixed a heap overflow in SSL-VPN that affects FortiOS 7.2.4.")
    assert _alerting_affected(found, "7.2.4")
    found = read("FortiOS 7.2.5 fixes a heap overflow in SSL-VPN that is exploitable before authentication.")
    assert not affected_anywhere(found, "7.2.5") and affected_anywhere(found, "7.2.4")


def test_a_release_that_drops_a_backdoor_is_its_fix() -> None:
    # CVE-2024-3094 (cvelistV5: xz 5.6.0 and 5.6.1 carry the backdoor; 5.6.2 is clean): the
    # backdoor is the flaw the verb acts on, and the colon's description is about it.
    text = "XZ Utils 5.6.2 drops the backdoor: the release tarballs were compromised by a maintainer."
    found = extract_statements(text, [KnownProduct("Tukaani", "XZ Utils", ("xz",), ())])
    assert found and not affected_anywhere(found, "5.6.2")


def test_releases_that_close_a_memory_flaw_are_its_fix() -> None:
    # CVE-2021-44142 (cvelistV5: Samba before 4.13.17, 4.14.12 and 4.15.5), as a release note
    # says it: an out-of-bounds read is a flaw; "could let an attacker" describes it, not the builds.
    text = ("Samba 4.15.5, 4.14.12 and 4.13.17 close an out-of-bounds heap read in the vfs_fruit module, "
            "which could let an attacker run code as root.")
    found = extract_statements(text, [KnownProduct("Samba", "Samba", (), ())])
    assert found
    for fixed in ("4.15.5", "4.14.12", "4.13.17"):
        assert not affected_anywhere(found, fixed)
    assert affected_anywhere(found, "4.15.4")


def test_a_branch_named_with_a_wildcard_beside_its_fix_is_a_name_not_a_statement() -> None:
    # CVE-2022-46169 (cvelistV5: Cacti before 1.2.23), as a release note says it: "the 1.2.x
    # branch" names where the fix landed; nothing in the sentence says the branch is affected.
    text = ("Cacti 1.2.23 ships the fix for the command injection in remote_agent.php, the first build "
            "of the 1.2.x branch with it.")
    found = extract_statements(text, [KnownProduct("Cacti", "Cacti", (), ())])
    assert found and not affected_anywhere(found, "1.2.23") and not affected_anywhere(found, "1.2.24")
    # Said to be affected, the same wildcard is the whole line.
    line = extract_statements("Every Cacti 1.2.x branch release is affected.", [KnownProduct("Cacti", "Cacti", (), ())])
    assert affected_anywhere(line, "1.2.23")
