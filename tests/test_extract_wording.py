"""Wordings of version statements the blind rounds met, each tested here in other words (other
products, versions and phrasing), as a council would notice them: which build alerts, which
does not."""

from __future__ import annotations

from advisories.extract import ExtractedStatement, KnownProduct, extract_statements, to_json
from advisories.models import Status
from advisories.prose import alerts_on, as_statement
from advisories.versions import compile_statement

PRODUCTS = [
    KnownProduct("Apache", "Apache Log4j", ("Log4j", "Log4j 2")),
    KnownProduct("Apache", "Apache Tomcat", ("Tomcat",)),
    KnownProduct("Harbour Networks", "HarbourOS"),
    KnownProduct("Harbour Networks", "Harbour Agent"),
    KnownProduct("Tidewater", "Tidewater StoreOS Pro", ("StoreOS Pro",)),
    KnownProduct("Opal", "Opal Browser"),
    KnownProduct("Opal", "Opal Browser ESR", ("Opal ESR",)),
    KnownProduct("Python Software Foundation", "Python"),
]


def read(text: str) -> list[ExtractedStatement]:
    return extract_statements(text, PRODUCTS)


def affected(found: list[ExtractedStatement], version: str) -> bool:
    return any(compile_statement(as_statement(s)).status(version).status is Status.AFFECTED for s in found)


def ranges(found: list[ExtractedStatement]) -> list[dict[str, str]]:
    return sorted((r for s in found for r in to_json(s)["ranges"]), key=lambda r: sorted(r.items()))


def test_a_name_ending_in_a_number_does_not_swallow_the_major_of_the_version_after_it() -> None:
    # "Log4j 2" is a name; in "Log4j 2.17.1" the 2 is the version's.
    found = read("The Logging team shipped Log4j 2.17.1 and 2.12.4 to close the lookup recursion flaw.")
    assert ranges(found) == [{"introduced": "2.12", "fixed": "2.12.4"}, {"introduced": "2.17", "fixed": "2.17.1"}]
    assert affected(found, "2.12.3") and affected(found, "2.17.0")
    assert not affected(found, "2.12.4") and not affected(found, "2.17.1")


def test_a_range_whose_upper_end_repeats_the_product_is_one_range() -> None:
    found = read("Vulnerable: Tomcat 9.0.0 - Tomcat 9.0.45 and Tomcat 8.5.0 - Tomcat 8.5.65. Upgrade to 9.0.46.")
    assert ranges(found) == [
        {"introduced": "8.5.0", "last_affected": "8.5.65"},
        {"introduced": "9.0.0", "last_affected": "9.0.45"},
    ]
    assert affected(found, "9.0.30") and not affected(found, "9.0.46") and not affected(found, "8.5.66")


def test_release_builds_and_their_fix_sit_on_the_release_line() -> None:
    # Four-part releases with a build suffix: the release is on its X.Y line, and a fix on a
    # line the text already states as affected adds no range of its own.
    text = (
        "HarbourOS 4.2.7.9-55x and older and 5.1.0.3-12x and older are exposed to the VPN portal bypass. "
        "The fixed builds are HarbourOS 4.2.7.10-58x and 5.1.0.4-13x."
    )
    found = read(text)
    assert len(found) == 1
    assert ranges(found) == [
        {"introduced": "0", "last_affected": "4.2.7.9-55x"},  # the lowest line covers older releases
        {"introduced": "5.1", "last_affected": "5.1.0.3-12x"},
    ]
    assert affected(found, "4.2.7.9-55x") and affected(found, "5.1.0.2-9x")
    assert not affected(found, "4.2.7.10-58x") and not affected(found, "5.1.0.4-13x")


def test_one_fix_for_two_desktop_platforms_limits_no_platform() -> None:
    found = read("Harbour has shipped Harbour Agent 3.4.2 for Windows and Linux hosts to fix a privilege flaw.")
    assert [(s.platform, to_json(s)["ranges"]) for s in found] == [(None, [{"introduced": "3.4", "fixed": "3.4.2"}])]


def test_fixes_that_differ_by_desktop_platform_stay_apart() -> None:
    found = read("Harbour Agent 3.4.2 fixes the privilege flaw on Windows; on Linux and macOS the fix is 3.4.1.")
    fixes = {s.platform: to_json(s)["ranges"][0]["fixed"] for s in found}
    assert fixes == {"windows": "3.4.2", "linux": "3.4.1", "macos": "3.4.1"}


def test_a_letter_before_a_build_is_part_of_the_version_and_its_line() -> None:
    # A vendor's per-edition letter ("p" for Pro here) stays on the build and on its line; the
    # date stamp after "build" is not a version.
    found = read("Tidewater has fixed the share traversal in StoreOS Pro p3.2.0.1180 build 20250110 and later.")
    assert [to_json(s)["ranges"] for s in found] == [[{"introduced": "p3.2", "fixed": "p3.2.0.1180"}]]
    assert not found[0].suspect


def test_a_release_channel_before_a_build_is_the_products_own_channel() -> None:
    found = read("Opal Browser Stable 131.0.6778.86 and Extended Stable 130.0.6723.117 carry the fix for the V8 flaw.")
    assert ranges(found) == [
        {"introduced": "130.0", "fixed": "130.0.6723.117"},
        {"introduced": "131.0", "fixed": "131.0.6778.86"},
    ]
    found = read("The patched releases are Harbour Agent 3.6.1 and the Sustain Release 3.4.9.")
    assert ranges(found) == [{"introduced": "3.4", "fixed": "3.4.9"}, {"introduced": "3.6", "fixed": "3.6.1"}]
    assert affected(found, "3.4.8") and not affected(found, "3.4.9")


def test_a_vendors_possessive_before_the_rest_of_a_name_is_that_product() -> None:
    found = read("Opal Browser 131.0.6778.86 closes the V8 flaw, and Harbour's Agent 3.6.1 picks up the same fix.")
    assert sorted((s.product, to_json(s)["ranges"][0]["fixed"]) for s in found) == [
        ("Harbour Agent", "3.6.1"),
        ("Opal Browser", "131.0.6778.86"),
    ]


def test_an_open_lower_end_closed_by_a_bound_after_but_is_one_range() -> None:
    found = read("HarbourOS devices running 4.3.2 or later but before 4.5.1 are exposed to the token replay flaw.")
    assert ranges(found) == [{"introduced": "4.3.2", "fixed": "4.5.1"}]
    assert affected(found, "4.4.0") and not affected(found, "4.3.1") and not affected(found, "4.5.1")


def test_a_bracketed_remark_between_a_build_and_its_operator_keeps_the_operator() -> None:
    found = read("HarbourOS 4.2.7.9-55x (maintenance track) and earlier are affected; 4.2.7.10-58x fixes it.")
    assert ranges(found) == [{"introduced": "0", "last_affected": "4.2.7.9-55x"}]
    assert affected(found, "4.2.7.9-55x") and not affected(found, "4.2.7.10-58x")


def test_a_name_that_only_says_what_kind_of_file_it_is_takes_no_versions() -> None:
    text = (
        "Harbour Agent 3.6.1 closes an upload flaw that let attackers drop a Python script in the agent folder; "
        "admins should update to 3.6.1."
    )
    assert [s.product for s in read(text)] == ["Harbour Agent"]


def test_a_list_finished_by_and_ends_at_the_comma_after_it() -> None:
    found = read("On HarbourOS and Harbour Agent hosts, Opal Browser 131.0.6778.86 brings the fix.")
    assert [s.product for s in found] == ["Opal Browser"]
    # A list still being named goes on across its commas.
    found = read("HarbourOS, Harbour Agent and Opal Browser 5.2.1 and earlier are affected.")
    assert sorted(s.product for s in found) == ["Harbour Agent", "HarbourOS", "Opal Browser"]


def test_a_version_naming_who_runs_it_is_not_a_fix() -> None:
    # "4.8.3 users to 4.8.3p2": the 4.8.3 users are the ones to move, so 4.8.3 is no fixed build.
    found = read(
        "HarbourOS 5.0 customers should move to 5.0.7, 4.8.3 users to 4.8.3p2, and older 4.6.9 admins to 4.6.12."
    )
    assert {r["fixed"] for r in ranges(found)} == {"5.0.7", "4.8.3p2", "4.6.12"}
    assert affected(found, "4.8.3") and affected(found, "4.6.9")


def alerts(found: list[ExtractedStatement], version: str) -> bool:
    """Would a council running `version` be alerted (not only put on the review list)?"""
    return any(
        alerts_on(st) and compile_statement(st).status(version).status is Status.AFFECTED
        for st in map(as_statement, found)
    )


def test_a_remark_set_off_by_commas_after_the_flaw_is_about_the_flaw() -> None:
    # "fixed the weakness, which let ..., in <release>": the remark describes the weakness; the
    # release after it is where the fix shipped.
    found = read("Tidewater patched the weakness, which allowed local users to gain root, in StoreOS Pro 9.3.2.881.")
    assert ranges(found) == [{"introduced": "9.3", "fixed": "9.3.2.881"}]
    assert not affected(found, "9.3.2.881") and affected(found, "9.3.2.880")
    # A remark about the versions themselves still speaks of them.
    found = read("The takeover is fixed in StoreOS Pro 9.3.2.881; StoreOS Pro 9.3.2.870, which is vulnerable, needs it")
    assert alerts(found, "9.3.2.870") and not affected(found, "9.3.2.881")


def test_a_stamped_release_after_a_perfect_fix_verb_is_the_fix() -> None:
    found = read(
        "The vendor has resolved a defect that lets a guest account take over the console in "
        "StoreOS Pro 9.3.2.881 build 20240517."
    )
    assert ranges(found) == [{"introduced": "9.3", "fixed": "9.3.2.881"}]
    assert not affected(found, "9.3.2.881")


def test_a_release_after_a_fixed_flaw_that_may_be_either_is_never_alerted_on() -> None:
    # "fixes a defect that lets ... in X": X may be where the defect is or where the fix is; the
    # reading is kept for review, never alerted on.
    for text in (
        "The spring rollup fixes a defect that lets a guest account take over the console in StoreOS Pro 9.3.2.881.",
        "Tidewater has corrected a defect that allows guests to take over the console on StoreOS Pro 9.3.2.881.",
    ):
        found = read(text)
        assert not alerts(found, "9.3.2.881"), text
    # A relative clause whose verb governs the version states it affected, and alerts.
    found = read("The spring rollup fixes a defect that affects StoreOS Pro 9.3.2.881.")
    assert alerts(found, "9.3.2.881")


def test_a_build_whose_third_part_starts_like_a_year_is_no_date() -> None:
    # "3.4.20195" is no 3 April 2019: the year would run on into a fifth digit.
    found = read("Harbour Agent 3.4.20195 carries the fix.")
    assert ranges(found) == [{"introduced": "3.4", "fixed": "3.4.20195"}]


def test_a_build_that_lost_a_separator_is_suspect_and_read_back() -> None:
    known = [KnownProduct("Harbour Networks", "Harbour Agent", (), ("3.4.2-0195", "3.5.0-0201"))]
    (found,) = extract_statements("Harbour Agent 3.4.20195 carries the fix.", known)
    assert found.suspect and found.confidence <= 0.4
    (found,) = extract_statements("Harbour Agent 3.4.2-0195 and earlier are affected.", known)
    assert not found.suspect


def test_an_update_suffix_after_an_underscore_is_part_of_the_build() -> None:
    found = read("Affected are HarbourOS 9.x before 9.1.4_U2 and from 9.2 before 9.3.1_U5.")
    assert ranges(found) == [{"introduced": "9", "fixed": "9.1.4_U2"}, {"introduced": "9.2", "fixed": "9.3.1_U5"}]
    assert affected(found, "9.1.4_U1") and not affected(found, "9.1.4_U2") and affected(found, "9.3.1")


def test_a_bare_major_release_can_start_a_range() -> None:
    found = read("Opal Browser 91 through 118.0.5993.70 mishandled cookie partitions; 118.0.5993.88 fixes it.")
    assert ranges(found) == [{"introduced": "91", "last_affected": "118.0.5993.70"}]
    assert affected(found, "95.0.1") and not affected(found, "90.0.1") and not affected(found, "118.0.5993.88")
    # A year is no release: "from 2019 to 2023.2" names no range of builds.
    assert all(r.get("introduced") != "2019" for r in ranges(read("Opal Browser 2019 to 2023.2 are affected.")))


def test_a_platform_list_with_a_system_the_schema_lacks_limits_nothing() -> None:
    for text in (
        "On Linux and OpenBSD, Harbour Agent releases before 3.6.1 mishandle a format string.",
        "On Solaris and Windows, Harbour Agent releases before 3.6.1 mishandle a format string.",
    ):
        (found,) = read(text)
        assert found.platform is None, text
    (found,) = read("On Windows, Harbour Agent releases before 3.6.1 mishandle a format string.")
    assert found.platform == "windows"


def test_an_os_name_describing_something_else_is_no_platform() -> None:
    (found,) = read("Harbour Agent 3.0 through 3.6.0 let Windows services started by any user read the key store.")
    assert found.platform is None
    (found,) = read("Harbour Agent 3.0 through 3.6.0 for Windows are affected.")
    assert found.platform == "windows"


def test_a_release_that_lets_an_unnamed_party_do_something_is_affected() -> None:
    text = (
        "StoreOS Pro 9.3.2.870 let an unenrolled kiosk client reach the admin API, "
        "and Tidewater has corrected this in 9.3.2.881 and 9.2.14."
    )
    found = read(text)
    assert affected(found, "9.3.2.870") and not affected(found, "9.3.2.881") and not affected(found, "9.2.14")
    assert affected(found, "9.2.13")
    # Naming who a feature is for is no flaw: "lets admins" states nothing affected.
    assert not affected(read("StoreOS Pro 9.3.2.881 lets admins turn off the legacy API."), "9.3.2.881")


def test_the_build_of_a_fixed_release_survives_a_remark_about_the_flaw() -> None:
    text = "Harbour Agent 3.6 (build 3.6.1.2044) fixes the key-store flaw, which let any local user read secrets."
    found = read(text)
    assert ranges(found) == [{"introduced": "3.6", "fixed": "3.6.1.2044"}]
    assert not affected(found, "3.6.1.2044") and affected(found, "3.6.1.2043")


def test_a_bound_turned_into_a_date_keeps_its_range_and_goes_to_review() -> None:
    for text, expected in (
        ("Harbour Agent releases before 11/04/2019 leak session tokens.", {"introduced": "0", "fixed": "11/04/2019"}),
        ("Harbour Agent 4.x before 04/03/2011 leaks session tokens.", {"introduced": "4", "fixed": "04/03/2011"}),
        (
            "Harbour Agent 4.2.0 before 04/03/2011 leaks session tokens.",
            {"introduced": "4.2.0", "fixed": "04/03/2011"},
        ),
    ):
        (found,) = read(text)
        assert ranges([found]) == [expected], text
        assert found.suspect and not alerts([found], "4.2.1")


def test_an_upper_case_release_candidate_is_part_of_the_build() -> None:
    found = read("HarbourOS 6.0.0.RC2 to 6.0.14 accept unsigned firmware images.")
    assert ranges(found) == [{"introduced": "6.0.0.RC2", "last_affected": "6.0.14"}]


def test_a_build_named_as_firmware_or_software_is_the_products() -> None:
    found = read("Harbour Networks has corrected the portal flaw in HarbourOS firmware 4.3.1.7-20x.")
    assert ranges(found) == [{"introduced": "4.3", "fixed": "4.3.1.7-20x"}]
    found = read("It affects HarbourOS on its boot software 4.1.0 through 4.3.1.")
    assert ranges(found) == [{"introduced": "4.1.0", "last_affected": "4.3.1"}]


def test_a_build_that_remains_open_to_a_flaw_is_affected() -> None:
    found = read("Appliances still on HarbourOS 4.3.1.6 remain open to the portal bypass.")
    assert alerts(found, "4.3.1.6") and not affected(found, "4.3.1.7")


def test_long_update_suffixes_and_model_builds_are_part_of_the_version() -> None:
    found = read("HarbourOS 8.4.0 up to and including 8.6.2_Update3 are affected.")
    assert ranges(found) == [{"introduced": "8.4.0", "last_affected": "8.6.2_Update3"}]
    found = read("Harbour Agent before V3.10(ABCD.4)C0 allows command injection.")
    assert ranges(found) == [{"introduced": "0", "fixed": "V3.10(ABCD.4)C0"}]


def test_an_urged_update_names_the_fix_even_with_the_product_between() -> None:
    text = (
        "The Harbour Agent plugin is open to stored XSS in versions up to and including 2.4.0, "
        "and admins should update Harbour Agent to 2.4.1 or any later release."
    )
    found = read(text)
    assert ranges(found) == [{"introduced": "0", "last_affected": "2.4.0"}]
    assert alerts(found, "2.4.0") and not affected(found, "2.4.1") and not affected(found, "2.5.0")


def test_a_flaws_relative_clause_alone_never_alerts_on_the_build_after_it() -> None:
    # "the defect that lets ... is gone in X": nothing marks where the relative clause ends, and
    # "is gone in" is a fix in words no cue knows.
    found = read("The defect that lets guest accounts take over the console is gone in StoreOS Pro 9.3.2.881.")
    assert not alerts(found, "9.3.2.881")


def test_a_product_named_again_with_its_platform_is_that_platforms_edition() -> None:
    text = "It affects Opal Browser before 131.0.2, Opal ESR before 128.5.1 and Opal Browser for Android before 131.2.0"
    found = {(st.product, st.platform): ranges([st]) for st in read(text)}
    assert found[("Opal Browser", None)] == [{"introduced": "0", "fixed": "131.0.2"}]
    assert found[("Opal Browser", "android")] == [{"introduced": "0", "fixed": "131.2.0"}]
    # Builds named before "of <product> for <platform>" are that platform's.
    (st,) = read("Builds 4.2.7.1 and 4.2.7.2 of HarbourOS for Windows are affected.")
    assert st.platform == "windows"


def test_and_before_after_a_build_is_its_upper_end_but_before_a_build_opens_a_bound() -> None:
    found = read("Harbour Agent 5.2.0.1 and before are exposed to the relay flaw; 5.2.0.2 fixes it.")
    assert ranges(found) == [{"introduced": "0", "last_affected": "5.2.0.1"}]
    assert affected(found, "5.1.9") and not affected(found, "5.2.0.2")
    found = read("Harbour Agent releases from 5.0 and before 5.2.0.2 are exposed to the relay flaw.")
    assert ranges(found) == [{"introduced": "5.0", "fixed": "5.2.0.2"}]


def test_a_verb_saying_the_flaw_reaches_a_build_names_no_other_product() -> None:
    text = "A parser overflow in HarbourOS, exploited before Harbour shipped a fix, hits 7.4 before 7.4.3.12."
    found = read(text)
    assert ranges(found) == [{"introduced": "7.4", "fixed": "7.4.3.12"}]
    assert affected(found, "7.4.3.11") and not affected(found, "7.4.3.12")


def test_releases_called_end_of_life_lines_are_whole_lines() -> None:
    found = read("The unsupported 6.1 and 6.3 releases of HarbourOS are vulnerable too.")
    assert ranges(found) == [{"introduced": "6.1", "fixed": "6.2"}, {"introduced": "6.3", "fixed": "6.4"}]
    assert affected(found, "6.1.9.4") and not affected(found, "6.2.0")


def test_a_stamped_release_after_a_perfect_fix_verb_is_the_fix_whatever_follows_it() -> None:
    text = "Tidewater has patched the kiosk escape in StoreOS Pro 9.3.2.881 build 20240517, which lets guests run code."
    found = read(text)
    assert ranges(found) == [{"introduced": "9.3", "fixed": "9.3.2.881"}]
    assert not affected(found, "9.3.2.881")


def test_a_version_list_that_is_the_subject_of_the_fixed_releases_after_an_affected_clause_is_fixed() -> None:
    # The first build of the list sits after a comma; the copula after the whole list says
    # what all of it is.
    text = (
        "HarbourOS 5.0.0 through 5.0.3, 5.1.0 through 5.1.2 and 5.2.0 through 5.2.1 are at risk as well, "
        "and 5.0.4, 5.1.3 and 5.2.2 are the patched builds."
    )
    found = read(text)
    for fixed in ("5.0.4", "5.1.3", "5.2.2"):
        assert not affected(found, fixed) and not alerts(found, fixed)
    assert alerts(found, "5.0.2") and alerts(found, "5.1.0") and alerts(found, "5.2.1")
    found = read(
        "Opal Browser 128.0.1 to 128.0.4 is also vulnerable, and 128.0.5, 128.0.6 and 128.0.7 are our fixed versions."
    )
    assert not alerts(found, "128.0.5") and not affected(found, "128.0.5") and alerts(found, "128.0.2")


def test_moving_the_products_people_to_a_release_names_the_fix() -> None:
    found = read(
        "HarbourOS 4.6.1 on Linux suffers from a header injection bug, and Harbour Networks notice HN-2025-17 "
        "brings users to HarbourOS 4.6.2."
    )
    assert not affected(found, "4.6.2") and alerts(found, "4.6.1")
    found = read(
        "Opal Browser 131.0.6778.70 has a type confusion flaw in its engine; "
        "the channel update takes all customers to 131.0.6778.85."
    )
    assert not affected(found, "131.0.6778.85") and alerts(found, "131.0.6778.70")


def test_a_vendors_simple_past_fix_in_a_release_ending_the_clause_is_the_fix() -> None:
    found = read("Harbour Networks patched the relay bypass for HarbourOS 4.2.7, which is at risk, in HarbourOS 4.2.9.")
    assert not affected(found, "4.2.9") and alerts(found, "4.2.7")
    found = read(
        "Tidewater quietly corrected the share leak in StoreOS Pro 8.1.0.400, which is vulnerable, in 8.1.0.412."
    )
    assert not affected(found, "8.1.0.412") and alerts(found, "8.1.0.400")
    # An "in" that an affected cue ends is where the flaw is, whoever fixed it.
    found = read("Tidewater fixed a flaw that exists in StoreOS Pro 8.1.0.400.")
    assert affected(found, "8.1.0.400")


def test_a_flaw_described_with_a_word_holding_a_digit_is_still_a_flaw_the_build_has() -> None:
    found = read("Opal Browser 4.2.1 has a JS2 type confusion flaw that a crafted page can reach.")
    assert [s.versions for s in found] == [("4.2.1",)]
    assert affected(found, "4.2.1") and not affected(found, "4.2.2")


def test_a_flaw_limited_to_builds_states_them_affected() -> None:
    found = read("The implant found in the HarbourOS images is confined to HarbourOS 7.3.0 and 7.3.1 on Linux.")
    assert [s.versions for s in found] == [("7.3.0", "7.3.1")]
    assert affected(found, "7.3.1") and not affected(found, "7.2.9") and not affected(found, "7.3.2")


def test_a_build_said_to_be_exposed_is_affected_and_one_not_exposed_is_not() -> None:
    found = read("StoreOS Pro 2.8.4 is not exposed; StoreOS Pro 2.8.3 remains exposed.")
    assert [s.versions for s in found] == [("2.8.3",)]
    assert affected(found, "2.8.3") and not affected(found, "2.8.4")


def test_a_general_availability_release_name_is_one_version() -> None:
    found = read("HarbourOS releases older than 21.5 GA let a neighbour on the same network reach the shell.")
    assert ranges(found) == [{"introduced": "0", "fixed": "21.5 GA"}]
    assert affected(found, "21.0") and affected(found, "21.4.2") and not affected(found, "21.5 GA")


def test_a_feature_pack_of_a_service_pack_is_part_of_the_release_name() -> None:
    found = read("StoreOS Pro before 6.2 SP3 FP1 leaks session tokens. StoreOS Pro 6.2 SP3 FP1 is the fixed release.")
    assert ranges(found) == [{"introduced": "0", "fixed": "6.2 SP3 FP1"}]
    assert affected(found, "6.1") and not affected(found, "6.2 SP3 FP1")


def test_a_release_name_with_a_feature_pack_gives_way_to_its_bracketed_build() -> None:
    found = read("StoreOS Pro through 6.2 SP3 FP1 (6.2.3.118) lets a guest read mailboxes.")
    assert ranges(found) == [{"introduced": "0", "last_affected": "6.2.3.118"}]
    assert affected(found, "6.2.3.118") and not affected(found, "6.2.3.119")


def test_an_underscored_beta_build_is_a_version() -> None:
    found = read("HarbourOS 2.1.4_Beta and 2.2.0_Beta let an unauthenticated attacker run commands as root.")
    assert [s.versions for s in found] == [("2.1.4_Beta", "2.2.0_Beta")]
    assert affected(found, "2.1.4_Beta") and not affected(found, "2.1.4")


def test_a_bracketed_and_any_earlier_build_opens_the_version_downwards() -> None:
    found = read("Harbour Agent 5.3.12.880 (and any earlier build) has a time-of-check race in its updater service.")
    assert ranges(found) == [{"introduced": "0", "last_affected": "5.3.12.880"}]
    assert affected(found, "5.3.12.880") and affected(found, "4.9.1") and not affected(found, "5.3.12.881")
    found = read("Harbour Agent 5.3.12 (or any earlier release) is affected.")
    assert ranges(found) == [{"introduced": "0", "last_affected": "5.3.12"}]


def test_a_bare_major_release_after_before_bounds_the_product_named_right_before_it() -> None:
    found = read("Opal Browser versions earlier than 131, Opal ESR before 128.4 are affected by the WebGL overflow.")
    by_product = {s.product: to_json(s)["ranges"] for s in found}
    assert by_product == {
        "Opal Browser": [{"introduced": "0", "fixed": "131"}],
        "Opal Browser ESR": [{"introduced": "0", "fixed": "128.4"}],
    }
    browser = [s for s in found if s.product == "Opal Browser"]
    assert affected(browser, "130.0.2") and not affected(browser, "131.0")
    # A count after "before" is no release.
    assert read("Opal Browser before 30 days is affected.") == []


def test_vendor_release_shapes_are_versions() -> None:
    # An R-numbered release train, a build with its commit hash, a hardware revision before the
    # release, a release with its month stamp.
    found = read("StoreOS Pro R77.30, R77 and R76.10 are affected by the portal file read.")
    assert [s.versions for s in found] == [("R77.30", "R77", "R76.10")]
    found = read("Harbour Agent 2204.v8e3c1b2a9d7f_c and earlier let attackers escape the sandbox.")
    assert ranges(found) == [{"introduced": "0", "last_affected": "2204.v8e3c1b2a9d7f_c"}]
    assert affected(found, "2204.v8e3c1b2a9d7f_c") and affected(found, "2101.v1a2b3c4d5e6f")
    found = read("HarbourOS firmware 2_3.0.4 and earlier exposes a debug port. Harbour released firmware 2_3.0.5.")
    assert ranges(found) == [{"introduced": "0", "last_affected": "2_3.0.4"}]
    assert affected(found, "2_3.0.4") and not affected(found, "2_3.0.5")
    found = read("StoreOS Pro release 9-202311 lets an unauthenticated remote attacker reset any password.")
    assert [s.versions for s in found] == [("9-202311",)]


def test_a_vendor_advisory_title_names_no_product() -> None:
    found = read("HarbourOS Security Advisory 2025-02-11: Harbour Agent 3.4.1 and earlier let attackers run code.")
    assert [(s.product, to_json(s)["ranges"]) for s in found] == [
        ("Harbour Agent", [{"introduced": "0", "last_affected": "3.4.1"}])
    ]


def test_a_hyphenated_attacker_let_in_states_the_whole_list_affected() -> None:
    text = (
        "A signing flaw in HarbourOS 5.4.0 through 5.4.2, and in every 5.2 and 5.1 release, "
        "may let an on-path attacker forge updates."
    )
    found = read(text)
    assert ranges(found) == [
        {"introduced": "5.1", "fixed": "5.2"},
        {"introduced": "5.2", "fixed": "5.3"},
        {"introduced": "5.4.0", "last_affected": "5.4.2"},
    ]
    assert affected(found, "5.2.9") and affected(found, "5.1.0") and affected(found, "5.4.1")
    assert not affected(found, "5.3.0") and not affected(found, "5.4.3")


def test_a_release_that_can_be_made_to_run_code_is_affected() -> None:
    text = (
        "StoreOS Pro 3.1.0 and 2.9.4 through 2.9.6 can be made to load a rogue plugin; "
        "the fixed releases are 3.1.1 and 2.9.7."
    )
    found = read(text)
    assert affected(found, "3.1.0") and affected(found, "2.9.5")
    assert not affected(found, "3.1.1") and not affected(found, "2.9.7") and not affected(found, "3.0.0")


def test_an_attacker_who_could_bypass_a_check_in_builds_states_them_affected() -> None:
    text = (
        "An attacker who holds a guest login could bypass the lock screen in HarbourOS "
        "8.3.1 through 8.3.4 and in every 8.1 release."
    )
    found = read(text)
    assert ranges(found) == [{"introduced": "8.1", "fixed": "8.2"}, {"introduced": "8.3.1", "last_affected": "8.3.4"}]
    assert affected(found, "8.1.7") and not affected(found, "8.2.0") and not affected(found, "8.3.5")


def test_a_bound_spent_on_one_products_versions_does_not_reach_the_next_products_lines() -> None:
    text = "HarbourOS 9.1 before 9.1.4, and StoreOS Pro 3.x and 2.x, are exposed to the token replay flaw."
    found = read(text)
    store = [s for s in found if s.product == "Tidewater StoreOS Pro"]
    assert ranges(store) == [{"introduced": "2", "fixed": "3"}, {"introduced": "3", "fixed": "4"}]
    assert affected(store, "3.9.1") and affected(store, "2.0") and not affected(store, "4.0")
    harbour = [s for s in found if s.product == "HarbourOS"]
    assert affected(harbour, "9.1.3") and not affected(harbour, "9.1.4")


def test_a_bare_build_number_bound_that_is_the_subject_of_a_verb_is_a_build() -> None:
    found = read("StoreOS Pro before 20417 lets a few report pages load without a login; build 20417 closes it.")
    assert ranges(found) == [{"introduced": "0", "fixed": "20417"}]
    assert affected(found, "20416") and not affected(found, "20417")
    found = read("Harbour Agent through 6215 has a stored scripting flaw.")
    assert ranges(found) == [{"introduced": "0", "last_affected": "6215"}]
    assert affected(found, "6215") and not affected(found, "6216")
    assert read("Harbour Agent licences cover up to 5000 seats.") == []


def test_a_list_named_as_affected_after_a_patch_bulletins_name_is_affected_whole() -> None:
    text = "The June Security Patch Update lists HarbourOS 4.2.1.0, 4.3.0.0 and 5.0.1.0 as affected by the relay flaw."
    found = read(text)
    assert affected(found, "4.2.1.0") and affected(found, "4.3.0.0") and affected(found, "5.0.1.0")
    assert not affected(found, "4.2.1.1")


def test_a_release_people_running_an_affected_build_should_move_to_is_the_fix() -> None:
    text = (
        "HarbourOS 6.1.x before 6.1.9 and 6.0.x before 6.0.14 are open to the relay flaw. "
        "Sites running an affected release should move to 6.1.9 or 6.0.14."
    )
    found = read(text)
    assert ranges(found) == [{"introduced": "6.0", "fixed": "6.0.14"}, {"introduced": "6.1", "fixed": "6.1.9"}]
    assert affected(found, "6.1.8") and affected(found, "6.0.13")
    assert not affected(found, "6.1.9") and not affected(found, "6.0.14")


def test_a_release_named_with_a_spaced_update_or_service_release_is_one_upper_bound() -> None:
    # "2019 Update 9" and "2022.3 SR 2" are whole release names, not a year or X.Y followed
    # by a stray number: the bound is the name, and the older release's list starts at "0".
    found = read("Harbour Agent 2022 Update 7 and earlier and 2019 Update 9 and earlier are open to the relay flaw.")
    assert ranges(found) == [
        {"introduced": "0", "last_affected": "2019 Update 9"},
        {"introduced": "2022", "last_affected": "2022 Update 7"},
    ]
    found = read("HarbourOS 2022.3 SR 2 and earlier lets a guest read the audit log.")
    assert ranges(found) == [{"introduced": "0", "last_affected": "2022.3 SR 2"}]


def test_a_list_of_every_desktop_and_mobile_platform_limits_none() -> None:
    # Five systems named together are everywhere the product runs, not two mobile statements
    # beside a desktop one.
    found = read("Harbour Agent prior to 3.4.2 on iOS, Windows, Android, macOS and Linux leaks its session token.")
    assert [(s.platform, to_json(s)["ranges"]) for s in found] == [(None, [{"introduced": "0", "fixed": "3.4.2"}])]


def test_a_having_verb_with_three_describing_words_before_the_flaw_is_an_affected_cue() -> None:
    # "carry the same old relay-parsing bug": a build that has the flaw, though the flaw's noun
    # comes six words after the verb; read as "acts on a flaw" it was a fix.
    found = read("Harbour Agent 3.2.0, along with HarbourOS 5.1.0 through 5.1.4, carry the same old relay-parsing bug.")
    assert {s.product: (list(s.versions), to_json(s)["ranges"]) for s in found} == {
        "Harbour Agent": (["3.2.0"], []),
        "HarbourOS": ([], [{"introduced": "5.1.0", "last_affected": "5.1.4"}]),
    }


def test_a_so_is_sentence_repeats_what_the_sentence_before_said() -> None:
    # "So is X": X is what the builds before were said to be; after a fix, a fix.
    found = read("HarbourOS 4.1.2 and 4.1.3 are vulnerable to the relay bug. So is Harbour Agent 2.0.7.")
    agent = [s for s in found if s.product == "Harbour Agent"]
    assert [list(s.versions) for s in agent] == [["2.0.7"]] and affected(agent, "2.0.7")
    found = read("HarbourOS 4.1.4 closes the relay bug. So does Harbour Agent 2.0.8.")
    assert not affected(found, "2.0.8") and not affected(found, "4.1.4")


def test_a_fix_on_the_release_line_of_an_affected_bound_adds_no_range() -> None:
    # The bound covers its X.Y line (3.4): the later fix on that line is no line of its own, and
    # a range { 3.4, 3.4.15 } would only guess at the builds between.
    found = read(
        "Harbour Agent 3.4.12.880 and earlier let a local user swap the updater; Harbour Agent 3.4.15 fixes it."
    )
    assert ranges(found) == [{"introduced": "0", "last_affected": "3.4.12.880"}]
    assert not affected(found, "3.4.15")


def test_a_patch_release_of_a_two_part_release_is_on_that_release_line() -> None:
    # "5.2p3" is the third patch of release 5.2, not a build of line 5 (as a bare 5.2 would be).
    found = read("Harbour Agent 5.2p3 closes the relay bug.")
    assert ranges(found) == [{"introduced": "5.2", "fixed": "5.2p3"}]
    assert not affected(found, "5.1.9")


def test_a_flaw_placed_in_the_product_on_one_platform_limits_its_versions_there() -> None:
    # The first sentence says where the flaw lives (Harbour Agent for Windows); the versions come
    # later with no platform of their own, and the other systems are said to be safe.
    found = read(
        "Researchers found a privilege escalation in Harbour Agent for Windows. Harbour Agent 3.1.0 "
        "through 3.1.6 is affected. Harbour Agent for Linux is not affected."
    )
    assert [(s.product, s.platform) for s in found] == [("Harbour Agent", "windows")]
    # Named on two platforms, it is limited to neither.
    found = read(
        "The bug sits in Harbour Agent for Windows and in Harbour Agent for macOS. Harbour Agent 3.1.0 "
        "through 3.1.6 is affected."
    )
    assert [(s.product, s.platform) for s in found] == [("Harbour Agent", None)]


def test_all_versions_of_a_list_of_release_lines_is_every_line_of_the_list() -> None:
    # "every release of HarbourOS 3.2 and 3.1": both lines whole, not 3.2 whole and a lone 3.1.
    found = read("The flaw affects all versions of HarbourOS 3.2 and 3.1, which are out of support.")
    assert ranges(found) == [{"introduced": "3.1", "fixed": "3.2"}, {"introduced": "3.2", "fixed": "3.3"}]


def test_in_all_versions_after_a_list_of_lines_is_each_lines() -> None:
    # "plus 4.0 and 3.9 in all versions": one more item of the list, and each line is whole.
    found = read("Affected: HarbourOS 4.1.0 through 4.1.5, plus 4.0 and 3.9 in all versions.")
    assert ranges(found) == [
        {"introduced": "3.9", "fixed": "3.10"},
        {"introduced": "4.0", "fixed": "4.1"},
        {"introduced": "4.1.0", "last_affected": "4.1.5"},
    ]


def test_a_colon_ends_the_product_list_before_it() -> None:
    # "hits Opal ESR on Linux: Opal Browser 120.1.4 and earlier": the versions after the colon
    # are the browser's; the ESR named before it is not listed with them.
    found = read("The crash hits Opal ESR on Linux: Opal Browser 120.1.4 and earlier are affected.")
    assert [s.product for s in found] == ["Opal Browser"]


def test_the_next_sentence_goes_on_about_the_product_whose_versions_were_stated() -> None:
    # Harbour Agent has the versions; HarbourOS is only where it runs, so the fix in the next
    # sentence is the agent's (on the line already stated), not a HarbourOS build.
    found = read(
        "Harbour Agent 3.3.x before 3.3.9 is open to a template injection when it runs on HarbourOS. "
        "Customers on an affected release should move to 3.3.9."
    )
    assert [(s.product, to_json(s)["ranges"]) for s in found] == [
        ("Harbour Agent", [{"introduced": "3.3", "fixed": "3.3.9"}])
    ]


def test_a_number_the_text_calls_a_build_is_a_fix_to_check_by_hand() -> None:
    # "in build 7731" names the fix though no operator stands next to it; its line does not
    # show, so the product is listed for review with no versions.
    found = read("Harbour Networks has fixed Harbour Agent in build 7731. Older builds let a guest run commands.")
    assert [(s.product, s.versions, s.ranges) for s in found] == [("Harbour Agent", (), ())]
    assert not alerts_on(as_statement(found[0]))
    # A release's date stamp is no build of its own.
    found = read("HarbourOS 5.0.1.2234 build 20221201 closes the relay bug.")
    assert ranges(found) == [{"introduced": "5.0", "fixed": "5.0.1.2234"}]


def test_all_versions_of_a_product_followed_by_its_ranges_is_those_ranges() -> None:
    # "Every version of HarbourOS from 2.0.0 before 2.4.7 and from 3.0.0 before 3.1.2": the
    # ranges say which; an unbounded "all" beside them would flag 3.1.2 and later too.
    found = read("All versions of HarbourOS from 2.0.0 before 2.4.7 and from 3.0.0 before 3.1.2 are affected.")
    assert ranges(found) == [{"introduced": "2.0.0", "fixed": "2.4.7"}, {"introduced": "3.0.0", "fixed": "3.1.2"}]
    assert not affected(found, "3.1.2")


def test_a_release_that_reached_end_of_life_is_its_whole_line() -> None:
    # Only a release line reaches its end of life: "3.4" is every 3.4 build, read from the
    # words rather than stated, so it goes to review rather than alerting at full confidence.
    found = read("HarbourOS 3.4 reached end of life in March and is vulnerable, with no fix planned.")
    assert ranges(found) == [{"introduced": "3.4", "fixed": "3.5"}]
    assert affected(found, "3.4.9") and found[0].confidence < 0.9


def test_a_name_at_the_end_of_a_list_may_share_the_head_of_an_earlier_one() -> None:
    # "Kestrel Gateway, Edge appliance and Vault": Vault is Kestrel Vault, though the name
    # right before it ("Edge appliance", an alias) does not hold the shared head.
    catalogue = [
        KnownProduct("Kestrel", "Kestrel Gateway"),
        KnownProduct("Kestrel", "Kestrel Edge", ("Edge appliance",)),
        KnownProduct("Kestrel", "Kestrel Vault"),
    ]
    found = extract_statements("Kestrel Gateway, Edge appliance and Vault 3.1 through 3.4 are affected.", catalogue)
    assert sorted(s.product for s in found) == ["Kestrel Edge", "Kestrel Gateway", "Kestrel Vault"]


def test_a_product_name_inside_its_makers_name_is_the_vendor() -> None:
    # "Tidewater Inc has released 5.2.8": the maker, not its StoreOS Pro product named earlier
    # in the list, nor a product of its own; the fix is the products' the sentence is about.
    catalogue = [
        KnownProduct("Tidewater", "Tidewater"),
        KnownProduct("Tidewater", "Tidewater StoreOS Pro", ("StoreOS Pro",)),
    ]
    found = extract_statements(
        "Tidewater and StoreOS Pro from 4.0.0 before 4.9.3 leak session keys, and Tidewater Inc has released 5.2.8 "
        "for the newer line.",
        catalogue,
    )
    assert {s.product: len(s.ranges) for s in found} == {"Tidewater": 2, "Tidewater StoreOS Pro": 2}


def test_fixes_named_before_their_product_wait_for_the_next_product() -> None:
    # "3.2.9 and 3.1.14 for HarbourOS and 2.0.6 for Harbour Agent": each product follows its
    # own fixes, so 2.0.6 is the agent's, not another HarbourOS line.
    found = read("The fixed releases are 3.2.9 and 3.1.14 for HarbourOS and 2.0.6 for Harbour Agent.")
    assert {s.product: to_json(s)["ranges"] for s in found} == {
        "HarbourOS": [{"introduced": "3.2", "fixed": "3.2.9"}, {"introduced": "3.1", "fixed": "3.1.14"}],
        "Harbour Agent": [{"introduced": "2.0", "fixed": "2.0.6"}],
    }


def test_a_release_that_allows_a_kind_of_flaw_is_affected() -> None:
    # "allows SQL injection", "enables remote command execution": the release has the flaw;
    # without a cue the build would read as a fix.
    found = read("A parsing slip in the search box of HarbourOS 4.4.1 and 4.4.2 allows SQL injection by guests.")
    assert [list(s.versions) for s in found] == [["4.4.1", "4.4.2"]] and affected(found, "4.4.2")
    found = read("Harbour Agent 2.9.3 enables remote command execution through its update channel.")
    assert [list(s.versions) for s in found] == [["2.9.3"]]


def test_a_release_said_further_on_to_be_end_of_life_and_vulnerable_is_its_whole_line() -> None:
    # "should note that this release is end of life and is also vulnerable": what is noted is
    # said of 3.4 itself (no relative clause about another noun), and only a line ends its life.
    found = read("Sites on HarbourOS 3.4 should note that this release is end of life and is also vulnerable.")
    assert ranges(found) == [{"introduced": "3.4", "fixed": "3.5"}]


def test_a_damaged_bound_after_a_line_keeps_the_line() -> None:
    # "5.2 before 3.14": no range starts above its own end, so 3.14 is a damaged 5.2 build (the
    # range goes to review); "5.1 are affected before 5.19.3" ran a 5.1 build's digits together.
    found = read("Affected: HarbourOS 5.2 before 3.14, 5.1 before 5.0.9.")
    assert ranges(found) == [{"introduced": "5.2", "fixed": "3.14"}, {"introduced": "5.1", "fixed": "5.0.9"}]
    assert all(s.suspect for s in found)
    found = read("HarbourOS 5.1 are affected before 5.19.3.")
    assert ranges(found) == [{"introduced": "5.1", "fixed": "5.19.3"}]


def test_builds_that_shipped_something_malicious_are_affected() -> None:
    # "which bundled a malicious updater.dll": the builds themselves are compromised; read
    # without a cue they were fixes.
    found = read("Admins should look for Harbour Agent builds 2.6.41 and 2.6.44, which bundled a malicious updater.")
    assert [list(s.versions) for s in found] == [["2.6.41", "2.6.44"]] and affected(found, "2.6.44")


def test_an_undotted_build_in_a_product_row_is_a_build() -> None:
    # A flattened table row: "Harbour Agent: 6637" names the agent's fixed build, whose line
    # does not show, so the agent is listed for review beside the dotted row.
    found = read("The fixed builds are, by product, HarbourOS: 4.2.8.1; Harbour Agent: 6637.")
    assert {s.product: (s.versions, len(s.ranges)) for s in found} == {"HarbourOS": ((), 1), "Harbour Agent": ((), 0)}


def test_a_date_where_an_and_earlier_bound_was_is_kept_as_printed_for_review() -> None:
    # A spreadsheet turned the build into a date; "and all previous versions" still says every
    # release up to it, from "0" (no vendor scopes it to a line), marked suspect for review.
    found = read("A scanner export lists Harbour Agent 03/04/2022 and all previous versions as exposed to the bug.")
    assert ranges(found) == [{"introduced": "0", "last_affected": "03/04/2022"}]
    assert found[0].suspect and not alerts_on(as_statement(found[0]))


def test_an_affected_cue_said_not_to_hold_is_no_affected_cue() -> None:
    # "no longer allows", "does not contain": how a fixed build is described; read as a cue the
    # fix would be reported affected.
    for text in (
        "HarbourOS 4.4.3 no longer allows SQL injection through the search box.",
        "HarbourOS 4.4.3 does not contain the flaw.",
        "HarbourOS 4.4.3 doesn't have the bug.",
    ):
        found = read(text)
        assert not affected(found, "4.4.3"), text


def test_a_variant_line_right_before_its_build_labels_the_build() -> None:
    # "HarbourOS 14.2-FIPS 14.2-20.55": the FIPS line, then the build that fixes it, not a fix
    # of line 14 for FIPS and a plain HarbourOS build.
    found = read("The fixed builds are HarbourOS 14.2-31.10, and HarbourOS 14.2-FIPS 14.2-20.55.")
    assert {s.product: to_json(s)["ranges"] for s in found} == {
        "HarbourOS": [{"introduced": "14.2", "fixed": "14.2-31.10"}],
        "HarbourOS FIPS": [{"introduced": "14.2", "fixed": "14.2-20.55"}],
    }


def test_a_model_code_in_brackets_after_a_firmware_build_is_part_of_the_build() -> None:
    # Zyxel-style "5.10(ABCD.3)": the bracket names the model's own build of 5.10; cut at the
    # bracket, the bound would cover every 5.10 build of every model.
    found = read("Harbour Agent firmware 5.10(ABCD.3) and earlier is vulnerable to a command injection.")
    assert ranges(found) == [{"introduced": "0", "last_affected": "5.10(ABCD.3)"}]


def test_a_flaw_that_reaches_a_product_makes_its_build_affected() -> None:
    # "The bug also reaches X on 4.2.1": the flaw is in that build; with no affected cue the
    # build was read as a fix.
    found = read("The same path traversal (CVE-2024-0001) also reaches the Harbour Agent appliance on build 6.2.1.")
    assert affected(found, "6.2.1")
    found = read("The flaw extends to HarbourOS 4.4.1 as well.")
    assert affected(found, "4.4.1")


def test_builds_that_contain_a_described_flaw_are_affected() -> None:
    # "contain an unauthenticated deserialisation flaw": describing words, then the flaw noun
    # itself (not only a kind of flaw), in either spelling; without the cue they were fixes.
    for text in (
        "HarbourOS 4.2.0.1 and 4.3.0.2 contain an unauthenticated deserialisation flaw.",
        "HarbourOS 4.2.0.1 and 4.3.0.2 contain a remote deserialization.",
        "HarbourOS 4.2.0.1 and 4.3.0.2 contain a critical memory-handling bug.",
    ):
        found = read(text)
        assert [list(s.versions) for s in found] == [["4.2.0.1", "4.3.0.2"]], text


def test_a_release_that_prevents_the_attack_is_where_the_fix_is() -> None:
    # "from 6.1.2 a new default prevents the exploit": the release that prevents it is the fix,
    # not the start of an affected range.
    found = read(
        "Harbour Agent through 6.0.9 contains a deserialization flaw,"
        " and from 6.1.2 a new default prevents the exploit."
    )
    assert affected(found, "6.0.9") and not affected(found, "6.1.2")


def test_a_release_year_and_a_spaced_service_update_is_one_bound() -> None:
    # "prior to 2023 SU 2": the year and its service update, written with a space before the
    # number, are the bound; unread, the sentence gave no statement at all.
    found = read("An SQL injection is present in Harbour Agent releases prior to 2023 SU 2.")
    assert ranges(found) == [{"introduced": "0", "fixed": "2023 SU 2"}]


def test_an_and_earlier_bound_whose_line_repeats_the_product_adds_no_whole_line() -> None:
    # "4.2.7 and earlier HarbourOS 4.2 versions": one bound on the 4.2 line; the repeated name
    # and "4.2" only say which line, not that every 4.2 build is affected beside it.
    found = read("HarbourOS 4.1.0 through 4.1.3 and 4.2.7 and earlier HarbourOS 4.2 versions are vulnerable.")
    assert [list(s.versions) for s in found] == [[]]
    assert ranges(found) == [
        {"introduced": "4.1.0", "last_affected": "4.1.3"},
        {"introduced": "4.2", "last_affected": "4.2.7"},
    ]


def test_a_bare_build_listed_among_and_below_bounds_is_affected() -> None:
    # "HarbourOS 5.1.0, 5.0.6 and below and 4.9.9 and below": the bare 5.1.0 is one more item of
    # the affected list; read as a fix it would clear 5.1.0. A fix list stays a fix list.
    found = read("A command injection over the admin port in HarbourOS 5.1.0, 5.0.6 and below and 4.9.9 and below.")
    assert [list(s.versions) for s in found] == [["5.1.0"]] and affected(found, "5.1.0")
    found = read("HarbourOS 4.9.9 and below are exposed; upgrade to 5.1.0, 5.0.7 or later.")
    assert not affected(found, "5.1.0") and affected(found, "4.9.9")


def test_a_build_that_is_the_subject_of_what_it_does_with_a_flaw_is_not_read_as_a_fix() -> None:
    # "Harbour Agent 6.3.0-12 can leak ...", "HarbourOS 4.4.2 exposes ...": no fix word, no
    # affected cue; read as a fix by default, the statement would clear the very build the
    # sentence blames, so the extractor says nothing rather than guess.
    for text in (
        "Harbour Agent 6.3.0-12 can leak the contents of an arbitrary local file into a report it renders.",
        "HarbourOS 4.4.2 exposes the debugAccess RPC method, so an attacker on the network can reboot it.",
    ):
        found = read(text)
        assert not any(to_json(s)["ranges"] for s in found), text
    # A release that an announcement names stays a fix, and so does one in a clause that
    # speaks of no flaw, or one that "can be" installed.
    for text in (
        "HarbourOS 4.4.3 is rolling out to all appliances this week.",
        "HarbourOS 4.4.3 ships with a new kernel.",
        "HarbourOS 4.4.3 can be downloaded now, as attackers are exploiting the flaw.",
    ):
        assert ranges(read(text)) == [{"introduced": "4.4", "fixed": "4.4.3"}], text


def test_closing_and_fixing_participles_name_the_fix() -> None:
    # "..., closing an injection flaw": the participle says what the release does; without it
    # the build ("can be installed") had no fix word and went unstated.
    found = read("HarbourOS 4.4.3 can be installed now, closing an injection flaw.")
    assert ranges(found) == [{"introduced": "4.4", "fixed": "4.4.3"}]
    found = read("HarbourOS 4.4.3 may be installed today, fixing a traversal flaw.")
    assert ranges(found) == [{"introduced": "4.4", "fixed": "4.4.3"}]


def test_a_bracket_glued_into_a_build_is_kept_whole_and_sent_to_review() -> None:
    # "HarbourOS 12.4(2)T7 and earlier": cut at the bracket, the reading was the one build
    # "12.4" with the bound lost, at alert confidence. Kept whole, the bound stays; the scheme
    # is the vendor's own, so the statement is suspect and reaches the review list only.
    found = read("HarbourOS 12.4(2)T7 and earlier are vulnerable to a crafted packet.")
    assert ranges(found) == [{"introduced": "0", "last_affected": "12.4(2)T7"}]
    assert found[0].suspect and not alerts_on(as_statement(found[0]))
    # The model build Zyxel prints in brackets is a known shape: no review for it alone.
    found = read("Harbour Agent firmware 5.10(ABCD.3) and earlier is vulnerable to a command injection.")
    assert not found[0].suspect


def test_a_service_pack_or_maintenance_release_with_a_space_before_its_number_is_the_bound() -> None:
    # "6.30 SP 12 and earlier": unread, the bound was lost and 6.30 alone stated affected (at
    # alert confidence), so 6.30 SP 12 looked clean; the same for "MR 3" and "SP 2 FP 1".
    found = read("HarbourOS 6.30 SP 12 and earlier are exposed to the injection.")
    assert ranges(found) == [{"introduced": "0", "last_affected": "6.30 SP 12"}]
    assert affected(found, "6.30 SP 11") and not affected(found, "6.30 SP 13")
    found = read("Harbour Agent 11.2 MR 3 and below are vulnerable, as is HarbourOS 8.1 SP 2 FP 1.")
    assert [r["last_affected"] for r in ranges(found)] == ["11.2 MR 3"]
    assert [list(s.versions) for s in found if s.versions] == [["8.1 SP 2 FP 1"]]
