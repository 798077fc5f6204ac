"""CVE JSON 5 `affected[]` entries -> statements, with each CNA habit read as it is meant.

A product's `versions[]` items each give a status (affected / unaffected / unknown) to one
version, to a range (`version` up to `lessThan` or `lessThanOrEqual`, switched by `changes[]`)
or, in Atlassian's habit, to a comparison written inside `version` (">= 8.5.2"). Versions no
item covers have the product's `defaultStatus`. Here every item becomes pieces of the version
line with a status, and the affected set is worked out on the line, in the product's scheme:

- `defaultStatus` unaffected, unknown or missing: the affected pieces less the unaffected ones.
  Outside them is "not affected": that is how every CNA (Chrome, Fortinet, Citrix) writes it.
- `defaultStatus` affected: everything but the unaffected pieces (Jenkins, the kernel). With
  no unaffected piece at all (PHP), a range's end starts a fixed tail to the end of its
  release line, and the newest one to the end of time: 8.1.* below 8.1.29 leaves 8.1.29 and
  later 8.1 releases clear, and older lines affected, as PHP means it.

Habits: Chrome's `version` equal to `lessThan` is "below it"; "0", "unspecified" and "*"
start from the beginning; "8.1.*" is the 8.1 line, and "2.426.*" as a bound the rest of that
line; Citrix's `versionType: patch` bound is a build of the release in `version`, and a
"13.1-FIPS" release is the product's FIPS variant (a product of its own, as the catalogue
has it). Oracle writes each version as "Product:build" ("Oracle Java SE:8u391", "Oracle GraalVM
for JDK:17.0.9"): the part before ":" names the product (Java SE stays the entry's product;
GraalVM is a product of its own), and the build is the newest affected build of its line, so
it stands for its line up to and including it, as NVD's reader reads Oracle's CPEs (8u391 is
8 to 8u391; a line Oracle does not list is not affected). Several bounds from the start, one
per release line (Mozilla's "< 128.3.1" and "< 115.16.1"), are each read on their own line,
with the lines between them undecided ("check manually"): cve_versions.per_line.
What cannot be read ("publication", a sentence, "n/a", bounds out of order) is never
"not affected": the product gets a statement with no versions and a note quoting the record,
which the matcher reports as UNKNOWN ("check manually"). Git commit ranges cannot be compared
with an installed version either; an entry that has only them is dropped when another entry
for the product gives versions, else it is "check manually" too.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from advisories.models import AffectedProduct, Bound, VersionRange
from advisories.products import VARIANT_WORDS, parse_cpe
from advisories.sanitise import clean_header_text
from advisories.sources.cve_versions import (
    AFFECTED,
    END,
    START,
    UNAFFECTED,
    UNKNOWN,
    Group,
    Pos,
    Span,
    affected_spans,
    is_na,
    obj,
    objs,
    quote,
    read_item,
    read_newest_of_line,
    text,
    timeline,
)
from advisories.sources.nvd import _SCHEMES as NVD_SCHEMES

__all__ = ["is_na", "obj", "objs", "quote", "statements", "text"]

_MAX_ENTRIES = 500  # affected[] entries read per container; real records have at most ~100
_MAX_ITEMS = 2000  # versions[] items per entry
_VARIANT = re.compile(r"(\d+(?:\.\d+)*)[-\s]+([A-Za-z][A-Za-z0-9]*)")  # "13.1-FIPS"
_VERSION_TYPES = {"maven": "maven", "rpm": "rpm"}  # the others ("semver", "custom") say little
_PLATFORMS = {
    "windows": "windows", "macos": "macos", "mac os": "macos", "mac os x": "macos", "os x": "macos",
    "mac": "macos", "linux": "linux", "ios": "ios", "ipados": "ios", "android": "android",
}
# Oracle's "Product:build" versions, for its Java family only (the java scheme reads their builds).
_NAMED_BUILD = re.compile(r"([A-Za-z][^:]{0,80}):\s*(\d\S{0,40})")
_JAVA_FAMILY = re.compile(r"\b(?:java|jdk|jre|graalvm)\b", re.I)
# Microsoft names the hardware ("x64-based Systems", "32-bit Systems", "ARM64-based Systems").
_MICROSOFT_HARDWARE = re.compile(r"\b(?:based|bit)\s+systems?\b", re.I)



def statements(entries: Any, who: str) -> tuple[list[AffectedProduct], bool]:
    """The statements of a container's `affected[]`, and whether it named any product at all
    (False when every entry is vendor and product "n/a": a prose-only record).

    `who` names the record in notes ("Fortinet's CVE record")."""
    groups: dict[tuple[Any, ...], Group] = {}
    named = False
    for entry in objs(entries)[:_MAX_ENTRIES]:
        vendor, product = text(entry.get("vendor")), text(entry.get("product"))
        if is_na(product) and is_na(vendor):
            continue
        named = True
        _read_entry(entry, groups)
    out: list[AffectedProduct] = []
    for group in groups.values():
        if group.commits and not (group.pieces or group.unreadable or group.comparisons):
            if _others_give_versions(group, groups.values()):
                continue  # the kernel's git ranges beside its own semver ranges
            sample = f"{group.commits[0]}"
            out.extend(_unknown(group, f"{who} gives the affected versions of {group.product} only as "
                                       f"git commits (such as {quote(sample)}), which cannot be "
                                       "compared with an installed version"))
            continue
        out.extend(_group_statements(group, who))
    return out, named


def _others_give_versions(group: Group, groups: Any) -> bool:
    return any(
        g is not group and (g.vendor, g.product) == (group.vendor, group.product) and (g.pieces or g.comparisons)
        for g in groups
    )


# --- reading an entry ---------------------------------------------------------------------------


def _name(value: str) -> str:
    # CISA-ADP copies NVD's CPE names ("moveit_transfer"); a space reads and keys the same.
    name = clean_header_text(value, 120)
    return name.replace("_", " ") if "_" in name and name == name.lower() else name


def _read_entry(entry: dict[str, Any], groups: dict[tuple[Any, ...], Group]) -> None:
    vendor = "" if is_na(text(entry.get("vendor"))) else _name(text(entry.get("vendor")))
    product = _name(text(entry.get("product")))
    cpes = [c for c in (text(c) for c in (entry.get("cpes") or [])[:50]) if parse_cpe(c)] if isinstance(
        entry.get("cpes"), list) else []
    cpe = cpes[0] if cpes else None
    platforms = _platforms(entry.get("platforms"), vendor)
    default = text(entry.get("defaultStatus")).lower() or UNKNOWN
    scheme = _scheme(cpe, entry)
    note = _entry_note(entry)
    items = objs(entry.get("versions"))[:_MAX_ITEMS]
    newest = _oracle_builds(items, vendor, product)

    def group_for(variant: str, name: str | None = None) -> Group:
        name = name or (f"{product} {variant}" if variant else product)
        own_scheme, own_note = ("java", _join(note, _newest_note(newest[name]))) if name in newest else (scheme, note)
        key = (vendor.casefold(), name.casefold(), platforms, default, own_scheme, own_note)
        found = groups.get(key)
        if found is None:
            found = groups[key] = Group(vendor, name, platforms, cpe, own_scheme, default, own_note)
        return found

    if not items:
        group_for("")  # the defaultStatus alone speaks for the product
    for item in items:
        version = text(item.get("version"))
        variant = _VARIANT.fullmatch(version)
        named = _oracle_build(version, vendor, product)
        if named:
            read_newest_of_line(item, named[1], group_for("", named[0]))
        elif variant and variant.group(2).casefold() in VARIANT_WORDS:
            read_item(item, variant.group(1), group_for(variant.group(2)))
        else:
            read_item(item, version, group_for(""))


def _oracle_build(version: str, vendor: str, product: str) -> tuple[str, str] | None:
    """(product name, build) of Oracle's "Oracle Java SE:8u391"; None for any other version.

    The part before ":" names the product: the entry's own when its words are all in the
    entry's name ("Java SE" in "Java SE JDK and JRE"), else a product of its own ("GraalVM for
    JDK", the vendor's name taken off), so GraalVM's builds never speak for Java SE."""
    named = _NAMED_BUILD.fullmatch(version) if vendor.casefold().startswith("oracle") else None
    if named is None or not _JAVA_FAMILY.search(named.group(1)):
        return None
    words = named.group(1).split()
    if len(words) > 1 and words[0].casefold() == vendor.split()[0].casefold():
        words = words[1:]
    own = {w.casefold() for w in product.split()}
    name = product if {w.casefold() for w in words} <= own else _name(" ".join(words))
    return name, named.group(2)


def _oracle_builds(items: list[dict[str, Any]], vendor: str, product: str) -> dict[str, list[str]]:
    builds: dict[str, list[str]] = {}
    for item in items:
        named = _oracle_build(text(item.get("version")), vendor, product)
        if named:
            builds.setdefault(named[0], []).append(quote(named[1]))
    return builds


def _newest_note(builds: list[str]) -> str:
    # Said on the statement and the alert because the ranges reach below the builds listed.
    shown = ", ".join(list(dict.fromkeys(builds))[:10])
    return (f"Oracle names only the newest affected build of each line ({shown}), "
            "so earlier builds of those lines are affected too")


def _join(*notes: str | None) -> str | None:
    return "; ".join(n for n in notes if n) or None


def _platforms(value: Any, vendor: str) -> tuple[str, ...]:
    """Our platform names for the entry's `platforms`, or ("any",) when one is not a platform
    we know: a statement is never narrowed on a guess."""
    found: list[str] = []
    for raw in value[:50] if isinstance(value, list) else []:
        word = text(raw).casefold()
        if word in _PLATFORMS:
            found.append(_PLATFORMS[word])
        elif word.startswith("windows") or (vendor.casefold() == "microsoft" and _MICROSOFT_HARDWARE.search(word)):
            found.append("windows")
        elif word.startswith(("macos", "mac os")):
            found.append("macos")
        else:
            return ("any",)
    return tuple(dict.fromkeys(found)) or ("any",)


def _scheme(cpe: str | None, entry: dict[str, Any]) -> str | None:
    fields = parse_cpe(cpe) if cpe else None
    if fields is not None and (fields[1], fields[2]) in NVD_SCHEMES:
        return NVD_SCHEMES[fields[1], fields[2]]
    types = {text(i.get("versionType")).lower() for i in objs(entry.get("versions"))}
    found = {_VERSION_TYPES[t] for t in types if t in _VERSION_TYPES}
    return found.pop() if len(found) == 1 and len(types) == 1 else None


def _entry_note(entry: dict[str, Any]) -> str | None:
    parts: list[str] = []
    modules = [quote(text(m)) for m in (entry.get("modules") or [])[:5] if text(m)] if isinstance(
        entry.get("modules"), list) else []
    if modules:
        parts.append(f"only in its {', '.join(modules)} module{'s' if len(modules) > 1 else ''}")
    package = quote(text(entry.get("packageName")))
    if package and package.casefold() != text(entry.get("product")).casefold():
        parts.append(f"the {package} package")
    return "; ".join(parts) or None


def _group_statements(group: Group, who: str) -> list[AffectedProduct]:
    usable = group.pieces or group.comparisons
    notes: list[str] = []
    spans: list[Span] = []
    undecided: list[Span] = []
    if usable:
        spans, unknown, undecided = affected_spans(group)
        if group.default == AFFECTED and not spans and not unknown and not _has_clear(group):
            notes.append(f"{who} says every version of {group.product} is affected, without naming any")
        if unknown:
            notes.append(f"{who} gives the status of some versions of {group.product} as unknown")
    elif not group.unreadable and group.default != UNAFFECTED:
        notes.append(
            f"{who} names {group.product} as affected without naming its versions"
            if group.default == AFFECTED
            else f"{who} names {group.product} but gives no affected versions"
        )
    if group.unreadable:
        more = len(group.unreadable) - 3
        shown = "; ".join(group.unreadable[:3]) + (f"; and {more} more" if more > 0 else "")
        notes.append(f"{who} gives {group.product} {shown}, which cannot be compared with an installed version")
    out = [s for platform in group.platforms for s in _as_statements(group, platform, spans, undecided)]
    for note in notes:
        out.extend(_unknown(group, note))
    return out


def _has_clear(group: Group) -> bool:
    return any(p.status == UNAFFECTED for p in group.pieces + timeline(group))


def _as_statements(group: Group, platform: str, spans: list[Span], undecided: list[Span]) -> list[AffectedProduct]:
    if not spans:
        return []
    points: list[str] = []
    ranges: list[VersionRange] = []
    for lo, hi in spans:
        if lo != START and hi != END and lo[1] == hi[1] and lo[2] == 0 and hi[2] == 1:
            points.append(group.texts[lo[1]])
        else:
            ranges.append(VersionRange(_bound(lo, group, lower=True), _bound(hi, group, lower=False)))
    base = _base(group, platform)
    if not ranges and not points:
        return []
    gaps = tuple(VersionRange(_bound(lo, group, lower=True), _bound(hi, group, lower=False)) for lo, hi in undecided)
    return [replace(base, versions=tuple(points), ranges=tuple(ranges), all_versions=False, undecided=gaps)]


def _bound(pos: Pos, group: Group, *, lower: bool) -> Bound | None:
    if pos in (START, END):
        return None
    written = group.texts[pos[1]]
    return Bound(written, pos[2] == 0) if lower else Bound(written, pos[2] == 1)


def _base(group: Group, platform: str) -> AffectedProduct:
    return AffectedProduct(vendor=group.vendor, product=group.product, platform=platform,
                           scheme=group.scheme, cpe=group.cpe, note=group.note)


def _unknown(group: Group, note: str) -> list[AffectedProduct]:
    """A statement with no versions: the matcher reports every version as UNKNOWN, with the note."""
    said = f"{note} ({group.note})" if group.note else note
    return [replace(_base(group, platform), note=said) for platform in group.platforms]
