"""Property tests: every scheme is a total order that agrees with its normalised form, and
range containment agrees with compare() at and around each bound."""

from __future__ import annotations

import random
import re
from functools import cmp_to_key

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from advisories.models import AffectedProduct, Bound, Status, VersionRange
from advisories.versions import compare, compile_statement, osv_range, parse_vers, parse_version

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

small = st.integers(min_value=0, max_value=12)
nums = st.lists(small, min_size=1, max_size=5)


def dotted(parts: list[int]) -> str:
    return ".".join(map(str, parts))


@st.composite
def generic_versions(draw: st.DrawFn, max_parts: int = 5) -> str:
    """Plain generic versions: numbers with pre-release words or trailing letters."""
    base = dotted(draw(st.lists(small, min_size=1, max_size=max_parts)))
    suffix = draw(
        st.sampled_from(["", "", "-alpha", "-beta", "-rc", "a", "w", "za", " Update", "-preview"])
    )
    tail = str(draw(small)) if suffix and suffix != " Update" and draw(st.booleans()) else ""
    prefix = draw(st.sampled_from(["", "", "v", "V", " "]))
    return f"{prefix}{base}{suffix}{tail}"


# Update labels, each in the spellings vendors, inventories and NVD CPEs use.
LABEL_SPELLINGS = {
    "update": ["u", "U", " Update ", " update_", " upd "],
    "cu": [" CU", " cumulative_update_", " Cumulative Update "],
    "sp": [" SP", " Service Pack "],
    "hf": [" HF ", " hotfix "],
}


@st.composite
def labelled_versions(draw: st.DrawFn, depth: int, word: str) -> str:
    """A base of `depth` numbers plus an update label: "7.0 U3c", "2019 CU13", "8u381"."""
    base = dotted(draw(st.lists(small, min_size=depth, max_size=depth)))
    spelling = draw(st.sampled_from(LABEL_SPELLINGS[word]))
    letter = draw(st.sampled_from(["", "", "a", "c"]))
    prefix = draw(st.sampled_from(["", "v", "V"]))
    return f"{prefix}{base}{spelling}{draw(small)}{letter}"


label_words = st.sampled_from(sorted(LABEL_SPELLINGS))

# One notation at a time is totally ordered: plain versions, or one label on bases of one
# depth together with plain versions written no finer than that base.
generic_notations = st.one_of(
    st.just(generic_versions()),
    st.builds(
        lambda depth, word: st.one_of(labelled_versions(depth, word), generic_versions(depth)),
        st.integers(1, 3),
        label_words,
    ),
)


@st.composite
def maven_versions(draw: st.DrawFn) -> str:
    qualifier = draw(
        st.sampled_from(
            ["", "-alpha-1", "-beta2", ".RELEASE", "-SNAPSHOT", "-sp1", ".Final", "-rc1", "-M1"]
        )
    )
    return dotted(draw(nums)) + qualifier


@st.composite
def semver_versions(draw: st.DrawFn) -> str:
    core = dotted(draw(st.lists(small, min_size=3, max_size=3)))
    ids = draw(
        st.lists(st.one_of(st.sampled_from(["alpha", "beta", "rc"]), small.map(str)), max_size=3)
    )
    build = draw(st.sampled_from(["", "+build.5", "+001"]))
    return core + (f"-{'.'.join(ids)}" if ids else "") + build


@st.composite
def pep440_versions(draw: st.DrawFn) -> str:
    epoch = draw(st.sampled_from(["", "", "1!"]))
    pre = draw(st.sampled_from(["", "a1", "b2", "rc1"]))
    post = draw(st.sampled_from(["", ".post1"]))
    dev = draw(st.sampled_from(["", ".dev0"]))
    return f"{epoch}{dotted(draw(nums))}{pre}{post}{dev}"


deb_chunk = st.text(alphabet="0123456789abcz.+~", min_size=0, max_size=6)


@st.composite
def deb_versions(draw: st.DrawFn) -> str:
    epoch = draw(st.sampled_from(["", "", "1:", "2:"]))
    upstream = str(draw(small)) + draw(deb_chunk)
    revision = draw(st.sampled_from(["", "-1", "-0", "-2+deb12u3", "-1~bpo1", "-1ubuntu0.2"]))
    return f"{epoch}{upstream}{revision}"


@st.composite
def rpm_versions(draw: st.DrawFn) -> str:
    epoch = draw(st.sampled_from(["", "", "0:", "1:"]))
    version = str(draw(small)) + draw(st.text(alphabet="0123456789p.~^", max_size=5))
    release = draw(st.sampled_from(["", "-38.el9", "-38.el9_4.1", "-1.fc39", "-0"]))
    return f"{epoch}{version}{release}"


@st.composite
def openssl_versions(draw: st.DrawFn) -> str:
    letters = draw(st.sampled_from(["", "a", "k", "t", "w", "z", "za", "zg"]))
    pre = draw(st.sampled_from(["", "", "-beta1", "-pre2"]))
    return f"{draw(small)}.{draw(small)}.{draw(small)}{letters}{pre}"


@st.composite
def java_versions(draw: st.DrawFn) -> str:
    update = draw(st.integers(min_value=0, max_value=400))
    form = draw(st.sampled_from(["legacy", "dotted", "modern"]))
    if form == "legacy":
        return f"{draw(st.integers(5, 8))}u{update}"
    if form == "dotted":
        return f"1.{draw(st.integers(5, 8))}.0_{update}"
    return dotted([draw(st.integers(9, 23)), *draw(st.lists(small, max_size=3))])


CITRIX_FORMS = ("{}.{}-{}.{}", "NS{}.{}: Build {}.{}.nc", "{}.{} Build {}.{}", "{}.{} build {}.{}")
citrix_versions = st.builds(
    lambda a, b, c, d, form: form.format(a, b, c, d),
    st.integers(12, 14),
    small,
    st.integers(0, 60),
    st.integers(0, 200),
    st.sampled_from(CITRIX_FORMS),
)
ivanti_versions = st.builds(
    lambda a, b, r, p, sep: f"{a}.{b}{sep}{r}" + (f".{p}" if p else ""),
    st.sampled_from([9, 22]),
    small,
    small,
    small,
    st.sampled_from(["R", "r"]),
)
ios_train_versions = st.builds(
    lambda t, letter, rebuild, r_letter: f"15.2({t}{letter})M{rebuild}{r_letter}",
    small,
    st.sampled_from(["", "a"]),
    small,
    st.sampled_from(["", "", "a", "b"]),
)
ios_xe_versions = st.builds(
    lambda parts, letter: dotted(parts) + letter,
    st.lists(small, min_size=3, max_size=3),
    st.sampled_from(["", "a", "b", "x1"]),
)
vmware_versions = st.builds(
    lambda a, b, u, letter, spelled: f"{a}.{b} {'Update ' if spelled else 'U'}{u}{letter}",
    st.integers(6, 8),
    small,
    small,
    st.sampled_from(["", "a", "c", "o"]),
    st.booleans(),
)
nginx_versions = nums.map(dotted)

SCHEME_STRATEGIES: dict[str, st.SearchStrategy[str]] = {
    "generic": generic_versions(),
    "maven": maven_versions(),
    "semver": semver_versions(),
    "pep440": pep440_versions(),
    "deb": deb_versions(),
    "rpm": rpm_versions(),
    "openssl": openssl_versions(),
    "java": java_versions(),
    "citrix": citrix_versions,
    "ivanti": ivanti_versions,
    "cisco-ios": st.one_of(ios_train_versions, ios_xe_versions),
    "vmware": vmware_versions,
    "nginx": nginx_versions,
}


@st.composite
def scheme_and_versions(draw: st.DrawFn, count: int) -> tuple[str, list[str]]:
    scheme = draw(st.sampled_from(sorted(SCHEME_STRATEGIES)))
    strategy = SCHEME_STRATEGIES[scheme]
    if scheme == "cisco-ios":  # only one train at a time is totally ordered
        strategy = draw(st.sampled_from([ios_train_versions, ios_xe_versions]))
    if scheme == "generic":  # ...and one notation at a time
        strategy = draw(generic_notations)
    return scheme, draw(st.lists(strategy, min_size=count, max_size=count))


@SETTINGS
@given(scheme_and_versions(count=3))
def test_every_scheme_is_a_total_order(case: tuple[str, list[str]]) -> None:
    scheme, (a, b, c) = case
    parsed = [parse_version(v, scheme) for v in (a, b, c)]
    assert all(p is not None for p in parsed), (scheme, a, b, c)
    for x, y in ((a, b), (b, c), (a, c)):
        xy, yx = compare(x, y, scheme), compare(y, x, scheme)
        assert xy is not None and yx == -xy
        px, py = parse_version(x, scheme), parse_version(y, scheme)
        assert px is not None and py is not None
        assert (xy == 0) == (px.normalized == py.normalized), (x, y)
    assert compare(a, a, scheme) == 0
    ab, bc, ac = compare(a, b, scheme), compare(b, c, scheme), compare(a, c, scheme)
    assert ab is not None and bc is not None and ac is not None
    if ab <= 0 and bc <= 0:
        assert ac <= 0
    if ab >= 0 and bc >= 0:
        assert ac >= 0


@SETTINGS
@given(scheme_and_versions(count=6))
def test_sorting_is_consistent(case: tuple[str, list[str]]) -> None:
    scheme, versions = case
    ordered = sorted(versions, key=cmp_to_key(lambda x, y: compare(x, y, scheme) or 0))
    for i, x in enumerate(ordered):
        for y in ordered[i + 1 :]:
            result = compare(x, y, scheme)
            assert result is not None and result <= 0, (scheme, ordered)


def _strip_zeros(parts: list[int]) -> tuple[int, ...]:
    out = list(parts)
    while out and out[-1] == 0:
        out.pop()
    return tuple(out)


@SETTINGS
@given(nums, nums, st.integers(0, 2), st.sampled_from(["", "v", "V", "  "]))
def test_generic_numbers_compare_as_integers(
    a: list[int], b: list[int], extra_zeros: int, prefix: str
) -> None:
    spelled_a = prefix + ".".join(f"0{n}" if n and n % 3 == 0 else str(n) for n in a)
    spelled_a += ".0" * extra_zeros
    model_a, model_b = _strip_zeros(a), _strip_zeros(b)
    expected = (model_a > model_b) - (model_a < model_b)
    assert compare(spelled_a, dotted(b)) == expected


@SETTINGS
@given(st.integers(5, 8), st.integers(0, 500), st.integers(0, 500))
def test_java_spellings_agree(feature: int, u1: int, u2: int) -> None:
    expected = (u1 > u2) - (u1 < u2)
    assert compare(f"{feature}u{u1}", f"1.{feature}.0_{u2}", "java") == expected


_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")


def neighbours(version: str) -> list[str]:
    """Strings at and around a bound: itself, its last number +-1, and small suffixes."""
    out = [version, f"{version}.0", f"{version}.1", f"{version}-rc1", f"{version}a"]
    m = _LAST_NUMBER.search(version)
    if m:
        n = int(m.group(1))
        for other in (n - 1, n + 1):
            if other >= 0:
                out.append(version[: m.start()] + str(other) + version[m.end() :])
    return out


@st.composite
def bound_and_version(draw: st.DrawFn) -> tuple[str, str, str]:
    scheme, (bound,) = draw(scheme_and_versions(count=1))
    version = draw(st.sampled_from(neighbours(bound)))
    assume(parse_version(version, scheme) is not None)
    assume(compare(version, bound, scheme) is not None)
    return scheme, bound, version


def _statement(scheme: str, r: VersionRange) -> AffectedProduct:
    return AffectedProduct(vendor="v", product="p", scheme=scheme, ranges=(r,))


@SETTINGS
@given(bound_and_version(), st.booleans(), st.booleans())
def test_single_bound_containment_agrees_with_compare(
    case: tuple[str, str, str], is_lower: bool, inclusive: bool
) -> None:
    scheme, bound, version = case
    c = compare(version, bound, scheme)
    assert c is not None
    if is_lower:
        r, inside = VersionRange(Bound(bound, inclusive), None), c > 0 or (c == 0 and inclusive)
    else:
        r, inside = VersionRange(None, Bound(bound, inclusive)), c < 0 or (c == 0 and inclusive)
    verdict = compile_statement(_statement(scheme, r)).status(version)
    assert verdict.status is (Status.AFFECTED if inside else Status.NOT_AFFECTED), verdict.reason


@SETTINGS
@given(bound_and_version(), st.data())
def test_interval_containment_agrees_with_compare(
    case: tuple[str, str, str], data: st.DataObject
) -> None:
    scheme, low, version = case
    high = data.draw(st.sampled_from(neighbours(low)))
    assume(parse_version(high, scheme) is not None)
    lo_incl, hi_incl = data.draw(st.booleans()), data.draw(st.booleans())
    c_lo, c_hi = compare(version, low, scheme), compare(version, high, scheme)
    assume(c_lo is not None and c_hi is not None)
    assert c_lo is not None and c_hi is not None
    inside = (c_lo > 0 or (c_lo == 0 and lo_incl)) and (c_hi < 0 or (c_hi == 0 and hi_incl))
    r = VersionRange(Bound(low, lo_incl), Bound(high, hi_incl))
    status = compile_statement(_statement(scheme, r)).status(version).status
    assert status is (Status.AFFECTED if inside else Status.NOT_AFFECTED)


@SETTINGS
@given(scheme_and_versions(count=2))
def test_listed_versions_match_exactly_their_equals(case: tuple[str, list[str]]) -> None:
    scheme, (listed, installed) = case
    statement = AffectedProduct(vendor="v", product="p", scheme=scheme, versions=(listed,))
    status = compile_statement(statement).status(installed).status
    equal = compare(listed, installed, scheme) == 0
    assert status is (Status.AFFECTED if equal else Status.NOT_AFFECTED)


def _numbers(plain: str) -> int:
    """How many numbers a plain version starts with, trailing zeros dropped ("7.0a": 1)."""
    head = re.match(r"[\d.]*", plain.strip().lstrip("vV"))
    assert head is not None
    return len(_strip_zeros([int(n) for n in head.group().split(".") if n]))


@st.composite
def labelled_and_other(draw: st.DrawFn) -> tuple[str, int, str]:
    """(a labelled version, its base's depth, a plain or labelled version to compare with)."""
    depth = draw(st.integers(1, 3))
    labelled = draw(labelled_versions(depth, draw(label_words)))
    other = draw(st.one_of(generic_versions(), st.integers(1, 3).flatmap(
        lambda d: labelled_versions(d, "update"))))
    return labelled, depth, other


@SETTINGS
@given(labelled_and_other(), st.booleans())
def test_other_notations_are_unknown_never_not_affected(
    case: tuple[str, int, str], as_range: bool
) -> None:
    """A release written with an update label orders only against its own label on its base
    and against plain versions no finer than the base; anything else is "cannot tell", and a
    statement in one notation answers "unknown" for the other, never "not affected"."""
    labelled, depth, other = case
    c = compare(labelled, other)
    pl, po = parse_version(labelled), parse_version(other)
    assert pl is not None and po is not None and pl.line is not None
    if po.line is None:
        assert (c is None) == (_numbers(other) > depth), (labelled, other)
    elif pl.line[2] != po.line[2]:
        assert c is None
    statement = AffectedProduct(
        vendor="v",
        product="p",
        versions=() if as_range else (labelled,),
        ranges=(VersionRange(None, Bound(labelled, True)),) if as_range else (),
    )
    status = compile_statement(statement).status(other).status
    if c is None:
        assert status is Status.UNKNOWN
    else:  # inside "<= labelled" when other is at or below it
        affected = c >= 0 if as_range else c == 0
        assert status is (Status.AFFECTED if affected else Status.NOT_AFFECTED)


@SETTINGS
@given(
    st.lists(small, min_size=1, max_size=3),
    label_words,
    small,
    st.sampled_from(["", "a", "c"]),
    st.data(),
)
def test_label_spellings_agree(
    base: list[int], word: str, number: int, letter: str, data: st.DataObject
) -> None:
    spellings = LABEL_SPELLINGS[word]
    one, two = data.draw(st.sampled_from(spellings)), data.draw(st.sampled_from(spellings))
    a, b = f"{dotted(base)}{one}{number}{letter}", f"{dotted(base)}{two}{number}{letter}"
    assert compare(a, b) == 0
    assert compare(a, f"{dotted(base)}{two}{number + 1}") == -1


@SETTINGS
@given(st.integers(5, 8), st.integers(0, 500), st.integers(0, 500))
def test_java_notations_in_the_generic_scheme(feature: int, u1: int, u2: int) -> None:
    """Without the java scheme, "8u381" and "1.8.0_381" are two notations the generic scheme
    cannot line up (1.8 is 8): it says "cannot tell", never a confident order. Within one
    notation the updates order, and Java's "_381" is NVD's "update381"."""
    expected = (u1 > u2) - (u1 < u2)
    assert compare(f"{feature}u{u1}", f"1.{feature}.0_{u2}") is None
    assert compare(f"{feature}u{u1}", f"1.{feature}.0 update{u2}") is None
    assert compare(f"{feature}u{u1}", f"{feature}.0.{u2 + 1}0.{u1 % 9 + 1}") is None  # Windows
    assert compare(f"{feature}u{u1}", f"{feature} Update {u2}") == expected
    assert compare(f"1.{feature}.0_{u1}", f"1.{feature}.0 update{u2}") == expected


@SETTINGS
@given(st.integers(12, 14), small, st.integers(0, 99), st.integers(0, 200), citrix_versions)
def test_citrix_build_spelling_reads_as_release_build(
    major: int, minor: int, build: int, patch: int, other: str
) -> None:
    """ "13.1 Build 37.150" is 13.1-37.150 in the citrix and the default scheme alike."""
    spelled, canonical = f"{major}.{minor} Build {build}.{patch}", f"{major}.{minor}-{build}.{patch}"
    for scheme in (None, "citrix"):
        assert compare(spelled, canonical, scheme) == 0
        assert compare(spelled, other, scheme) == compare(canonical, other, scheme)


@st.composite
def dual_labels(draw: st.DrawFn) -> tuple[str, str, str]:
    """(fix in the marketing numbering, installed dual label, its marketing reading)."""
    year = draw(st.integers(2019, 2024))
    fix = f"{year}.{draw(small)}.{draw(small)}"
    minor, patch = draw(small), draw(small)
    marketing = f"{draw(st.integers(year - 1, year + 1))}.{minor}.{patch}"
    internal = f"{draw(st.integers(11, 16))}.{minor}.{patch}"
    return fix, f"{marketing} ({internal})", marketing


@SETTINGS
@given(dual_labels(), st.booleans())
def test_dual_label_is_judged_in_the_rules_numbering(
    case: tuple[str, str, str], last_affected: bool
) -> None:
    """Without version_aliases, "2023.0.3 (15.0.3)" is judged as 2023.0.3 when the rule speaks
    in 20xx numbers, whatever 15.0.3 (below every 20xx bound) would say."""
    fix, dual, marketing = case
    r = osv_range("0", last_affected=fix) if last_affected else osv_range("0", fixed=fix)
    statement = AffectedProduct(vendor="v", product="p", ranges=(r,))
    got = compile_statement(statement).status(dual).status
    assert got is compile_statement(statement).status(marketing).status


@SETTINGS
@given(
    st.lists(nums.map(_strip_zeros), min_size=1, max_size=6, unique=True).map(
        lambda parts: [dotted(list(p)) or "0" for p in parts]
    ),
    st.randoms(),
)
def test_vers_order_of_constraints_does_not_matter(bounds: list[str], rnd: random.Random) -> None:
    ordered = sorted(bounds, key=cmp_to_key(lambda x, y: compare(x, y) or 0))
    ops = [">=" if i % 2 == 0 else "<" for i in range(len(ordered))]
    constraints = [f"{op}{v}" for op, v in zip(ops, ordered, strict=True)]
    canonical = parse_vers("vers:generic/" + "|".join(constraints))
    rnd.shuffle(constraints)
    assert parse_vers("vers:generic/ " + " | ".join(constraints)) == canonical
    for v in ordered:
        inside = sum(compare(v, b) != -1 for b in ordered) % 2 == 1  # odd bounds at or below
        statement = AffectedProduct(vendor="v", product="p", ranges=canonical.ranges)
        status = compile_statement(statement).status(v).status
        assert status is (Status.AFFECTED if inside else Status.NOT_AFFECTED)


@SETTINGS
@given(
    st.lists(nums.map(_strip_zeros), min_size=1, max_size=6, unique=True).map(
        lambda parts: [dotted(list(p)) or "0" for p in parts]
    ),
    st.data(),
    st.randoms(),
)
def test_vers_duplicate_bounds_widen_only_their_own_version(
    bounds: list[str], data: st.DataObject, rnd: random.Random
) -> None:
    """Repeating a bound with the other inclusivity ("<2.0" and "<=2.0") puts that version
    in, as the vers spec's "<=" check does, and changes nothing else."""
    ordered = sorted(bounds, key=cmp_to_key(lambda x, y: compare(x, y) or 0))
    ops = [">=" if i % 2 == 0 else "<" for i in range(len(ordered))]
    ops = [data.draw(st.sampled_from([op, op.rstrip("=")])) for op in ops]  # > or >=, < (or <)
    constraints = [f"{op}{v}" for op, v in zip(ops, ordered, strict=True)]
    i = data.draw(st.integers(0, len(constraints) - 1))
    op, twin = ops[i], ordered[i]
    twin_op = {">=": ">", ">": ">=", "<": "<=", "<=": "<"}[op]
    base = parse_vers("vers:generic/" + "|".join(constraints))
    with_twin = [*constraints, f"{twin_op}{twin}"]
    rnd.shuffle(with_twin)
    widened = parse_vers("vers:generic/" + "|".join(with_twin))
    for v in [*ordered, *(n for b in ordered for n in neighbours(b))]:
        if parse_version(v) is None:
            continue
        before = compile_statement(AffectedProduct("v", "p", ranges=base.ranges)).status(v).status
        after = compile_statement(AffectedProduct("v", "p", ranges=widened.ranges)).status(v).status
        if compare(v, twin) == 0:
            assert after is Status.AFFECTED, (with_twin, v)
        else:
            assert after is before, (constraints, with_twin, v)
