"""One incident, one entry: a CVE group and the NCSC items about it.

merge.merge_by_cve already makes one advisory of every source naming the same CVEs. An NCSC
news item often names no CVE at all ("The NCSC is aware of a supply-chain compromise affecting
the 3CX DesktopApp ..."), so it is folded into the groups it names: by a shared CVE, by a link
to one of the group's pages, or by one of the group's product names (or aliases) written out
in its title or text. Only names long enough to be specific count ("3CX Desktop App", never
"Windows"), and an NCSC item that gives CVEs is folded by them alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from advisories.models import Advisory
from advisories.priority import order_key
from advisories.sanitise import safe_url

NCSC_DOMAIN = "ncsc.gov.uk"
MIN_NAME = 8  # squashed characters: "3cxdesktop" counts, "windows" or "chrome" does not
_SQUASH = re.compile(r"[^a-z0-9]+")


def item_link(advisory: Advisory) -> str | None:
    return safe_url(advisory.url) or next(filter(None, map(safe_url, advisory.links)), None)


def is_ncsc_link(url: str | None) -> bool:
    """An https link on ncsc.gov.uk or one of its subdomains.

    By the link's host, never the feed's name or the source: a feed item can link anywhere,
    and the bulletin labels NCSC links "Read it on ncsc.gov.uk".
    """
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower().rstrip(".")
    return parts.scheme.lower() == "https" and (
        host == NCSC_DOMAIN or host.endswith("." + NCSC_DOMAIN))


def is_ncsc(advisory: Advisory) -> bool:
    """Listed under NCSC updates: the link the bulletin shows for it is the NCSC's own."""
    return is_ncsc_link(item_link(advisory))


@dataclass(frozen=True)
class Incident:
    """`main` gives the title, severity and order; `members` every CVE group in it (main first);
    `ncsc` the NCSC items about it, whose links come first."""

    main: Advisory
    members: tuple[Advisory, ...]
    ncsc: tuple[Advisory, ...] = ()

    @property
    def id(self) -> str:
        return self.main.id

    @property
    def exploited(self) -> bool:
        return any(m.exploited for m in self.members)

    def links(self) -> tuple[str, ...]:
        found = [item_link(a) for a in self.ncsc]
        for m in self.members:
            found += [safe_url(m.url), *map(safe_url, m.links)]
        ncsc_first = sorted(dict.fromkeys(u for u in found if u), key=lambda u: not is_ncsc_link(u))
        return tuple(ncsc_first)


def squash(text: str) -> str:
    return _SQUASH.sub("", text.casefold())


def names(group: Advisory) -> set[str]:
    found = {squash(n) for s in group.affects for n in (s.product, *s.aliases)}
    return {n for n in found if len(n) >= MIN_NAME}


def names_group(item: Advisory, group: Advisory) -> bool:
    """Whether the NCSC `item` is about `group` (see the module's docstring)."""
    if item.cves:
        return bool(set(item.cves) & set(group.cves))
    text = " ".join((item.title, item.summary, item.article))
    pages = {u for u in (group.url, *group.links) if u}
    if any(page in text or page in item.links for page in pages):
        return True
    flat = squash(text)
    return any(name in flat for name in names(group))


def fold(groups: Iterable[Advisory], members: Mapping[str, list[Advisory]]) -> list[Incident]:
    """The week's CVE groups as incidents. `members`: group id -> the stored advisories in it,
    so a group holding an NCSC item (the NCSC gave the CVE) counts as NCSC-backed."""
    groups = list(groups)
    lone = [g for g in groups if is_ncsc(g) and not g.affects]
    rest = [g for g in groups if g not in lone]
    folded: dict[str, list[Advisory]] = {g.id: [] for g in rest}
    kept = []
    for item in lone:
        named = [g for g in rest if names_group(item, g)]
        for g in named:
            folded[g.id].append(item)
        if not named:
            kept.append(Incident(item, (item,), (item,)))
    for g in rest:
        inside = [m for m in members.get(g.id, []) if is_ncsc(m)] or ([g] if is_ncsc(g) else [])
        ncsc = tuple(dict.fromkeys([*inside, *folded[g.id]]))
        kept.append(Incident(g, (g,), ncsc))
    return _join_shared(kept)


def _join_shared(incidents: list[Incident]) -> list[Incident]:
    """An NCSC item naming two groups makes them one incident, led by the more urgent."""
    by_item: dict[str, list[Incident]] = {}
    for inc in incidents:
        for item in inc.ncsc:
            by_item.setdefault(item.id, []).append(inc)
    out, used = [], set()
    for inc in sorted(incidents, key=lambda i: order_key(i.main)):
        if inc.id in used:
            continue
        together = {inc.id: inc}
        for item in inc.ncsc:
            together.update({i.id: i for i in by_item[item.id]})
        used |= set(together)
        parts = sorted(together.values(), key=lambda i: order_key(i.main))
        members = tuple(dict.fromkeys(m for p in parts for m in p.members))
        ncsc = tuple(dict.fromkeys(n for p in parts for n in p.ncsc))
        out.append(Incident(parts[0].main, members, ncsc))
    return out
