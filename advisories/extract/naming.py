"""Products and platforms named in a clause: which product list and platform each version is for."""

from __future__ import annotations

from advisories.products import named_platform

from . import lexicon as lx
from .clause_state import ClauseState
from .lookaround import is_conj

_BEFORE_A_NAME = frozenset({"the"}) | lx.STANDING  # "all versions of the end-of-life PAN-OS"
_RETRO_PLATFORM_GAP = 8  # tokens between a version list and a trailing "for Windows"


class Naming(ClauseState):
    """Product names ("NetScaler ADC and Gateway", "versions ... of the 3CX DesktopApp") and
    platforms ("for Windows", "FortiClientMac") as the clause names them."""

    def _on_product(self, i: int) -> int:
        tok = self.t[i]
        mention = (tok.product, tok.variant)
        if self.group_open and self.group and not self._after_a_finished_list(i):
            if mention not in self.group:
                self.group.append(mention)
        else:
            self.group, self.named_by = [mention], {}
            if self.pending != "fix" and len(self.exprs) > self.pending_from:
                # "7.0 before 7.0 U3s, and StoreOS Pro 5.x": a bound already spent on the last
                # product's versions does not carry over to the next product's.
                self.pending = ""
        self.group_open, self.merge_ok = True, False
        # "Citrix Workspace app for Windows", "FortiClientMac": the name says the platform.
        named = named_platform(tok.text)
        platforms = (named[0],) if named else None
        self.named = platforms
        if self.all_of:
            self.all_of, self.from_zero = False, True
            self._emit("all", i)
            self.owed_all = self.exprs[-1]
        waiting = [e for e in self.exprs if e.group is None]
        if not waiting and self.named_after is not None:
            # "8.13.18 and 8.20.6 for Jira and 4.13.18 and 4.20.6 for Jira Service Management":
            # where the text names each product after its fixes, the fixes since the last such
            # product wait for the next one, not for the one before them.
            since = [e for e in self.exprs if e.pos > self.named_after]
            if since and all(e.kind == "fix" for e in since) and self._after_of(i, fixes=True):
                waiting = since
        if self._after_of(i, fixes=bool(waiting) and all(e.kind == "fix" for e in waiting)):
            # "versions 18.12.407 and 18.12.416 of the 3CX DesktopApp", "has released
            # ESXi80U2sb-23305545 ... in VMware ESXi": the versions came first.
            for e in waiting:
                e.group = self.group
                e.platforms = e.platforms or platforms
            self.named_after = i if waiting and all(e.kind == "fix" for e in waiting) else None
        else:
            self.named_after = None
        return i + 1

    def _after_a_finished_list(self, i: int) -> bool:
        """ "On macOS Big Sur and Monterey, Safari 16.5.2 brings the fix": a list already closed
        by "and"/"or" before its last name ends there; a name after a comma starts a new one.
        "CVE-2024-4577 hits PHP-CGI on Windows: PHP 8.1.* before 8.1.29": a colon ends a list."""
        if i >= 2 and self.t[i - 1].text == ":":
            return True
        if i < 3 or self.t[i - 1].text != ",":
            return False
        j = i - 2
        while j >= 0 and self.t[j].kind == "prod":
            j -= 1
        return j >= 1 and is_conj(self.t[j]) and self.t[j].text != "," and self.t[j - 1].kind == "prod"

    def _of_a_product(self, j: int) -> bool:
        k = j + 1 if j < self.n and self.t[j].kind == "word" and self.t[j].text.lower() == "of" else self.n
        while k < self.n and self.t[k].kind == "word" and self.t[k].text.lower() in _BEFORE_A_NAME:
            k += 1
        return k < self.n and self.t[k].kind == "prod"

    def _after_of(self, i: int, *, fixes: bool) -> bool:
        j = i - 1
        while j >= 0 and self.t[j].kind == "word" and self.t[j].text.lower() == "the":
            j -= 1
        words = ("of", "in", "for") if fixes else ("of",)
        return j >= 0 and self.t[j].kind == "word" and self.t[j].text.lower() in words

    def _on_platform(self, i: int) -> int:
        names = [self.t[i].family]
        if i >= 2 and is_conj(self.t[i - 1]) and self.t[i - 2].kind == "prod":
            # "Citrix Workspace app for Windows and Mac": the name held the first platform.
            named = named_platform(self.t[i - 2].text)
            names[:0] = [named[0]] if named else []
        k = i + 1
        while k < self.n:
            if self.t[k].kind == "plat":
                names.append(self.t[k].family)
            elif not (is_conj(self.t[k]) and k + 1 < self.n and self.t[k + 1].kind == "plat"):
                break
            k += 1
        platforms = tuple(dict.fromkeys(names))
        if self._names_no_platform(i, k):
            return k
        # Only the current product's versions: "Edge 114.0.1823.41 ... after Chrome 114.0.5735.110
        # shipped for Windows" says nothing of Edge's platform.
        waiting = [e for e in self.exprs if e.platforms is None and e.group == self.group]
        if waiting and self.fwd is None and i - waiting[-1].pos <= _RETRO_PLATFORM_GAP and not self._new_mention(i):
            for e in waiting:  # "18.12.407 and 18.12.416 for Windows"
                e.platforms = platforms
        elif self._names_a_product(i):
            # "Zoom Desktop Client for Windows and Zoom VDI Client before 5.15.2": part of the
            # name, as "FortiClientMac" is; the next product named is not limited by it.
            self.named = platforms
            if self.group:
                self.named_by[self.group[-1]] = platforms
                if len(platforms) == 1:
                    self.described.append((self.group[-1], platforms))
        else:  # "3CX DesktopApp for Windows versions ..."
            self.fwd, self.named = platforms, None
        return k

    def _names_no_platform(self, i: int, k: int) -> bool:
        """ "On Linux and FreeBSD": one of the systems listed has no platform of its own, so the
        list limits nothing; "let Linux containers reach the API", "a Windows registry key": the
        OS name describes something else the text speaks of, not where the product runs."""
        before = i >= 2 and is_conj(self.t[i - 1]) and self.t[i - 2].text.lower() in lx.OTHER_OS
        after = k + 1 < self.n and is_conj(self.t[k]) and self.t[k + 1].text.lower() in lx.OTHER_OS
        thing = k < self.n and self.t[k].kind == "word" and self.t[k].text.lower() in lx.OS_THINGS
        return before or after or thing

    def _new_mention(self, i: int) -> bool:
        """ "Firefox before 97.0.2, ..., Firefox for Android before 97.3.0": the product named
        again with its platform is another edition of it, not the platform of the builds before;
        "versions A and B of the 3CX DesktopApp for Windows" name theirs after "of"."""
        if not self._names_a_product(i):
            return False
        p = i - 2 if self.t[i - 1].text.lower() == "for" else i - 1
        return not self._after_of(p, fixes=False)

    def _names_a_product(self, i: int) -> bool:
        j = i - 1
        if j >= 0 and self.t[j].kind == "word" and self.t[j].text.lower() == "for":
            j -= 1
        return j >= 0 and j < i - 1 and self.t[j].kind == "prod"
