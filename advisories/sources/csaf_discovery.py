"""Where a CSAF provider keeps its documents: provider metadata, ROLIE feeds, directories.

Pure functions over downloaded bytes; the pipeline fetches. The chain is
provider-metadata.json -> ROLIE feed URLs (or directory URLs, ending in "/") -> for a
feed `documents_from_rolie`, for a directory `changes.csv` (incremental) or `index.txt`
(everything) -> CSAF document URLs, each parsed by `CsafSource`.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from advisories.errors import ParseError

# TLP labels a provider may publish without authentication (TLP 2.0 renamed WHITE to CLEAR).
PUBLIC_TLP = frozenset({"WHITE", "CLEAR"})


def documents_from_provider_metadata(body: bytes, *, public_only: bool = True) -> list[str]:
    """ROLIE feed URLs and directory URLs (these end in "/") named by provider-metadata.json.

    Feeds marked with a non-public TLP label are left out unless `public_only` is False:
    fetching them needs credentials this pipeline does not have.
    """
    data = _json_object(body, "provider-metadata.json")
    distributions = data.get("distributions")
    if not isinstance(distributions, list):
        raise ParseError(
            "provider-metadata.json has no 'distributions' list",
            "check that the URL points at a CSAF provider-metadata.json",
        )
    urls: list[str] = []
    for dist in _objs(distributions):
        directory = dist.get("directory_url")
        if isinstance(directory, str) and directory.strip():
            urls.append(directory.strip().rstrip("/") + "/")
        rolie = dist.get("rolie")
        feeds = rolie.get("feeds") if isinstance(rolie, dict) else None
        for feed in _objs(feeds):
            if not isinstance(feed.get("url"), str):
                continue
            label = str(feed.get("tlp_label", "WHITE")).upper()
            if public_only and label not in PUBLIC_TLP:
                continue
            urls.append(feed["url"].strip())
    return list(dict.fromkeys(urls))


def documents_from_rolie(
    body: bytes, since: datetime | None = None
) -> list[tuple[str, datetime | None]]:
    """(document URL, updated) for each ROLIE feed entry updated after `since`.

    An entry whose date cannot be read is always kept: fetching one document too many is
    cheaper than missing an advisory.
    """
    feed = _json_object(body, "ROLIE feed").get("feed")
    if not isinstance(feed, dict):
        raise ParseError("ROLIE feed has no 'feed' object", "is this a ROLIE feed document?")
    entries = feed.get("entry", [])
    if not isinstance(entries, list):
        raise ParseError("ROLIE feed 'entry' is not a list")
    found: list[tuple[str, datetime | None]] = []
    for entry in _objs(entries):
        url = _entry_url(entry)
        if url is None:
            continue
        updated = parse_timestamp(entry.get("updated")) or parse_timestamp(entry.get("published"))
        if since is None or updated is None or updated > _aware(since):
            found.append((url, updated))
    return found


def _entry_url(entry: dict[str, Any]) -> str | None:
    # The spec says "rel"; cisagov's IT feed writes "ref" for some links, so accept both.
    for link in _objs(entry.get("link")):
        relation = link.get("rel", link.get("ref"))
        href = link.get("href")
        if relation == "self" and isinstance(href, str):
            return href.strip()
    content = entry.get("content")
    src = content.get("src") if isinstance(content, dict) else None
    return src.strip() if isinstance(src, str) else None


def documents_from_changes_csv(
    body: bytes, base_url: str, since: datetime | None = None
) -> list[tuple[str, datetime | None]]:
    """(document URL, changed) from a directory's changes.csv: `path,timestamp`, no header."""
    text = _text(body, "changes.csv")
    found: list[tuple[str, datetime | None]] = []
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0].strip():
            continue
        changed = parse_timestamp(row[1]) if len(row) > 1 else None
        if since is None or changed is None or changed > _aware(since):
            found.append((join_document_url(base_url, row[0].strip()), changed))
    return found


def documents_from_index_txt(body: bytes, base_url: str) -> list[str]:
    """Document URLs from a directory's index.txt: one relative path per line."""
    lines = (line.strip() for line in _text(body, "index.txt").splitlines())
    return [join_document_url(base_url, ln) for ln in lines if ln and not ln.startswith("#")]


def join_document_url(base_url: str, path: str) -> str:
    """Resolve a directory listing entry against the directory URL.

    The spec makes entries relative to the directory, but cisagov lists them from the
    repository root ("csaf_files/IT/white/2024/x.json" inside ".../csaf_files/IT/white/").
    When the entry starts with the last two or more folders of the base, those are not
    repeated: a one-folder overlap could be a real sub-folder of the same name.
    """
    if urlsplit(path).scheme:
        return path
    base = base_url if base_url.endswith("/") else base_url + "/"
    base_parts = [p for p in urlsplit(base).path.split("/") if p]
    path_parts = [p for p in path.split("/") if p]
    for size in range(min(len(base_parts), len(path_parts) - 1), 1, -1):
        if base_parts[-size:] == path_parts[:size]:
            return urljoin(base, "/".join(path_parts[size:]))
    return urljoin(base, path)


def parse_timestamp(value: object) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (UTC when no offset is given), else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return _aware(datetime.fromisoformat(value.strip()))
    except ValueError:
        return None


def _aware(moment: datetime) -> datetime:
    # CSAF and NVD timestamps without an offset are UTC; comparing naive with aware raises.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _objs(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(
            f"{what} is not valid JSON: {exc}", "the server may have sent an HTML page"
        ) from exc
    if not isinstance(data, dict):
        raise ParseError(f"{what} is not a JSON object")
    return data


def _text(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{what} is not UTF-8 text: {exc}") from exc
