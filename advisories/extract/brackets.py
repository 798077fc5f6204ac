"""Brackets and exclusions in a clause: "(build 12.2.0.4093)", "(excluding 2.12.2)", "except 7.2.5"."""

from __future__ import annotations

from .lookaround import is_conj, is_filler
from .model import Tok
from .naming import Naming
from .shapes import extends


def _ends_a_list(tok: Tok) -> bool:
    return tok.kind in ("prod", "op") or (tok.kind == "word" and not is_conj(tok) and not is_filler(tok))


class Brackets(Naming):
    """What a bracket or an exclusion says of the expression before it."""

    def _exclude(self, start: int) -> int:
        """The builds an exclusion names belong to the expression before it, never affected.
        The list ends where the clause goes on to something else ("except 11.2.0-h1 and
        11.2.3-h3, and PAN-OS 11.1 before 11.1.5-h1 ..."): a product, an operator or any
        word that is not list filler, once a build was named; the index after it is returned."""
        builds: list[str] = []
        k = start
        while k < self.n:
            tok = self.t[k]
            if tok.kind == "ver":
                builds.append(tok.text)
            elif builds and _ends_a_list(tok):
                break
            k += 1
        if self.exprs and builds:
            last = self.exprs[-1]
            last.excluded = (*last.excluded, *builds)
        return k

    def _build_of_release(self, at: int, inner: list[Tok]) -> None:
        """ "Veeam ONE 12.2 (build 12.2.0.4093)", "ESXi 8.0 Update 3d (build 24585383)": the
        release is a name and the build is what was fixed; a bare build number shows no line,
        so the fix becomes "check manually" rather than the release name's own range."""
        last = self.exprs[-1] if self.exprs else None
        words = [t for t in inner if t.kind != "punct"]
        # A bare version the clause does not state affected is a fix too, once settled (grammar).
        fix = last is not None and (last.kind == "fix" or (last.kind == "version" and not self._affected(at)))
        if last is None or last.pos != at or not fix or len(words) != 2:
            return
        noun, build = words
        if noun.text.lower() != "build" or build.kind not in ("ver", "num"):
            return
        if build.kind == "num" or extends(build.text, last.version):
            last.version = build.text

    def _exclude_all(self, toks: list[Tok]) -> None:
        """ "(excluding 5.14.14 and 5.15.12)": every build inside the brackets is carved out."""
        builds = tuple(t.text for t in toks if t.kind == "ver")
        if self.exprs and builds:
            last = self.exprs[-1]
            last.excluded = (*last.excluded, *builds)

    def _on_open(self, i: int) -> int:
        close = i + 1
        depth = 1
        while close < self.n and depth:
            depth += {"open": 1, "close": -1}.get(self.t[close].kind, 0)
            close += 1
        inner = self.t[i + 1 : close - 1 if depth == 0 else close]
        families = {t.family for t in inner if t.kind == "op"}
        if "neg" in families:
            self.negated = True
        after_version = i > 0 and self.t[i - 1].kind == "ver"
        if not any(t.kind == "ver" for t in inner) and not after_version and "excl" not in families:
            for k in range(i + 1, close):  # "Endpoint Manager Mobile (EPMM)": the alias names it
                if self.t[k].kind == "prod":
                    self._on_product(k)
            return close
        if "excl" in families:
            self._exclude_all(inner)
            return close
        if after_version:
            # "(13.0.6)" dual label, "(Build 63914)", "(excluding 2.12.2 ...)", "(all modules)"
            self._build_of_release(i - 1, inner)
            return close
        return i + 1
