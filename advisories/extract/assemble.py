"""Expressions of a whole text -> statements: each expression resolved to its ranges on the
line it speaks for (`scoping`, whose docstring gives the branch-scoping rule), fixes folded
into the affected statement of their product, and each statement finished (`finish`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from advisories.products import named_platform

from . import lexicon as lx
from .finish import Acc, desktop_wide, finish, same
from .model import Expr, ExtractedStatement, KnownProduct
from .scoping import (
    Key,
    branch_of,
    cover_of,
    fix_is_covered,
    fix_line,
    inside,
    lowest_open_line,
    older_than_every_line,
    per_build_lines,
    resolve,
    start_of,
)


def assemble(
    exprs: Sequence[Expr],
    evidence: Sequence[str],
    products: Sequence[KnownProduct],
    line: Callable[[Key], Key] = lambda key: key,
) -> list[ExtractedStatement]:
    """`line` turns a (product, variant) into the catalogue's own product for that build
    line when it has one (scan.ProductIndex.line), so "2203 LTSR" of the Workspace app is
    the Workspace app LTSR, read in its scheme and at full confidence."""
    keyed = [(e, line((m[0], e.variant or m[1]))) for e in exprs if e.group for m in e.group]
    # Per platform too: "Firefox before 97.0.2 ... Firefox for Android before 97.3.0" names one
    # bound on each platform, not two lines of one statement.
    named: dict[tuple[Key, tuple[str, ...] | None], set[str]] = {}
    covered: dict[Key, set[str]] = {}
    explicit: dict[Key, set[str]] = {}
    starts: dict[Key, list[str]] = {}  # where the text says a line starts: labels, lower ends
    spans: dict[Key, list[tuple[str, str]]] = {}  # closed affected ranges: "2.0-beta7 through 2.17.0"
    for e, key in keyed:
        if e.kind == "range" and e.lower and e.upper:
            spans.setdefault(key, []).append((e.lower, e.upper))
        start = start_of(e)
        if start:
            starts.setdefault(key, []).append(start)
        if e.kind in ("bound", "range", "wild"):
            # A list of affected branches scopes each bound; a fix on another line does not
            # ("up to 12.1.2.172 ... the fix is in 12.2.0.334" still covers 11.x).
            named.setdefault((key, e.platforms), set()).add(branch_of(e))
        if e.kind != "fix":
            covered.setdefault(key, set()).update(cover_of(e))
        if e.kind == "version":
            explicit.setdefault(key, set()).add(e.version)
    fine = per_build_lines(keyed)
    lowest = _lowest_open_lines(keyed, fine)
    stated = {
        (key, p): e.unit for e, key in reversed(keyed) if e.kind != "fix" for p in _platforms(e, products[key[0]])
    }
    accs: dict[tuple[int, Key, str | None], Acc] = {}
    for e, key in keyed:
        if e.kind == "fix":
            if fix_is_covered(e, covered.get(key, set())) or inside(e.version, spans.get(key, [])):
                continue
            bounded = fix_line(e, key in fine)
            for platform in _platforms(e, products[key[0]]):
                # Round 3's mixed paragraphs: a fix on a line the affected statement does not
                # cover adds its range to that statement, not a block of its own.
                unit = min(stated.get((key, platform), e.unit), e.unit)
                acc = accs.setdefault((unit, key, platform), Acc())
                acc.add_fix(bounded, e.version)
                acc.notes |= set() if e.direct else {"context"}
            continue
        several = len(named.get((key, e.platforms), ())) > 1 and not older_than_every_line(e, starts.get(key, []))
        versions, ranges, notes = resolve(e, products[key[0]], several, key in fine, lowest[(e.unit, key, e.platforms)])
        if not e.direct:
            notes.add("context")
        if e.doubtful:
            notes.add("doubtful")
        for platform in _platforms(e, products[key[0]]):
            acc = accs.setdefault((e.unit, key, platform), Acc())
            acc.add(versions, ranges, notes)
            acc.excluded += [v for v in e.excluded if v not in acc.excluded]
    out: list[ExtractedStatement] = []
    fix_only: list[bool] = []
    for (unit, key, platform), acc in accs.items():
        s = finish(acc, products[key[0]], key[1], platform, evidence[unit], explicit.get(key, set()))
        if not any(same(s, o) for o in out):
            out.append(s)
            fix_only.append(not acc.versions and not acc.ranges)
    return desktop_wide(out, fix_only)


SentenceKey = tuple[int, Key, tuple[str, ...] | None]  # (unit, product, platforms)


def _lowest_open_lines(keyed: Sequence[tuple[Expr, Key]], fine: set[Key]) -> dict[SentenceKey, str | None]:
    """Per sentence, product and platform, the line whose "and earlier" bounds start at "0"
    (the rest of a list of such bounds starts at their own lines: `scoping.lowest_open_line`).
    A fix counts from any sentence and platform, since from "0" the bound must not cover it."""
    per_sentence: dict[SentenceKey, list[Expr]] = {}
    for e, key in keyed:
        if e.kind != "fix":
            per_sentence.setdefault((e.unit, key, e.platforms), []).append(e)
    fixes = [(e, key) for e, key in keyed if e.kind == "fix"]
    return {
        k: lowest_open_line([*es, *(e for e, key in fixes if key == k[1])], k[1] in fine)
        for k, es in per_sentence.items()
    }


def _platforms(e: Expr, product: KnownProduct) -> tuple[str | None, ...]:
    """An operating system is its own platform: "iOS 16.6.1 ..., and on the Mac in macOS 13.5.2"
    does not make iOS a macOS product."""
    name = product.name.lower().split()
    if "".join(name) in lx.PLATFORM_WORDS or name[0] in lx.PLATFORM_WORDS:
        return (None,)  # "Windows Server 2022", "macOS Sonoma": the OS itself, never a scope
    # "Veeam Agent for Linux": the catalogue's own name says the platform, so it is no scope.
    own = named_platform(product.name)
    if own and e.platforms == (own[0],):
        return (None,)
    return e.platforms or (None,)
