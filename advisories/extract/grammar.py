"""Tokens of one clause -> version expressions, with the product list and platform each is for.

Operators distribute over a list ("before 2021.0.6, 2021.1.4 and 2023.0.1") until a word
that is not list filler ends it. A version followed by an operator whose operand lies inside
it is a branch label ("13.1 before 13.1-49.15", "7.x before 7.0 U2b"), not a version.
"""

from __future__ import annotations

from advisories.versions import compare

from . import lexicon as lx
from .brackets import Brackets
from .lines import (
    AFTER_VERSION,
    called_a_line,
    is_label,
    joins_label,
    line_after,
    numbers_a_line,
    reached_end_of_life,
)
from .lookaround import (
    FOREIGN,
    is_build_number,
    is_conj,
    is_filler,
    line_base,
    owner_of,
    skip_fillers,
    starts_a_range,
)
from .model import Expr, Tok
from .mood import listed_among_bounds, unsettled
from .shapes import date_like, extends, is_plain_line

# Who runs a release: "1.1.1 users", "1.0.2 customers" name a group of people, never a build.
_PEOPLE = frozenset({"users", "customers", "admins", "administrators", "operators", "owners"})


_ADVISORY_WORDS = frozenset({"advisory", "advisories", "bulletin", "bulletins", "alert", "notice", "psirt"})


def _titles_an_advisory(t: list[Tok], i: int) -> bool:
    """ "Security Advisory", "Security Bulletin", "PSIRT": words after a vendor's name that make
    it the title of the vendor's notice, not a product the versions after it are for."""
    word = t[i].text.lower()
    if word in _ADVISORY_WORDS:
        return True
    nxt = t[i + 1] if i + 1 < len(t) else None
    return word == "security" and nxt is not None and nxt.kind == "word" and nxt.text.lower() in _ADVISORY_WORDS


class ClauseParser(Brackets):
    """One pass over one clause: versions and the operators around them (products and
    platforms: `naming`; brackets and exclusions: `brackets`; state: `clause_state`)."""

    def parse(self) -> list[Expr]:
        i = 0
        while i < self.n:
            i = self._step(i)
        if self.negated:
            self.described = []  # "VMware Tools for Linux is not affected": not where the flaw is
            return self._cleared()
        if any(t.kind == "word" and t.text.lower() == "respectively" for t in self.t):
            self._pair_respectively()
        # "CSA 4.6 is end of life": a bare release line the clause neither states as affected nor
        # as fixed has no role to read; as a fix it would only guess a range below it.
        self.exprs = [e for e in self.exprs if not (e.kind == "version" and self._unclear_line(e))]
        owed = self.owed_all
        if owed is not None and any(e.group is owed.group and e.kind in ("range", "bound") for e in self.exprs):
            # "All versions of Jira Server from 4.4.0 before 7.6.14, from 7.7.0 before 7.13.5":
            # the ranges after the product say which versions "all" meant.
            self.exprs = [e for e in self.exprs if e is not owed]
        for e in self.exprs:
            self._settle(e)
        return [e for e in self.exprs if e.kind != "unsettled"]

    def _cleared(self) -> list[Expr]:
        """A clause saying versions are not affected names no affected build. "2.2.2, 2.1.5 and
        2.0.5 and later are not affected": a list that ends in "and later" names the first
        release each line clears, i.e. fixes; without it ("9.0 and 10.1 were never affected",
        "1.1.1 is not affected") a version may be a whole line, so it says nothing."""
        if not any(e.kind == "fix" for e in self.exprs):
            return []
        bare = [e for e in self.exprs if e.kind == "version"]
        for e in bare:
            e.kind, e.upper_kind = "fix", "fixed"
        return [e for e in self.exprs if e.kind == "fix"]

    def _unclear_line(self, e: Expr) -> bool:
        # Jenkins' weekly "2.442" is a build of its own numbering, not a line name.
        line = is_plain_line(e.version) and len(e.version.split(".")[1]) <= 2
        return line and not e.alts and not self._affected(e.pos)

    def _pair_respectively(self) -> None:
        """ "start at A, B and C and run up to, but not including, X, Y and Z respectively":
        the n-th start goes with the n-th bound."""
        starts = [e for e in self.exprs if e.kind == "version" or (e.kind == "range" and not e.upper)]
        bounds = [e for e in self.exprs if e.kind == "bound"]
        if len(starts) < 2 or len(starts) != len(bounds) or starts[-1].pos > bounds[0].pos:
            return
        for start, bound in zip(starts, bounds, strict=True):
            bound.kind, bound.lower = "range", start.version or start.lower
            bound.upper, bound.version = bound.version, ""
        self.exprs = [e for e in self.exprs if not any(e is s for s in starts)]

    def _settle(self, e: Expr) -> None:
        """A bare version, or an open "from X", that the clause does not state as affected is
        a fix mention: the fix-only reading, never an affected build (mood.py)."""
        bare = e.kind == "version" or (e.kind == "range" and not e.upper)
        if not bare or self._affected(e.pos) or (e.kind == "version" and listed_among_bounds(self.t, e.pos)):
            return
        if e.kind == "version" and not self.fix_mood and unsettled(self.t, self.cues, e.pos):
            e.kind = "unsettled"  # neither affected nor fixed: `parse` drops it
            return
        version = e.version or e.lower
        for alt in e.alts:
            if compare(alt, version) == -1:
                version = alt
        e.kind, e.version, e.lower, e.alts, e.upper_kind = "fix", version, "", (), "fixed"

    def _step(self, i: int) -> int:
        kind = self.t[i].kind
        if kind == "ver":
            return self._on_version(i)
        if kind == "prod":
            return self._on_product(i)
        if kind == "plat":
            return self._on_platform(i)
        if kind == "op":
            return self._on_op(i)
        if kind == "open":
            return self._on_open(i)
        if kind == "num" and numbers_a_line(self.t, i):
            self.label = (self.t[i].text, "")  # "CrushFTP 10 before 10.8.4, 11 before 11.3.1"
            return i + 1
        if kind == "num" and (is_build_number(self.t, i) or starts_a_range(self.t, i)):
            self.t[i] = Tok("ver", self.t[i].text)
            return self._on_version(i)
        if kind == "word" and self.t[i].text.lower() not in lx.FILLER | lx.LABEL_NOUNS and not self._qualifier(i):
            # Any other word ends a list: "before X, Y, a SQL injection ..." stops at "a".
            self.pending, self.group_open, self.merge_ok = "", False, False
            self.lines_of_all = False
        return i + 1

    def _qualifier(self, i: int) -> bool:
        """ "macOS Ventura 13.3.1", "Exchange Server 2019 CU14", "15.2.1258.39 on CU13": a word
        that names the product's edition or update, inside the list rather than ending it."""
        word = self.t[i].text
        if lx.UPDATE_LABEL.match(word):
            return True
        if _titles_an_advisory(self.t, i):
            return False  # "Jenkins Security Advisory 2024-05-02: Script Security Plugin ...": a title
        if not word[:1].isupper():
            return False
        j = i - 1  # at most one more qualifier between: "Exchange Server 2019 CU14"
        if j >= 0 and self.t[j].kind in ("word", "num") and (self.t[j].text[:1].isupper() or self.t[j].text.isdigit()):
            j -= 1
        return j >= 0 and self.t[j].kind == "prod"

    def _on_version(self, i: int) -> int:
        tok = self.t[i]
        if self._names_last_fix_line(i):
            return i + 1  # "13.1-49.15 and later releases of 13.1": the fix's own line
        if self._names_people(i) and not is_label(self.t, i):
            # "1.1.1 users to 1.1.1t", "premium-support 1.0.2 customers to 1.0.2zg": who runs
            # it, neither a build the clause states nor, with the words before it, a product.
            return i + 1
        owner = owner_of(self.t, i)
        if owner == FOREIGN:
            self.group, self.pending = [], ""
        elif owner and self.group:
            self.group = [(product, owner) for product, _ in self.group]
        self.group_open = False
        if is_label(self.t, i):
            joined = joins_label(self.t, i, self.label)
            self.more_variants = [*self.more_variants, tok.variant] if joined else []
            self.label = self.label if joined and self.label else (line_base(tok), tok.variant)
            return i + 1
        j = self._past_a_remark(skip_fillers(self.t, i + 1))
        nxt = self.t[j] if j < self.n else None
        if nxt is not None and nxt.kind == "op" and nxt.family in ("pre_fixed", "pre_last"):
            done = self._lower_before(i, tok, j)
            if done is not None:
                return done
        if nxt is not None and nxt.kind == "word" and nxt.text.lower() == "in" and self._all_after(j + 1):
            j, nxt = j + 1, self.t[j + 1]  # "2.0 and 1.1 in all versions": as "1.1 all versions"
        if nxt is not None and nxt.kind == "op" and nxt.family in AFTER_VERSION:
            done = self._postfix(i, tok, nxt.family, j)
            if done is not None:
                return done
        if self.pending == "between" and nxt is not None and nxt.kind == "ver":
            self._emit("range", i, lower=tok.text, upper=nxt.text, upper_kind="last_affected")
            self.pending = ""
            return j + 1
        self._apply_pending(i, tok)
        return i + 1

    def _names_people(self, i: int) -> bool:
        j = i + 1
        return not self.t[i].wildcard and j < self.n and self.t[j].kind == "word" and self.t[j].text.lower() in _PEOPLE

    def _past_a_remark(self, j: int) -> int:
        """ "12.4.3-02804 (platform-hotfix) or earlier": a bracketed remark of words only between
        a version and its operator leaves the operator the version's."""
        if j >= self.n or self.t[j].kind != "open":
            return j
        # "7.0.41.1141 (and any earlier build)", "7.1.2 (or later)": the operator itself, bracketed.
        inside = skip_fillers(self.t, j + 1)
        shut = skip_fillers(self.t, inside + 1)
        opens = inside < self.n and self.t[inside].kind == "op" and self.t[inside].family in ("post_last", "post_later")
        if opens and shut < self.n and self.t[shut].kind == "close":
            return inside
        k = j + 1
        while k < self.n and self.t[k].kind in ("word", "punct"):
            k += 1
        after = k + 1
        closed = k < self.n and self.t[k].kind == "close" and k > j + 1 and after < self.n
        if closed and self.t[after].kind == "op" and self.t[after].family in AFTER_VERSION:
            return after
        return j

    def _later_but_before(self, i: int, tok: Tok, j: int) -> int | None:
        """ "V11.5.1 or later but below V11.6.2", "4.2 and later, before 4.2.9": an open lower end
        closed by the bound right after it is one range, not a fix and a bound."""
        k = j + 1
        while k < self.n and (self.t[k].text.lower() in ("but", "and", "yet", ",") or is_filler(self.t[k])):
            k += 1
        if self.pending == "fix" or k + 1 >= self.n or self.t[k].kind != "op":
            return None
        family, hi = self.t[k].family, self.t[k + 1]
        if family not in ("pre_fixed", "pre_last") or hi.kind != "ver" or compare(tok.text, hi.text) != -1:
            return None
        upper_kind = "fixed" if family == "pre_fixed" else "last_affected"
        self._emit("range", i, lower=tok.text, upper=hi.text, upper_kind=upper_kind, variant=tok.variant or hi.variant)
        return k + 2

    def _lower_before(self, i: int, tok: Tok, j: int) -> int | None:
        """ "7.0.0 before 7.6.17", "5.16.0 before 5.16.7": a version right before a bound it
        does not name the line of, and lower than it, is where the affected range starts."""
        k = skip_fillers(self.t, j + 1)
        if self.pending == "fix" or tok.wildcard or k >= self.n or self.t[k].kind != "ver":
            return None
        hi = self.t[k]
        # "5.18.0 before 18/05/2003": a date where the bound was cannot be ordered, yet is one.
        if hi.family == "opaque" or (compare(tok.text, hi.text) != -1 and not date_like(hi.text)):
            return None
        upper_kind = "fixed" if self.t[j].family == "pre_fixed" else "last_affected"
        self._emit("range", i, lower=tok.text, upper=hi.text, upper_kind=upper_kind, variant=tok.variant or hi.variant)
        return k + 1

    def _names_last_fix_line(self, i: int) -> bool:
        last = self.exprs[-1] if self.exprs else None
        after_of = i > 0 and self.t[i - 1].kind == "word" and self.t[i - 1].text.lower() == "of"
        return after_of and last is not None and last.kind == "fix" and extends(last.version, self.t[i].text)

    def _postfix(self, i: int, tok: Tok, family: str, j: int) -> int | None:
        if family == "infix":
            k = self._same_product_skipped(i, skip_fillers(self.t, j + 1))
            if k >= self.n or self.t[k].kind != "ver":
                return None
            hi = self.t[k]
            if self.t[j].variant == "glued" and self._glued_fix(i, k):
                # "released 1.0-1.1", "1.0-1.1 and above": a fix's "A-B" is one release-build.
                self._fix(i, Tok("ver", f"{tok.text}-{hi.text}"))
                after = skip_fillers(self.t, k + 1)
                later = after < self.n and self.t[after].family == "post_later"
                return after + 1 if later else k + 1
            self._emit(
                "range",
                i,
                lower=line_base(tok),  # "8.0.x to 8.5.3" starts at 8.0
                upper=hi.text,
                upper_kind="last_affected",
                variant=tok.variant or hi.variant,
            )
            return k + 1
        if family == "post_last":
            scope = line_after(self.t, tok, j + 1)
            if scope is not None:  # "5.1.0 and earlier 5.x releases": the line is named after
                self.label = (scope[0], self.label[1] if self.label else "")
                self._bound(i, tok, "last_affected")
                return scope[1]
            # Fortinet's "7.2.4 and below" speaks for the 7.2 branch (VERSIONS.md, table e;
            # assemble applies it to Fortinet's products only).
            self._bound(i, tok, "last_affected", by_line=self.t[j].text.endswith("below"))
        elif family == "post_later" and (closed := self._later_but_before(i, tok, j)) is not None:
            return closed
        elif family == "post_later" and (self.pending == "fix" or self.fix_mood or not self._affected(i)):
            # "7.4.3 and above", "23.9.8 or later": the fixed release, never an affected one.
            self._fix(i, tok)
        elif family == "post_later":
            self._emit("range", i, lower=tok.text, variant=tok.variant)
            self.merge_ok = True
        elif any(is_conj(t) for t in self.t[i + 1 : j]):
            return None  # "8.1.15 and all versions of PAN-OS 8.0": the "all" is the next item's
        else:  # "all": "FortiOS 6.0 all versions"
            self._emit("wild", i, version=line_base(tok), variant=tok.variant)
            self._lines_before_all(i)
        return j + 1

    def _all_after(self, j: int) -> bool:
        """An "all versions" at `j` that ends the clause's list ("... in all versions.")."""
        return j < self.n and self.t[j].kind == "op" and self.t[j].family == "all" and not self._of_a_product(j + 1)

    def _lines_before_all(self, i: int) -> None:
        """ "plus 2.0 and 1.1 in all versions", "7.0 and 6.4 (all versions)": the "all" after a
        list of bare release lines is each line's, not only the last one's."""
        wild = self.exprs[-1]
        for e in reversed(self.exprs[:-1]):
            between = self.t[e.pos + 1 : i]
            joined = all(is_conj(t) or is_filler(t) or t.kind == "ver" for t in between)
            if e.kind != "version" or e.group is not wild.group or not is_plain_line(e.version) or not joined:
                break
            e.kind = "wild"
            i = e.pos

    def _same_product_skipped(self, i: int, k: int) -> int:
        """ "Struts 2.0.0 - Struts 2.3.37": a range's upper end may repeat the product it is
        of; the name is the same product's, so it neither ends the range nor starts a list."""
        before = self.t[i - 1] if i > 0 else None
        same = k + 1 < self.n and self.t[k].kind == "prod" and self.t[k + 1].kind == "ver"
        if same and before is not None and before.kind == "prod" and before.product == self.t[k].product:
            return k + 1
        return k

    def _glued_fix(self, i: int, k: int) -> bool:
        if self.pending == "fix" or (self.fix_mood and not self._affected(k)):
            return True
        if not self._affected(k) and self.t[i].text.count(".") == 1:
            return True  # "pushed 1.0-1.1": a release-build unless the clause says affected
        after = skip_fillers(self.t, k + 1)
        return not self._affected(k) and after < self.n and self.t[after].family == "post_later"

    def _apply_pending(self, i: int, tok: Tok) -> None:
        p = self.pending
        if p == "pre_fixed":
            self._bound(i, tok, "fixed")
        elif p == "pre_last":
            self._bound(i, tok, "last_affected")
        elif p == "fix" or (self.fix_mood and not tok.wildcard and p != "pre_later"):
            self._fix(i, tok)
        elif p == "pre_later":
            self._emit("range", i, lower=tok.text, variant=tok.variant)
            self.merge_ok = True
        elif tok.wildcard and self._names_a_branch(i) and not self._affected(i):
            pass  # "the first release of the 1.2.x branch to carry the patch": a name, not a statement
        elif tok.wildcard or (called_a_line(self.t, i) and self._affected(i)):
            self._emit("wild", i, version=line_base(tok), variant=tok.variant)
        elif reached_end_of_life(self.t, i) and self._affected(i):
            self._emit("wild", i, version=tok.text, variant=tok.variant, implied_line=True)
        elif (owed := self._owed_line(tok)) is not None:
            # "all versions of the end-of-life PAN-OS 8.0": the whole 8.0 line, not every version.
            self.exprs.remove(owed)
            self.owed_all = None
            self._emit("wild", i, version=tok.text, variant=tok.variant)
            self.lines_of_all = True
        elif self.lines_of_all and is_plain_line(tok.text) and self.exprs and self.exprs[-1].group is self.group:
            self._emit("wild", i, version=tok.text, variant=tok.variant)  # "... PAN-OS 8.0 and 7.1"
        else:
            self._emit("version", i, version=tok.text, alts=tok.alts, variant=tok.variant)

    def _names_a_branch(self, i: int) -> bool:
        """ "the 1.2.x branch", "7.0.x users": a wildcard followed by a line noun names the line."""
        j = i + 1
        return j < self.n and self.t[j].kind == "word" and self.t[j].text.lower() in lx.LABEL_NOUNS

    def _owed_line(self, tok: Tok) -> Expr | None:
        """The "all versions of <product>" a bare X.Y of that product narrows to its line."""
        owed = self.owed_all
        if owed is not None and owed.group is self.group and is_plain_line(tok.text) and owed in self.exprs:
            return owed
        return None

    def _fix(self, i: int, tok: Tok) -> None:
        # "120.0.6099.129/130 for Windows": two fixed builds; the lower one is the bound, so
        # no build at or above a fix is ever inside the affected range.
        version = tok.text
        for alt in tok.alts:
            if compare(alt, version) == -1:
                version = alt
        opaque = tok.family == "opaque"
        self._emit("fix", i, version=version, upper_kind="fixed", variant=tok.variant, opaque=opaque)

    def _bound(self, i: int, tok: Tok, upper_kind: str, *, by_line: bool = False) -> None:
        last = self.exprs[-1] if self.exprs else None
        if self.merge_ok and last is not None and last.kind == "range" and not last.upper:
            # "starting with 5.7.3 and before 5.11.5", "from 2.0-beta9 up to 2.14.1"
            last.upper, last.upper_kind = tok.text, upper_kind
            self.merge_ok = False
            return
        opaque = tok.family == "opaque"
        from_zero, self.from_zero = self.from_zero, False
        if from_zero and self.owed_all is not None and self.owed_all.group is self.group:
            # "All versions of the GiveWP plugin up to and including 3.14.1": the bound says which.
            self.exprs.remove(self.owed_all)
        self.owed_all = None
        self._emit(
            "bound", i, version=tok.text, upper_kind=upper_kind, variant=tok.variant, opaque=opaque,
            by_line=by_line, from_zero=from_zero,
        )  # fmt: skip

    def _on_op(self, i: int) -> int:
        tok = self.t[i]
        family = tok.family
        if family == "neg":
            self.negated = True
        elif family == "excl":
            return self._exclude(i + 1)  # "all versions except 7.2.5": carved out
        elif family == "all":
            j = skip_fillers(self.t, i + 1)
            nxt = self.t[j] if j < self.n else None
            if nxt is not None and nxt.kind == "op" and nxt.family in ("pre_fixed", "pre_last", "pre_later"):
                # "all versions prior to 20.4R3-S9", "every version from 16.1 prior to 16.1.6":
                # the bound that follows says which; it starts at "0" whatever else is listed.
                self.from_zero = True
            elif self._of_a_product(j):
                self.all_of = True  # "every version of ECS Connection Manager": that product's
            else:
                self._emit("all", i)
        elif family == "infix" and tok.text in ("through", "thru"):
            self.pending, self.pending_from = "pre_last", len(self.exprs)  # "3CX DesktopApp through 18.12.416"
        elif (family in lx.PRE_FAMILIES or family == "between") and not (
            self.pending == "fix" and family == "pre_later"  # "upgrade to at least 7.2.5"
        ):
            self.pending, self.pending_from = family, len(self.exprs)
        return i + 1
