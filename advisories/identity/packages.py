"""Package URLs (purls): the package a purl names, without its version.

"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar" names the package
"pkg:maven/org.apache.logging.log4j/log4j-core". A package-ecosystem purl identifies a row
exactly; the purl types that only wrap a program's display name (`NAME_PURLS`) do not.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import unquote

PURL_PREFIX = "pkg:"
# purl types that only wrap a program's display name (CycloneDX OBOMs of Windows programs):
# they say no more than the name does, so such a row is still identified by its name.
NAME_PURLS = ("pkg:swid/", "pkg:generic/")


@lru_cache(maxsize=1 << 14)
def purl_base(purl: str) -> str | None:
    """'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar' -> 'pkg:maven/org...core'.

    Lower case, percent-decoded, no version, qualifiers or subpath. None if it is not a purl.
    """
    text = purl.strip()
    if not text.casefold().startswith(PURL_PREFIX):
        return None
    text = text[len(PURL_PREFIX) :].lstrip("/").split("#")[0].split("?")[0]
    path, _, _version = text.rpartition("@") if "@" in text.split("/")[-1] else (text, "", "")
    parts = [unquote(p) for p in path.split("/") if p]
    if len(parts) < 2:
        return None
    return PURL_PREFIX + "/".join(parts).casefold()
