"""FIRST's EPSS daily scores (`epss_scores-current.csv.gz`) -> scores for the CVEs we hold.

EPSS is enrichment, not an advisory: this source emits no advisories, and the pipeline keeps
only the rows for CVE ids its stored advisories name (about 250,000 rows in the file, a few
thousand wanted) in the state's `epss` table. Scores order what is sent; they never send.

The file: gzip, then a comment line `#model_version:v2025.03.14,score_date:2025-03-14T12:55:00Z`,
then `cve,epss,percentile` and one row per CVE. About 2 MB compressed, 10 MB as text: it is
decompressed as a stream, line by line, and refused past MAX_TEXT_BYTES (a gzip bomb, or the
wrong file), never held whole in memory as text. A body that is not gzip (a server that set
Content-Encoding, so the fetcher already inflated it, or a plain local copy) is read as text.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from advisories.errors import ParseError
from advisories.models import Advisory, Epss
from advisories.sources import register

MAX_TEXT_BYTES = 64 * 1024 * 1024  # six times today's file; more is not an EPSS file
_CHUNK = 256 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_COMMENT = re.compile(r"#?\s*model_version:\s*(?P<model>[^,\s]*)(?:\s*,\s*score_date:\s*(?P<day>\d{4}-\d{2}-\d{2}))?")


@dataclass
class EpssFile:
    """The wanted rows of one EPSS file, and what its comment line says."""

    model: str = ""
    scored_on: date | None = None
    scores: dict[str, Epss] = field(default_factory=dict)
    rows: int = 0  # every row read, wanted or not


class EpssSource:
    kind = "epss"
    rank = 95  # emits no advisories, so decides no versions
    structured = True  # not prose: no article pages are read for it
    label = "FIRST's EPSS scores"
    accept = "application/gzip, text/csv;q=0.9, */*;q=0.1"
    enrichment = True  # pipeline: store what `read` returns, never parse() advisories

    def parse(self, body: bytes, *, feed: str, url: str) -> list[Advisory]:
        self.read(body, feed=feed, wanted=set())  # a wrong file still fails, named
        return []

    def read(self, body: bytes, *, feed: str, wanted: set[str]) -> EpssFile:
        """The rows of `body` whose CVE is in `wanted`. Raises ParseError on a file that is
        not EPSS's (no `cve,epss,percentile` header) or grows past MAX_TEXT_BYTES."""
        found = EpssFile()
        lines = _lines(body, feed)
        header = next(lines, "")
        if header.startswith("#"):
            _comment(header, found)
            header = next(lines, "")
        if [c.strip().lower() for c in header.split(",")][:3] != ["cve", "epss", "percentile"]:
            raise ParseError(f"feed {feed!r}: not an EPSS scores file (no 'cve,epss,percentile' header)",
                             "expected FIRST's epss_scores-current.csv.gz")
        for line in lines:
            found.rows += 1
            cve, _, rest = line.partition(",")
            if cve in wanted:
                score = _row(rest, found)
                if score is not None:
                    found.scores[cve] = score
        return found


def _comment(line: str, found: EpssFile) -> None:
    match = _COMMENT.match(line.lstrip("#").strip())
    if match:
        found.model = match.group("model")[:40]
        try:
            found.scored_on = date.fromisoformat(match.group("day")) if match.group("day") else None
        except ValueError:
            found.scored_on = None


def _row(rest: str, found: EpssFile) -> Epss | None:
    try:
        score, percentile = (float(v) for v in rest.split(",")[:2])
    except ValueError:
        return None  # one damaged row is one CVE without EPSS, not a failed feed
    if not (0 <= score <= 1 and 0 <= percentile <= 1):
        return None
    return Epss(score, percentile, found.scored_on, found.model)


def _lines(body: bytes, feed: str) -> Iterator[str]:
    """The text's lines, decompressed chunk by chunk under MAX_TEXT_BYTES."""
    carry = b""
    for chunk in _inflate(body, feed) if body.startswith(_GZIP_MAGIC) else _plain(body, feed):
        *complete, carry = (carry + chunk).split(b"\n")
        for line in complete:
            yield line.decode("utf-8", "replace").strip()
    if carry.strip():
        yield carry.decode("utf-8", "replace").strip()


def _plain(body: bytes, feed: str) -> Iterator[bytes]:
    if len(body) > MAX_TEXT_BYTES:
        raise _too_big(feed)
    yield body


def _inflate(body: bytes, feed: str) -> Iterator[bytes]:
    stream = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip header and trailer
    pending, total = body, 0
    try:
        while not stream.eof:
            chunk = stream.decompress(pending, _CHUNK)
            pending = stream.unconsumed_tail
            if not chunk and not pending:
                break  # all input read, stream not ended: said below
            total += len(chunk)
            if total > MAX_TEXT_BYTES:
                raise _too_big(feed)
            yield chunk
    except zlib.error as exc:
        raise ParseError(f"feed {feed!r}: the EPSS file is damaged gzip ({exc})",
                         "a download cut short: the next run fetches it again") from exc
    if not stream.eof:
        raise ParseError(f"feed {feed!r}: the EPSS file ends mid-stream (cut short)",
                         "the next run fetches it again")


def _too_big(feed: str) -> ParseError:
    return ParseError(f"feed {feed!r}: the EPSS file is over {MAX_TEXT_BYTES // 2**20} MB as text",
                      "check the feed's url is FIRST's epss_scores-current.csv.gz")


register(EpssSource())
