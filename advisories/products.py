"""Product identity, as it was imported before it became the `identity/` package: a facade.

Every name here is re-exported from the module under `advisories/identity/` that does its
one job, so existing callers keep working unchanged. New code should import from there:

- `identity.words`: a display name's words (marks, locale, bitness, install details gone),
  and the variant words that name a separate build line (`VARIANT_WORDS`)
- `identity.vendors`: makers (`normalise_vendor`, `vendors_compatible`, `maker_words`,
  `makers_agree`)
- `identity.names`: name keys (`normalise_name`, `name_words`, `bracket_names`)
- `identity.platforms`: the platform a name names (`named_platform`)
- `identity.lines`: release lines (`release_line`, `statement_line`, `lines_conflict`,
  `checked_line`)
- `identity.packages`: purls (`purl_base`, `PURL_PREFIX`); CPEs are `advisories.cpe`
- `identity.catalogue`: `Catalogue`, matching by key; `identity.catalogue_file`: `Product`
  and reading rules/products.toml; `identity.explain`: near misses (`NearMiss`)
"""

from __future__ import annotations

from advisories.cpe import parse_cpe
from advisories.identity.catalogue import Catalogue
from advisories.identity.catalogue_file import CATALOGUE_PREFIX, Product
from advisories.identity.explain import NearMiss
from advisories.identity.lines import checked_line, lines_conflict, release_line, statement_line
from advisories.identity.names import bracket_names, name_words, normalise_name
from advisories.identity.packages import PURL_PREFIX, purl_base
from advisories.identity.platforms import named_platform
from advisories.identity.vendors import maker_words, makers_agree, normalise_vendor, vendors_compatible
from advisories.identity.words import VARIANT_WORDS

__all__ = [
    "CATALOGUE_PREFIX",
    "PURL_PREFIX",
    "VARIANT_WORDS",
    "Catalogue",
    "NearMiss",
    "Product",
    "bracket_names",
    "checked_line",
    "lines_conflict",
    "maker_words",
    "makers_agree",
    "name_words",
    "named_platform",
    "normalise_name",
    "normalise_vendor",
    "parse_cpe",
    "purl_base",
    "release_line",
    "statement_line",
    "vendors_compatible",
]
