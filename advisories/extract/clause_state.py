"""What one pass over a clause carries from token to token, and how it records an expression."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .lines import damaged_bound
from .model import Expr, Mention, Tok
from .mood import cues
from .shapes import date_like, extends


class ClauseState:
    """The parser's state. `group` is the product list inherited from earlier clauses."""

    def __init__(
        self,
        toks: list[Tok],
        *,
        fix_mood: bool,
        group: list[Mention] | None,
        affected_mood: bool = False,
        inherited: bool = False,
    ) -> None:
        self.t = toks
        self.n = len(toks)
        self.fix_mood = fix_mood
        # Only a version the clause states as affected is one (mood.py): "X and later", "from
        # X" and a bare X are otherwise fixes. `inherited`: an "Affected:" lead-in before it.
        self.cues = cues(toks, inherited=inherited)
        self.affected_mood = affected_mood or inherited
        self.group = group
        self.group_open = False  # a product list is still being named ("ADC and Gateway")
        self.pending = ""  # operator family distributed over the following versions
        self.pending_from = 0  # how many expressions there were when `pending` was set
        self.label: tuple[str, str] | None = None  # (branch label, variant) for the next bound
        self.more_variants: list[str] = []  # further variants the label names ("... and 12.1-NDcPP")
        self.fwd: tuple[str, ...] | None = None  # platform named before the versions
        # The platform the current product's own name says ("FortiClientMac"): its versions
        # only, never the next product's ("... for Windows before 2403.1 and Zoom before 6.0").
        self.named: tuple[str, ...] | None = None
        self.named_by: dict[Mention, tuple[str, ...]] = {}  # "A for Windows and B": A's own platform
        # Products the clause names with one platform ("a bypass in VMware Tools for Windows"),
        # whatever versions follow: where the flaw the text describes lives.
        self.described: list[tuple[Mention, tuple[str, ...]]] = []
        self.merge_ok = False  # an open range may still take an upper bound ("from X up to Y")
        self.negated = False
        self.from_zero = False  # "all versions prior to X": the next bound is not line-scoped
        self.all_of = False  # "every version of ECS Connection Manager": the "all" waits for its product
        self.owed_all: Expr | None = None  # that "all", until a bound of the product replaces it
        self.named_after: int | None = None  # where a product was named after its fixes ("... for Jira")
        # "all versions of PAN-OS 8.0 and 7.1": the list of lines that "all" narrowed to goes on.
        self.lines_of_all = False
        self.exprs: list[Expr] = []

    def _affected(self, i: int) -> bool:
        return self.cues.affected_at(self.t, i)

    def _emit(self, kind: str, i: int, **fields: Any) -> None:
        label, label_variant = self.label or ("", "")
        version = fields.get("version", "")
        opaque = fields.pop("opaque", False)
        # A date where the bound was ("6.x before 06/06/2001") shows no line: the label's holds.
        # "14.1 before 12.35": a damaged bound keeps the line it follows (is_label read it so).
        keeps = opaque or extends(version, label) or date_like(version) or damaged_bound(label, version)
        if kind in ("bound", "fix") and label and keeps:
            fields["label"] = label
        fields["variant"] = fields.get("variant") or label_variant
        self.label = None
        self.merge_ok = False
        # Only a bare version's reading rests on the clause's cues; a range operator is its own.
        doubtful = kind == "version" and self.cues.doubtful_at(self.t, i)
        found = [Expr(kind, group=self.group, platforms=self.named or self.fwd, pos=i, doubtful=doubtful, **fields)]
        if self.named_by and self.group and len(self.group) > 1:
            # "Zoom Desktop Client for Windows and Zoom VDI Client before 5.15.2": one each.
            found = [replace(found[0], group=[m], platforms=self.named_by.get(m, self.fwd)) for m in self.group]
        for expr in found:
            self.exprs += [expr, *(replace(expr, variant=v) for v in self.more_variants)]
        self.more_variants = []
