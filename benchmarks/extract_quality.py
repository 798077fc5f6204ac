"""How well does the prose extractor read the sentence table?

Statement level: a predicted statement is a true positive only when product, platform, the
explicit version set and the range set all equal an expected statement of the same case.
Suspect flags and confidence bands are reported on the side (the tests check them exactly).

    python benchmarks/extract_quality.py [--verbose]
    python benchmarks/extract_quality.py --blind [FOLDER] [--verbose]

--blind scores a blind set (tests/fixtures/prose_blind/*.toml: paragraphs written from real
advisories before any tuning on them) and also counts inversions: a build the paragraph names
as fixed that a predicted statement reports affected (each case lists them in `fixed`). Score
a blind set once, quote that score, then tune; after tuning on it, it is no longer blind.

The last line is exactly: extract_quality: sentences=<n> precision=<p> recall=<r>
(with --blind: ... inversions=<n> alerting_inversions=<n>: those at alert confidence, which
would reach a council; the rest only reach the review list)
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from advisories.extract import KnownProduct, extract_statements, to_json  # noqa: E402

TABLE = ROOT / "tests" / "fixtures" / "extract" / "sentences.toml"
BLIND = ROOT / "tests" / "fixtures" / "prose_blind"
Statement = tuple[str, str | None, frozenset[str], frozenset[tuple[tuple[str, str], ...]]]


def load(path: Path = TABLE) -> tuple[list[KnownProduct], list[dict[str, Any]]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    products = [
        KnownProduct(p["vendor"], p["name"], tuple(p.get("aliases", ())), tuple(p.get("known_builds", ())))
        for p in data["product"]
    ]
    return products, data["case"]


def inversions(case: dict[str, Any], products: list[KnownProduct]) -> list[str]:
    """Builds the case names as fixed that a predicted statement would report affected.

    From round 3 on, `fixed` is a table: product -> its fixed builds, and a build counts only
    against that product. Rounds 1 and 2 list the paragraph's fixed builds as one list, and one
    product's fix may be another's affected build (FortiOS's 7.0.17 is an affected FortiProxy
    build). So there a fixed build counts against a predicted statement only when the expected
    statements for that product say it is not affected; for a product with no expected
    statement, only when its first number is that of one of the statement's own versions or
    bounds (libwebp's 1.13.1 is not a Chrome 117 build).
    """
    from advisories.models import Status
    from advisories.prose import alerts_on, as_statement
    from advisories.versions import compile_statement

    expected = _expected_statements(case)
    out = []
    for found in extract_statements(case["text"], products):
        statement = as_statement(found)
        verdicts = compile_statement(statement)
        truth = [compile_statement(e) for e in expected if e.product == found.product]
        majors = {_major(v) for v in (*statement.versions, *_bounds(statement))}
        fixed = case.get("fixed", ())
        per_product = isinstance(fixed, dict)
        for build in fixed.get(found.product, ()) if per_product else fixed:
            if verdicts.status(build).status is not Status.AFFECTED:
                continue
            wrong = per_product or (not any(t.status(build).status is Status.AFFECTED for t in truth) if truth
                                    else _major(build) in majors)
            if wrong:
                how = "ALERTS" if alerts_on(statement) else "review only"
                out.append(f"  INVERSION: {found.product} reports fixed build {build} affected ({how})")
    return out


def _expected_statements(case: dict[str, Any]) -> list[Any]:
    from advisories.models import AffectedProduct, Bound, VersionRange

    def as_range(r: dict[str, str]) -> VersionRange:
        lower = Bound(r["introduced"], True) if r.get("introduced", "0") != "0" else None
        upper = (Bound(r["fixed"], False) if "fixed" in r
                 else Bound(r["last_affected"], True) if "last_affected" in r else None)
        return VersionRange(lower, upper)

    return [AffectedProduct("", e["product"], e.get("platform", "any"), versions=tuple(e.get("versions", ())),
                            ranges=tuple(as_range(r) for r in e.get("ranges", ()))) for e in case.get("expect", ())]


def _bounds(statement: Any) -> list[str]:
    return [b.version for r in statement.ranges for b in (r.lower, r.upper) if b is not None and b.version != "0"]


def _major(version: str) -> str:
    digits = re.match(r"\D*(\d+)", version)
    return digits[1] if digits else version


def main_blind(folder: Path, verbose: bool) -> int:
    total, inverted, alerting = Score(), 0, 0
    for path in sorted(folder.glob("*.toml")):
        products, cases = load(path)
        score = Score()
        for case in cases:
            wrong = score_case(case, products, score) + (bad := inversions(case, products))
            score_case(case, products, total)
            inverted += len(bad)
            alerting += sum("(ALERTS)" in line for line in bad)
            if wrong or verbose:
                print(f"{'MISS' if wrong else 'ok  '} {case['id']}")
                print("\n".join(wrong))
        print(score.line(path.stem))
    print(f"extract_quality: sentences={total.cases} precision={total.precision():.3f} "
          f"recall={total.recall():.3f} inversions={inverted} alerting_inversions={alerting}")
    return 0


def expected_key(e: dict[str, Any]) -> Statement:
    platform = e.get("platform", "any")
    return (
        e["product"],
        None if platform == "any" else platform,
        frozenset(e.get("versions", ())),
        frozenset(tuple(sorted(r.items())) for r in e.get("ranges", ())),
    )


def got_key(j: dict[str, Any]) -> Statement:
    return (
        j["product"],
        j["platform"],
        frozenset(j["versions"]),
        frozenset(tuple(sorted(r.items())) for r in j["ranges"]),
    )


@dataclass
class Score:
    tp: int = 0
    predicted: int = 0
    expected: int = 0
    cases: int = 0
    misses: list[str] = field(default_factory=list)

    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 1.0

    def recall(self) -> float:
        return self.tp / self.expected if self.expected else 1.0

    def line(self, name: str) -> str:
        return (
            f"{name:<22} cases={self.cases:<3} statements={self.expected:<3} "
            f"precision={self.precision():.3f} recall={self.recall():.3f}"
        )


def score_case(case: dict[str, Any], products: list[KnownProduct], score: Score) -> list[str]:
    """Adds one case to `score`; returns the lines describing what it got wrong."""
    got = [to_json(s) for s in extract_statements(case["text"], products)]
    want = Counter(expected_key(e) for e in case.get("expect", ()))
    have = Counter(got_key(j) for j in got)
    hit = want & have
    score.cases += 1
    score.tp += sum(hit.values())
    score.predicted += sum(have.values())
    score.expected += sum(want.values())
    lines = [f"  missed: {_show(k)}" for k in (want - hit).elements()]
    lines += [f"  extra:  {_show(k)}" for k in (have - hit).elements()]
    return lines


def _show(k: Statement) -> str:
    product, platform, versions, ranges = k
    rs = ["{" + ", ".join(f"{a}={b}" for a, b in r) + "}" for r in sorted(ranges)]
    return f"{product} [{platform or 'any'}] versions={sorted(versions)} ranges={rs}"


def side_metrics(cases: list[dict[str, Any]], products: list[KnownProduct]) -> tuple[int, int, int]:
    """(statements matched, suspect flag right, confidence band right) over matched statements."""
    matched = suspect_ok = band_ok = 0
    for case in cases:
        got = {got_key(j): j for j in map(to_json, extract_statements(case["text"], products))}
        for e in case.get("expect", ()):
            j = got.get(expected_key(e))
            if j is None:
                continue
            matched += 1
            suspect_ok += j["suspect"] == e.get("suspect", False)
            band_ok += band(j["confidence"]) == e.get("confidence", "high")
    return matched, suspect_ok, band_ok


def band(confidence: float) -> str:
    return "high" if confidence >= 0.8 else "low" if confidence <= 0.5 else "medium"


def group_of(case: dict[str, Any]) -> str:
    if case.get("blind"):
        return f"held-out (blind r{case.get('round', 1)})"
    return "held-out" if case.get("heldout") else "dev"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every case, not just misses")
    parser.add_argument("--blind", nargs="?", const=BLIND, type=Path, metavar="FOLDER",
                        help="score a blind set (default tests/fixtures/prose_blind)")
    args = parser.parse_args(argv)
    if args.blind is not None:
        return main_blind(args.blind, args.verbose)
    products, cases = load()
    total = Score()
    groups: dict[str, Score] = {}
    for case in cases:
        group = groups.setdefault(group_of(case), Score())
        wrong = score_case(case, products, group)
        score_case(case, products, total)
        if wrong or args.verbose:
            gap = f"  (known gap: {case['known_gap']})" if case.get("known_gap") else ""
            print(f"{'MISS' if wrong else 'ok  '} {case['id']}{gap}")
            print("\n".join(wrong))
    for name, s in groups.items():
        print(s.line(name))
    matched, suspect_ok, band_ok = side_metrics(cases, products)
    print(f"matched statements: suspect flag right {suspect_ok}/{matched}, confidence band right {band_ok}/{matched}")
    print(f"extract_quality: sentences={total.cases} precision={total.precision():.3f} recall={total.recall():.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
