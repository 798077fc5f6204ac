"""Versions read from prose advisories (NCSC reports, vendor RSS), turned into statements.

Confident readings alert, labelled "versions read from the advisory text: please verify";
doubtful or damaged ones (low confidence, suspect text) are kept on the advisory for the weekly
digest's review list but never alert.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from advisories.errors import ConfigError
from advisories.extract import ExtractedStatement, KnownProduct, extract_statements, known_products
from advisories.models import Advisory, AffectedProduct
from advisories.products import Catalogue
from advisories.sources import authority_of
from advisories.versions import describe_range

# 0.7: the product named in the sentence or the one before, with explicit versions. Below it:
# "all versions" readings (0.6), fix-only readings (0.65) and damaged text (at most 0.4).
ALERT_CONFIDENCE = 0.7


def known_from(catalogue: Catalogue, rules: Iterable[Advisory]) -> tuple[KnownProduct, ...]:
    """The catalogue's products, with the builds our rules list as their known builds
    (so a truncated "12.407" can be read back as 18.12.407)."""
    builds: dict[str, list[str]] = {}
    for advisory in rules:
        for statement in advisory.affects:
            product = catalogue.product_for_name(statement.product, statement.vendor)
            if product is not None:
                builds.setdefault(product.name, []).extend(statement.versions)
    return known_products(catalogue.products, {k: sorted(set(v)) for k, v in builds.items()})


def alerts_on(statement: AffectedProduct) -> bool:
    return not statement.from_text or (statement.confidence or 0.0) >= ALERT_CONFIDENCE


# "are not affected", "need not take action", "unaffected": a reading that may say the opposite
# of what it seems to is never alerted on; it goes to the review list.
_NEGATION = re.compile(r"\b(not|no longer|unaffected|n't|never)\b", re.IGNORECASE)
NEGATED_CONFIDENCE = 0.6


def as_statement(found: ExtractedStatement) -> AffectedProduct:
    note = _reading(found)
    confidence = found.confidence
    if _NEGATION.search(found.evidence):
        confidence = min(confidence, NEGATED_CONFIDENCE)
        note = f"the sentence may say these are not affected: {found.evidence[:200]!r}"
    if found.suspect:
        suggestion = f"; perhaps {', '.join(found.suggested_versions)}" if found.suggested_versions else ""
        note = f"the text looks damaged: {found.evidence[:200]!r}{suggestion}"
    return AffectedProduct(
        vendor=found.vendor,
        product=found.product,
        platform=found.platform or "any",
        versions=found.versions,
        ranges=found.ranges,
        excluded=found.excluded,
        all_versions=False,
        from_text=True,
        # A suspect reading never alerts, whatever the extractor's confidence.
        confidence=min(confidence, 0.4) if found.suspect else confidence,
        note=note,
    )


def _reading(found: ExtractedStatement) -> str | None:
    """What the review list says of a reading that names no affected build itself."""
    if not found.versions and not found.ranges:
        # Only a fix whose release line the text does not show ("build 14004", a patch name).
        return f"check manually: the text names a fix but no affected versions: {found.evidence[:200]!r}"
    if not found.versions and all(r.upper is not None and not r.upper.inclusive for r in found.ranges):
        return "read from the fixed release(s): " + "; ".join(describe_range(r) for r in found.ranges)
    return None


def read_prose(source: str) -> str:
    """The text of a prose advisory: a local file (text or HTML) or an http(s) URL."""
    from advisories.sanitise import html_to_text
    from advisories.sources.fetch import FetchPolicy, fetch

    if source.startswith(("https://", "http://")):
        body = fetch("extract", source, policy=FetchPolicy(), accept="text/html, text/plain").body or b""
    else:
        try:
            body = Path(source).read_bytes()[: 10 * 1024 * 1024]
        except OSError as exc:
            raise ConfigError(
                f"{source}: cannot read it: {exc.strerror}", "give a file path or an https:// URL"
            ) from None
    text = body.decode("utf-8", errors="replace")
    if "<" in text[:2000] and re.search(r"<(html|body|p|div|br|li|item|description)\b", text[:20000], re.I):
        return html_to_text(text, max_chars=200_000)
    return text


def with_extracted(advisory: Advisory, known: Sequence[KnownProduct]) -> Advisory:
    """The advisory with statements read from its title and summary, if it is prose."""
    # Structured sources state their versions themselves (sources.authority_of); prose is the rest.
    if authority_of(advisory.kind).structured or advisory.affects or not known:
        return advisory
    found = extract_statements(f"{advisory.title}\n{advisory.summary}\n{advisory.article}", known)
    if not found:
        return advisory
    return replace(advisory, affects=tuple(as_statement(f) for f in found))
