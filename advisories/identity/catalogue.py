"""The catalogue: canonical products, and whether a row is the product a statement speaks of.

The catalogue (rules/products.toml, read by `identity.catalogue_file`) folds aliases, vendor
spellings, CPEs and purls onto one canonical key per product ("cat:<id>"). The matcher
indexes statements by `Catalogue.keys_for` and looks inventory rows up by
`Catalogue.key_for`, then confirms with `Catalogue.matches` (the release line and the vendor
check). `Catalogue.with_scheme` reads a statement in its product's version numbering.
Why a near name was not taken is `identity.explain`'s job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from advisories.cpe import parse_cpe
from advisories.errors import ConfigError
from advisories.identity.catalogue_file import CATALOGUE_PREFIX, Product, read_catalogue
from advisories.identity.explain import NearMiss, explain
from advisories.identity.lines import LINE_SCHEMES, lines_conflict, release_line, scoped, statement_line
from advisories.identity.names import bracket_names, normalise_name
from advisories.identity.packages import NAME_PURLS, PURL_PREFIX, purl_base
from advisories.identity.platforms import with_platform_dropped
from advisories.identity.vendors import maker_words, makers_agree, normalise_vendor
from advisories.models import AffectedProduct, InventoryItem

_SCHEMED_LIMIT = 1 << 16  # statements remembered by `with_scheme`
_MEMO_LIMIT = 1 << 16  # entries per look-up memo; a full one starts again

K = TypeVar("K")
V = TypeVar("V")


def _memo(memo: dict[K, V], key: K, compute: Callable[..., V], *args: Any) -> V:
    """memo[key], worked out by `compute(*args)` the first time it is asked for."""
    try:
        return memo[key]
    except KeyError:
        pass
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    value = memo[key] = compute(*args)
    return value
_CPE_IGNORED = (3, 4)  # version and update belong to the version check, not to identity


def _cpe_fits(pattern: tuple[str, ...], given: tuple[str, ...]) -> bool:
    """A catalogue pattern fits a given CPE when each pattern field that is not '*' is equal.

    '-' (the standard line, NVD's NA) also accepts '*', so "any edition" resolves to the
    standard NetScaler line and never to FIPS; '3cx:3cx' with target_sw '*' (the phone
    system) never resolves to the desktop app, whose patterns name windows or macos.
    """
    for i, want in enumerate(pattern):
        if want == "*" or i in _CPE_IGNORED:
            continue
        if given[i] != want and not (want == "-" and given[i] == "*"):
            return False
    return True


class Catalogue:
    """The canonical products, indexed for dict look-ups. Build with `load` or from Products."""

    def __init__(self, products: Iterable[Product] = (), source: str = "catalogue") -> None:
        self.products = tuple(products)
        self.source = source
        self._by_id: dict[str, Product] = {}
        self._by_name: dict[str, Product] = {}
        self._by_vendor_name: dict[tuple[str, str], Product] = {}
        self._by_purl: dict[str, Product] = {}
        self._cpes: dict[tuple[str, ...], list[tuple[tuple[str, ...], Product]]] = {}
        self._vendor_alias: dict[str, str] = {}
        self._vendor_spellings: dict[str, tuple[str, ...]] = {}
        self._item_keys: dict[tuple[str, str, str | None, str | None], str] = {}
        errors = self._index()
        if errors:
            raise ConfigError(
                f"{source}: " + "; ".join(errors),
                "each name, vendor spelling, CPE and purl may belong to one product only",
            )
        # Per-instance memos (a few thousand distinct names, millions of rows), in plain dicts:
        # an lru_cache of a bound method would hold the catalogue in a reference cycle, and with
        # it every statement `_schemed` holds, until the collector's next full pass (at sector
        # scale, a third of a second spent at the process's exit finding 180,000 objects).
        self._names_memo: dict[tuple[str, str], Product | None] = {}
        self._cpes_memo: dict[str, Product | None] = {}
        self._keys_memo: dict[tuple[str, str, tuple[str, ...], str | None, str | None], frozenset[str]] = {}
        # statement id -> (statement, the statement in its product's scheme): by identity, so
        # a statement keeps being itself, and only statements whose product has a scheme.
        self._schemed: dict[int, tuple[AffectedProduct, AffectedProduct]] = {}

    @classmethod
    def load(cls, path: Path) -> Catalogue:
        """Read rules/products.toml; ConfigError names the file and the key that is wrong."""
        return cls(read_catalogue(path), source=str(path))

    # -- building ---------------------------------------------------------------------------

    def _claim(self, table: dict, key: object, product: Product, what: str) -> str | None:
        owner = table.setdefault(key, product)
        if owner is not product and owner.id != product.id:
            return f"{product.id}: {what} is also claimed by {owner.id}"
        return None

    def _index(self) -> list[str]:
        errors: list[str] = []
        for p in self.products:
            if p.id in self._by_id:
                errors.append(f"id {p.id!r} is used twice")
            self._by_id[p.id] = p
            canon = normalise_vendor(p.vendor)
            for spelling in (p.vendor, *p.vendor_aliases):
                owner = self._vendor_alias.setdefault(normalise_vendor(spelling), canon)
                if owner != canon:
                    errors.append(f"{p.id}: vendor spelling {spelling!r} also means {owner!r}")
                known = self._vendor_spellings.get(canon, (canon,))
                if normalise_vendor(spelling) not in known:
                    self._vendor_spellings[canon] = (*known, normalise_vendor(spelling))
            errors.extend(e for e in self._index_names(p, canon) if e)
            for purl in p.purl:
                errors.append(self._claim(self._by_purl, purl_base(purl), p, f"purl {purl}") or "")
            for cpe in p.cpe:
                fields = parse_cpe(cpe)
                if fields is not None:
                    self._cpes.setdefault(fields[:3], []).append((fields, p))
        return [e for e in errors if e]

    def _index_names(self, p: Product, canon: str) -> list[str | None]:
        claims: list[str | None] = []
        for name in p.names:
            claims.append(self._claim(self._by_name, normalise_name(name), p, f"name {name!r}"))
            for spelling in (p.vendor, *p.vendor_aliases):
                for key in (normalise_name(name, spelling), normalise_name(name)):
                    claims.append(self._claim(self._by_vendor_name, (canon, key), p, f"name {name!r}"))
        return claims

    # -- resolving --------------------------------------------------------------------------

    def canonical_vendor(self, vendor: str) -> str:
        """A vendor's normalised name, through the catalogue's vendor spellings."""
        words = normalise_vendor(vendor)
        return self._vendor_alias.get(words, words)

    def vendors_compatible(self, a: str, b: str) -> bool:
        return makers_agree(self.maker_words(a), self.maker_words(b))

    def maker_words(self, vendor: str) -> tuple[str, ...]:
        """`maker_words` of the vendor's canonical name: what `vendors_compatible` compares."""
        return maker_words(self.canonical_vendor(vendor))

    def vendor_spellings(self, vendor: str) -> tuple[str, ...]:
        """The vendor as given, then every spelling the catalogue gives the same maker.

        vendor_spellings("Broadcom") == ("Broadcom", "vmware", "broadcom", ...): a rename
        (VMware to Broadcom, Citrix to Cloud Software Group) changes who publishes, not the
        brand in the product's name.
        """
        canon = self.canonical_vendor(vendor)
        return tuple(dict.fromkeys((vendor, *self._vendor_spellings.get(canon, (canon,)))))

    def product(self, key: str) -> Product | None:
        """The catalogue product behind a 'cat:' key, for display."""
        if key.startswith(CATALOGUE_PREFIX):
            return self._by_id.get(key[len(CATALOGUE_PREFIX) :])
        return None

    def product_for_name(self, name: str, vendor: str = "") -> Product | None:
        return self._lookup_name(name, vendor)

    def _lookup_name(self, name: str, vendor: str) -> Product | None:
        return _memo(self._names_memo, (name, vendor), self._lookup_name_uncached, name, vendor)

    def _lookup_cpe(self, cpe: str) -> Product | None:
        return _memo(self._cpes_memo, cpe, self._lookup_cpe_uncached, cpe)

    def _lookup_name_uncached(self, name: str, vendor: str) -> Product | None:
        canon = self.canonical_vendor(vendor)
        if canon:
            for key in (normalise_name(name, vendor), normalise_name(name, canon)):
                found = self._by_vendor_name.get((canon, key))
                if found is not None:
                    return found
        found = self._by_name.get(normalise_name(name))
        if found is not None and self.vendors_compatible(vendor, found.vendor):
            return found
        return None

    def _lookup_cpe_uncached(self, cpe: str) -> Product | None:
        given = parse_cpe(cpe)
        if given is None:
            return None
        fitting = [
            (sum(f not in ("*", "-") for f in pattern), p)
            for pattern, p in self._cpes.get(given[:3], ())
            if _cpe_fits(pattern, given)
        ]
        return max(fitting, key=lambda t: t[0])[1] if fitting else None

    def _lookup_purl(self, purl: str | None) -> Product | None:
        base = purl_base(purl) if purl else None
        return self._by_purl.get(base) if base else None

    def key_for(self, item: InventoryItem) -> str:
        """The one key the matcher looks this row up by (a dict hit after the first time)."""
        cache_key = (item.product, item.vendor, item.purl, item.cpe)
        key = self._item_keys.get(cache_key)
        if key is None:
            key = self._item_keys[cache_key] = self._item_key(*cache_key)
        return key

    def _item_key(self, product: str, vendor: str, purl: str | None, cpe: str | None) -> str:
        base = purl_base(purl) if purl else None
        if base and not base.startswith(NAME_PURLS):
            # A package-ecosystem purl names a package exactly, and decides: the gem "openssl"
            # (Ruby's binding) and Debian's "openssl" (patched per DSA-5532-1) are not upstream
            # OpenSSL, whatever their bare name or a scanner's guessed CPE says. Only a
            # statement naming this purl, or a catalogue product listing it, is this package.
            listed = self._by_purl.get(base)
            return listed.key if listed is not None else base
        found = (
            self._lookup_purl(purl) or (self._lookup_cpe(cpe) if cpe else None) or self._lookup_name(product, vendor)
        )
        if found is not None:
            return found.key
        return normalise_name(product, vendor)

    def keys_for(self, statement: AffectedProduct) -> frozenset[str]:
        """Every key an inventory row may have and still be this statement's product."""
        ident = (statement.vendor, statement.product, statement.aliases, statement.cpe, statement.purl)
        return _memo(self._keys_memo, ident, self._statement_keys_uncached, *ident)

    def _statement_keys_uncached(
        self,
        vendor: str,
        product: str,
        aliases: tuple[str, ...],
        cpe: str | None,
        purl: str | None,
    ) -> frozenset[str]:
        keys: set[str] = set()
        found = self._lookup_purl(purl) or (self._lookup_cpe(cpe) if cpe else None)
        # A row strips its own publisher's name ("VMware Workstation" by VMware, Inc. is
        # "workstation"), which may be another spelling of the statement's maker (Broadcom
        # publishes VMSA-2024-0010): strip every spelling, so either side may use any.
        spellings = self.vendor_spellings(vendor)
        short = [n for name in (product, *aliases) for n in bracket_names(name)]
        for name in with_platform_dropped((product, *aliases, *short)):
            found = found or self._lookup_name(name, vendor)
            full = normalise_name(name)
            keys.add(full)
            for spelling in spellings:
                stripped = normalise_name(name, spelling)
                keys.add(stripped)
                if stripped == full and spelling:  # "Widget" by Acme may be listed as "Acme Widget"
                    keys.add(normalise_name(f"{spelling} {name}"))
        if found is not None:
            keys.add(found.key)
            keys.update(normalise_name(n) for n in found.names)
        base = purl_base(purl) if purl else None
        if base:
            keys.add(base)
        keys.discard("")
        return frozenset(keys)

    def product_for_statement(self, statement: AffectedProduct) -> Product | None:
        """The catalogue product a statement speaks of, if the catalogue knows it."""
        for key in self.keys_for(statement):
            if key.startswith(CATALOGUE_PREFIX):
                return self.product(key)
        return None

    def with_scheme(self, statement: AffectedProduct) -> AffectedProduct:
        """The statement as the matcher reads it: in its product's numbering (the catalogue
        product's `scheme` when it names none itself), and narrowed to the release line its
        name names when that line is in the version numbering (`identity.lines.scoped`:
        "TIA Portal V14", all versions, is >=V14 <V15).

        Citrix's bulletin and NVD say "before 2403.1" with no scheme; in the default generic
        scheme the installed 24.3.1.97 is below it (24 < 2403). A scheme the statement gives
        is its source's word on how its versions order and is kept. The same statement always
        gives the same object (itself when nothing changes, else one changed copy), so
        matchers compiled for it are shared.
        """
        known = self._schemed.get(id(statement))
        if known is not None and known[0] is statement:
            return known[1]
        read = statement
        if not statement.scheme:
            product = self.product_for_statement(statement)
            if product is not None and product.scheme is not None:
                read = replace(statement, scheme=product.scheme)
        if read.scheme in LINE_SCHEMES:  # Workspace LTSRs and IOS trains carry their own lines
            read = scoped(read, statement_line(read.product))
        if len(self._schemed) >= _SCHEMED_LIMIT:
            self._schemed.clear()
        self._schemed[id(statement)] = (statement, read)
        return read

    def matches(self, item: InventoryItem, statement: AffectedProduct) -> bool:
        """Same product: equal keys, release lines that agree ("Office 2016" is never "Office
        2019"), and no vendor clash unless an identifier settled it."""
        key = self.key_for(item)
        if key not in self.keys_for(statement):
            return False
        if lines_conflict(release_line(item.product), self.with_scheme(statement)):
            return False
        if key.startswith((CATALOGUE_PREFIX, PURL_PREFIX)):
            return True  # the catalogue or the purl already checked who makes it
        return self.vendors_compatible(item.vendor, statement.vendor)

    def explain(self, item: InventoryItem, statements: Iterable[AffectedProduct], limit: int = 5) -> list[NearMiss]:
        """The nearest statement products that did not match this item, and why, best first
        (`identity.explain`)."""
        return explain(self, item, statements, limit)
