"""One run: fetch due feeds, load rules and inventories, match, queue alerts, deliver.

Each feed, inventory and message is handled in its own try, so one bad part never stops the
rest; what failed is collected in the RunSummary, which the CLI prints.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jinja2 import Environment, TemplateError

from advisories import inputs, lookups, processes
from advisories.acks.alerting import link_context, verdict_for
from advisories.alerts import Signatures, Withdrawal, alert_keys, build_alert, withdrawn_row
from advisories.config import Config, CouncilConfig, FeedConfig
from advisories.defaults import catalogue_path
from advisories.delivery import Transport
from advisories.delivery.channels import render_notice
from advisories.delivery.notice import Notice, WithdrawalNotice
from advisories.delivery.outbox import deliver_queued, trouble_line
from advisories.delivery.setup import setup_for, transports_for
from advisories.errors import AdvisoriesError, FetchError, InventoryError
from advisories.extract import KnownProduct
from advisories.inventory import InventoryLoad, load_inventory
from advisories.limits import cap_advisory
from advisories.matching import Estate, Matcher, PublisherClash
from advisories.merge import merge_by_cve
from advisories.models import Advisory, FetchResult, InventoryItem, Match, Status
from advisories.operator import queue_notice
from advisories.priority import with_epss
from advisories.products import Catalogue
from advisories.prose import known_from, with_extracted
from advisories.render import environment, template_problem
from advisories.report import RunSummary
from advisories.rules import load_rules
from advisories.sources import Collected, CollectingSource, authority_of, source_for
from advisories.sources.epss import EpssSource
from advisories.sources.fetch import FetchPolicy, fetch, read_local
from advisories.store import AlertRow, FeedState, StateError, Store, now, store_errors
from advisories.store import acks as answers
from advisories.store.inputs import Clash, CouncilMark, forget_council, record_council

Progress = Callable[[str], None]

# A feed polled by cron a little early (the job's own run time) still counts as due.
_DUE_SLACK = timedelta(seconds=90)


@dataclass(frozen=True)
class Reference:
    rules: tuple[Advisory, ...]
    catalogue: Catalogue
    known: tuple[KnownProduct, ...]


@dataclass(frozen=True)
class _Read:
    """What a run knows before its councils are read: inventories read already (to choose the
    advisories), for a scoped run the keys whose rows changed (council -> keys), and every
    advisory id the state's exposures are judged against (Store.observe_exposures)."""

    loaded: Mapping[str, InventoryLoad | None]
    keys: Mapping[str, frozenset[str]] | None
    active: set[str]


def _quiet(_: str) -> None:
    pass


def _enriches(feed: FeedConfig) -> bool:
    """A feed of scores for CVEs other feeds name, polled after them (a source's `enrichment`)."""
    try:
        return bool(getattr(source_for(feed.kind), "enrichment", False))
    except KeyError:
        return False


class Pipeline:
    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        transport: Transport | None = None,
        policy: FetchPolicy | None = None,
        progress: Progress = _quiet,
        clock: Callable[[], datetime] = now,
        transports: Mapping[str, Transport] | None = None,
    ) -> None:
        """`transport`: email's, in place of the configured one; `transports`: by channel."""
        self.config = config
        self.store = store
        self.transports = dict(transports or transports_for(setup_for(config)))
        if transport is not None:
            self.transports["email"] = transport
        self.policy = policy or FetchPolicy()
        self.progress = progress
        self.clock = clock
        self.reference: Reference | None = None
        self._store_pid = os.getpid()  # the process `store`'s connection belongs to
        self._inherited: Store | None = None  # in a worker: the parent's store, left alone

    def run(self, *, only_feeds: set[str] | None = None, force: bool = False, deliver: bool = True) -> RunSummary:
        """`deliver=False`: fetch, match and queue only (`serve` delivers in a job of its own)."""
        summary = RunSummary()
        # A state that cannot be written (a full disk) stops the fetching and matching, whose
        # transactions roll back whole, but not the delivery of what earlier runs queued.
        with self.state_errors(summary):
            self.ingest(summary, only_feeds=only_feeds, force=force)
        if deliver:
            with self.state_errors(summary):
                self.deliver(summary)
        return summary

    def run_delivery(self) -> RunSummary:
        """Only deliver (and tell the operator): `serve`'s delivery job, `outbox --retry`."""
        summary = RunSummary()
        with self.state_errors(summary):
            self.deliver(summary)
        return summary

    def ingest(self, summary: RunSummary, *, only_feeds: set[str] | None = None, force: bool = False) -> None:
        self.reference = self.load_reference(summary)
        chosen = [f for f in self.config.feeds if only_feeds is None or f.name in only_feeds]
        for feed in chosen:
            if feed.kind != "cve" and not _enriches(feed):
                self.poll(feed, summary, force=force)
        # CVE records are looked up for the ids the other feeds (and the rules) name: last, and in
        # every run, so that `serve` polling one feed resolves that feed's new ids at once; a cve
        # feed not chosen this run looks up new ids only, leaving refreshes to its own `every`.
        for feed in self.config.feeds:
            if feed.kind == "cve":
                self.resolve_cves(feed, summary, force=force and feed in chosen, new_only=feed not in chosen)
        for feed in chosen:  # scores for CVEs (EPSS): after every source that names them
            if _enriches(feed):
                self.poll(feed, summary, force=force)
        self.process(summary)
        self.store.record_stage("ingest", at=self.clock())

    @contextmanager
    def state_errors(self, summary: RunSummary) -> Iterator[None]:
        try:
            with store_errors(self.store.path or self.config.state):
                yield
        except StateError as exc:
            summary.state_errors.append(str(exc))

    def load_reference(self, summary: RunSummary) -> Reference:
        """Rules and the product catalogue: read once per run, before the feeds."""
        rules = load_rules(self.config.rules)
        # A broken rule is skipped, the rest go on; but the run is not "all well" (exit 1).
        summary.rules_failed.extend(f"rule skipped: {p}" for p in rules.problems)
        try:
            catalogue = Catalogue.load(catalogue_path(self.config.rules))
        except AdvisoriesError as exc:
            summary.rules_failed.append(f"product catalogue not used: {exc}")
            catalogue = Catalogue()
        return Reference(rules.advisories, catalogue, known_from(catalogue, rules.advisories))

    # -- fetch ---------------------------------------------------------------------------

    def is_due(self, feed: FeedConfig) -> bool:
        state = self.store.feed_state(feed.name)
        if state is None or state.last_attempt_at is None:
            return True
        return self.clock() - state.last_attempt_at + _DUE_SLACK >= timedelta(seconds=feed.every_s)

    def poll(self, feed: FeedConfig, summary: RunSummary, *, force: bool = False) -> None:
        state = self.store.feed_state(feed.name)
        where = str(feed.path or feed.url)
        # A feed the publisher removed (410) stays off until the operator changes its url.
        gone = state is not None and state.disabled_reason and state.disabled_url == where
        if not feed.enabled or gone:
            why = state.disabled_reason if gone and state else "enabled = false in feeds.toml"
            summary.feeds_disabled.append(f"{feed.name}: disabled ({why})")
            return
        if not force and not self.is_due(feed):
            summary.feeds_skipped.append(f"{feed.name}: not due yet")
            return
        self.progress(f"fetching {feed.name}")
        at = self.clock()
        # A test's policy may be smaller than the feed's default cap; never larger than asked.
        policy = self.policy.for_feed(feed.deadline_s, min(feed.max_bytes, self.policy.max_bytes)
                                      if feed.max_bytes == FeedConfig.max_bytes else feed.max_bytes)
        try:
            source = source_for(feed.kind)
            if feed.path is not None:
                result = read_local(feed.name, feed.path, policy)
            elif isinstance(source, CollectingSource):
                # Discovery sources fetch many documents and keep their own validators.
                collected = self._collect(source, feed, state, policy)
                self._store_advisories(collected.advisories, summary)
                summary.warnings.extend(collected.problems)
                summary.feeds_fetched.append(f"{feed.name} ({len(collected.advisories)} entries)")
                self.store.record_fetch_ok(feed.name, etag=None, last_modified=None,
                                           permanent_url=None, at=at, cursor=collected.cursor)
                self.store.record_stage(f"feed {feed.name}", at=at)
                return
            else:
                # A feed moved for good (301/308) is fetched at its new address, until the
                # operator edits its url: then the edit wins.
                moved = state is not None and state.permanent_url and state.redirected_from == feed.url
                url = (state.permanent_url if moved and state else None) or feed.url or ""
                result = fetch(
                    feed.name, url, policy=policy, accept=getattr(source, "accept", "*/*"),
                    etag=state.etag if state else None,
                    last_modified=state.last_modified if state else None,
                )
            if result.body is None:
                summary.feeds_not_modified.append(feed.name)
                if not authority_of(feed.kind).structured and feed.url:  # pages a past run could not read
                    unread = lookups.unread_items(self.store, feed.name)
                    read = self._read_articles(feed, result.url, unread, summary, policy)
                    self._store_advisories([a for a, b in zip(read, unread, strict=True) if a != b], summary)
            elif isinstance(source, EpssSource):
                self._store_epss(source, feed, result.body, summary)
            else:
                advisories = source.parse(result.body, feed=feed.name, url=result.url)
                if not authority_of(feed.kind).structured and feed.url:
                    advisories = self._read_articles(feed, result.url, advisories, summary, policy)
                self._store_advisories(advisories, summary)
                summary.feeds_fetched.append(f"{feed.name} ({len(advisories)} entries)")
        except AdvisoriesError as exc:
            disable = isinstance(exc, FetchError) and exc.disable
            self.store.record_fetch_error(feed.name, str(exc), at=at,
                                          disable_url=where if disable else None)
            self.store.record_stage(f"feed {feed.name}", at=at, error=str(exc))
            summary.feeds_failed.append(str(exc))
            return
        # Validators are stored only after the body was parsed and stored: a crash before
        # this line means the next run downloads the feed again rather than missing entries.
        self.store.record_fetch_ok(
            feed.name, etag=result.etag, last_modified=result.last_modified,
            permanent_url=result.permanent_url, at=at, requested=feed.url,
        )
        self.store.record_stage(f"feed {feed.name}", at=at)

    def _store_epss(self, source: EpssSource, feed: FeedConfig, body: bytes, summary: RunSummary) -> None:
        """Keep the scores of the CVEs our advisories (and rules) name; the rest of the file goes."""
        rules = self.reference.rules if self.reference else ()
        wanted = {c for a in (*self.store.advisories(), *rules) for c in a.cves}
        found = source.read(body, feed=feed.name, wanted=wanted)
        self.store.replace_epss(found.scores)
        summary.feeds_fetched.append(f"{feed.name} ({len(found.scores)} of {found.rows} CVEs scored)")

    def _read_articles(self, feed: FeedConfig, feed_url: str, advisories: list[Advisory],
                       summary: RunSummary, policy: FetchPolicy) -> list[Advisory]:
        report = lookups.Report()
        read = lookups.with_articles(advisories, feed, feed_url, self.store, policy,
                                     clock=self.clock, progress=self.progress, report=report)
        summary.lookups.extend(report.counts)
        summary.lookups_failed.extend(report.failed)
        return read

    def _collect(self, source: CollectingSource, feed: FeedConfig, state: FeedState | None,
                 policy: FetchPolicy) -> Collected:
        def get(
            url: str,
            *,
            etag: str | None = None,
            last_modified: str | None = None,
            accept: str = "*/*",
            extra_headers: Mapping[str, str] | None = None,
        ) -> FetchResult:
            return fetch(feed.name, url, policy=policy, etag=etag, last_modified=last_modified,
                         accept=accept, extra_headers=extra_headers)

        secret = os.environ.get(feed.api_key_env) if feed.api_key_env else None
        return source.collect(feed.name, feed.url or "", get, state.cursor if state else None, secret)

    def resolve_cves(self, feed: FeedConfig, summary: RunSummary, *, force: bool = False,
                     new_only: bool = False) -> None:
        """Look up the CVE ids other sources name (lookups.resolve_cves)."""
        if not feed.enabled:
            if not new_only:
                summary.feeds_disabled.append(f"{feed.name}: disabled (enabled = false in feeds.toml)")
            return
        reference = self.reference or self.load_reference(summary)
        at, report = self.clock(), lookups.Report()
        try:
            found = lookups.resolve_cves(feed, [*self.store.advisories(), *reference.rules], self.store,
                                         self.policy, at=at, force=force, new_only=new_only,
                                         progress=self.progress, report=report)
        except AdvisoriesError as exc:  # the url is not the API: the feed fails, named, exit 1
            self.store.record_fetch_error(feed.name, str(exc), at=at)
            self.store.record_stage(f"feed {feed.name}", at=at, error=str(exc))
            summary.feeds_failed.append(str(exc))
            return
        if found is None:
            if not new_only:
                summary.feeds_skipped.append(f"{feed.name}: no CVE record due")
            return
        self._store_advisories(found.advisories, summary)
        lookups.remember(found, self.store)
        summary.lookups.extend(report.counts)
        summary.lookups_failed.extend(report.failed)
        summary.feeds_fetched.append(f"{feed.name} ({found.fetched} records)")
        self.store.record_fetch_ok(feed.name, etag=None, last_modified=None, permanent_url=None, at=at)
        # The API unreachable for every id this run is the CVE source failing, not a quiet run.
        unreachable = report.failed and not found.fetched
        self.store.record_stage(f"feed {feed.name}", at=at, error=report.failed[0] if unreachable else None)

    def _store_advisories(self, advisories: list[Advisory], summary: RunSummary) -> None:
        at = self.clock()
        known = self.reference.known if self.reference else ()
        for advisory in advisories:
            advisory = cap_advisory(with_extracted(advisory, known))  # every source's and rule's way in
            outcome = self.store.upsert_advisory(advisory, at=at)
            if outcome == "new":
                summary.advisories_new += 1
            elif outcome == "updated":
                summary.advisories_updated += 1

    # -- match and queue -----------------------------------------------------------------

    def process(self, summary: RunSummary) -> None:
        reference = self.reference or self.load_reference(summary)
        self._store_advisories(list(reference.rules), summary)
        if not summary.rules_failed and self.config.rules.is_dir():
            # Only when every rule file read cleanly: a rule with a typo is not withdrawn.
            for rid in self.store.withdraw_rules({a.id for a in reference.rules}):
                summary.warnings.append(f"rule {rid} withdrawn: its file is no longer in {self.config.rules}")
        at = self.clock()
        councils = self.config.councils
        try:  # what is frozen below goes back to the collector with the run's end (finally)
            with summary.timed("advisories"), _collector_paused():
                today = at.astimezone(ZoneInfo(self.config.timezone)).date().isoformat()
                plan = inputs.plan(self.config, self.store, catalogue_path(self.config.rules), at=at, today=today)
                if plan.why and self.store.advisories_count() and plan.marks:
                    summary.notes.append(f"  councils    all matched again: {plan.why}")
            # Councils due only because their inventory changed are read first: what changed in
            # them decides which advisories are read (inputs.scoped).
            due = [c for c in councils if plan.due(c.id)]
            loaded: dict[str, InventoryLoad | None] = {}
            scope: inputs.Scoped | None = None
            keys: dict[str, frozenset[str]] | None = None
            if plan.data_same and due and all(c.id in plan.scoped for c in due):
                loaded = self._read_inventories(due, summary)
                keys = self._changed_keys(due, plan, loaded, reference.catalogue)
            with summary.timed("advisories"), _collector_paused():  # 20,000 advisories decoded: kept all run
                stored: list[Advisory] | None = None
                advisories: list[Advisory] = []
                rejected: dict[str, Advisory] = {}
                digests: dict[str, inputs.AdvisoryInput] | None = None
                if keys is not None:
                    matched = {a for c in keys for a in plan.marks[c].matched}
                    scope = inputs.scoped(self.store, set().union(*keys.values()), matched, at=at)
                if scope is not None:
                    advisories, rejected = scope.merged, self._settled_rejections(scope.stored)
                elif not plan.data_same or len(plan.unchanged) < len(councils):
                    stored = self.store.advisories()
                    # EPSS joins after the merge (a group's highest); it orders alerts, never changes a signature.
                    advisories = with_epss(merge_by_cve(stored, now=at), self.store.epss_scores())
                    rejected = self._settled_rejections(stored)
                    if not plan.data_same:
                        digests = inputs.settle(plan, self.store, advisories, reference.catalogue, rejected)
            summary.advisories_total = len(stored) if stored is not None else self.store.advisories_count()
            due = [c for c in councils if plan.due(c.id)]
            if 0 < len(due) < len(councils):
                told = [f"{c.id} ({plan.reasons.get(c.id, 'not matched in full at the last run')})" for c in due[:5]]
                more = f" and {len(due) - 5} more" if len(due) > 5 else ""
                summary.notes.append(f"  read again  {', '.join(told)}{more}")
            active = scope.active if scope is not None else {a.id for a in advisories} | {
                s for a in advisories for s in a.sources}
            read = _Read(loaded, keys if scope is not None else None, active)
            clashes = self._process_councils(due, plan, reference, advisories, rejected, summary, read) if due else {}
        finally:
            gc.unfreeze()
        for council in councils:  # the unchanged ones, told as their last reading found them
            if not plan.due(council.id):
                mark = plan.marks[council.id]
                summary.councils_checked += 1
                summary.councils_unchanged += 1
                summary.matches_affected += mark.affected
                summary.matches_unknown += mark.unknown
                summary.warnings.extend(mark.problems)
                clashes[council.id] = list(mark.clashes)
        summary.publisher_clashes.extend(_describe_clashes(clashes))
        with summary.timed("queue"):
            inputs.finish(plan, self.store, at=at, stored=stored, digests=digests,
                          rejections=rejected if digests is not None else None)

    def _process_councils(self, due: list[CouncilConfig], plan: inputs.Plan, reference: Reference,
                          advisories: list[Advisory], rejected: dict[str, Advisory], summary: RunSummary,
                          read: _Read) -> dict[str, list[Clash]]:
        """The councils to read, in this process or, at sector scale, in one per core."""
        with summary.timed("match"), _collector_paused():  # built once, before any fork: workers share it
            matcher = Matcher(advisories, reference.catalogue)
        env = environment(self.config.templates)  # its templates compiled once, for every worker too
        workers = processes.process_count(len(due)) if self.store.path is not None else 1
        if workers == 1:
            return self._process_due(due, plan, reference, rejected, summary, matcher, env, read)

        def chunk(councils: Sequence[CouncilConfig]) -> tuple[RunSummary, dict[str, list[Clash]]]:
            if self._store_pid != os.getpid():  # the parent's connection stays the parent's:
                # kept referenced, never closed here (closing it in the child would run SQLite's
                # close on the parent's file handles), and never used.
                self._inherited, self.store = self.store, self.store.reopened()
                self._store_pid = os.getpid()
            part = RunSummary()
            found = self._process_due(list(councils), plan, reference, rejected, part, matcher, env, read)
            return part, found

        self.progress(f"reading {len(due)} councils in {workers} processes")
        clashes: dict[str, list[Clash]] = {}
        failed: BaseException | None = None
        for councils, outcome in processes.in_processes(chunk, processes.chunks(due, workers), workers):
            if isinstance(outcome, BrokenProcessPool):  # killed (out of memory): its councils, by name
                summary.inventories_failed.extend(
                    f"{c.id}: not read: a worker process stopped before it finished (killed; the container's "
                    "memory limit is the usual cause, check it if this repeats); read again at the next run"
                    for c in councils)
            elif isinstance(outcome, BaseException):
                failed = failed or outcome
            else:
                part, found = outcome
                summary.absorb(part)
                clashes.update(found)
                continue
            for council in councils:  # what it had not recorded is read again next run, never skipped
                forget_council(self.store, council.id)
        summary.notes.append(f"  councils    read in {workers} processes (the time line adds up their work)")
        if failed is not None:  # as the same fault would in one process (a full disk: state_errors)
            raise failed
        return clashes

    def _read_inventories(self, due: list[CouncilConfig], summary: RunSummary) -> dict[str, InventoryLoad | None]:
        with summary.timed("inventories"), _collector_paused():
            found = {}
            for council in due:
                self.progress(f"reading {council.name}'s inventory")
                found[council.id] = self._inventory(council, summary)
            return found

    def _changed_keys(self, due: list[CouncilConfig], plan: inputs.Plan, loaded: Mapping[str, InventoryLoad | None],
                      catalogue: Catalogue) -> dict[str, frozenset[str]] | None:
        """Council -> the product keys whose rows changed since it was last matched, read from
        its inventory as kept then (None: one of them was not kept as matched, and every
        advisory is read)."""
        keys = {}
        for council in due:
            load, mark = loaded[council.id], plan.marks[council.id]
            if load is None:
                continue
            kept = inputs.kept_as_matched(self.store.path, mark) if self.store.path is not None else None
            if kept is None:
                return None
            try:
                before = load_inventory(kept, council.id, platform=council.platform).items
            except (InventoryError, OSError):
                return None
            keys[council.id] = inputs.rows_changed(mark, before, load.items, catalogue)
        return keys

    def _process_due(self, due: list[CouncilConfig], plan: inputs.Plan, reference: Reference,
                     rejected: dict[str, Advisory], summary: RunSummary, matcher: Matcher, env: Environment,
                     read: _Read) -> dict[str, list[Clash]]:
        """Read, match, alert and record the councils whose inputs changed (or all, at first)."""
        checked: list[CouncilConfig] = []
        items: list[InventoryItem] = []
        inventories: dict[str, list[InventoryItem]] = {}
        problems: dict[str, tuple[str, ...]] = {}
        # Those read already (to choose the advisories) are not read again.
        loads = {**read.loaded, **self._read_inventories([c for c in due if c.id not in read.loaded], summary)}
        with _collector_paused():
            for council in due:
                loaded = loads[council.id]
                if loaded is None:  # an unreadable inventory never marks exposures remediated
                    forget_council(self.store, council.id)
                    continue
                checked.append(council)
                inventories[council.id] = list(loaded.items)
                problems[council.id] = loaded.problems
                items.extend(loaded.items)
        summary.councils_checked += len(checked)
        if not checked:
            return {}
        # One estate for every council: each distinct row is matched once, then fanned out.
        self.progress(f"matching {len(items)} inventory rows against {matcher.advisories} advisories")
        with summary.timed("match"), _collector_paused():
            by_council: dict[str, list[Match]] = {c.id: [] for c in checked}
            estate = Estate(items, reference.catalogue)
            for match in matcher.match_estate(estate):
                by_council[match.item.council_id].append(match)
            key_for = reference.catalogue.key_for
            if read.keys is not None:  # whether a row clashes depends on all its key's advisories
                estate = Estate([i for i in items if key_for(i) in read.keys[i.council_id]], reference.catalogue)
            clashes = _clash_records(matcher.publisher_clashes(estate))
        signed = Signatures()  # each advisory's statements signed once for these councils, not per council
        for council in checked:
            matches = by_council[council.id]
            # First: what the rejected CVEs told is withdrawn, not "remediated".
            withdrawn = not rejected or self._withdraw(council, rejected, matches, inventories[council.id], env,
                                                       summary)
            if self._queue(council, matches, env, summary, read.active, signed) and withdrawn:
                record_council(self.store, CouncilMark(
                    council.id, plan.own[council.id], plan.shared,
                    frozenset(map(key_for, inventories[council.id])),
                    frozenset(m.advisory.id for m in matches),
                    sum(m.status is Status.AFFECTED for m in matches),
                    sum(m.status is Status.UNKNOWN for m in matches),
                    problems[council.id], tuple(clashes.get(council.id, ())), plan.rest[council.id]), at=self.clock())
                if self.store.path is not None:
                    inputs.keep_inventory(self.store.path, council)
            else:
                forget_council(self.store, council.id)
        return clashes

    def _settled_rejections(self, stored: list[Advisory]) -> dict[str, Advisory]:
        """CVE -> its rejected record (the CNA's, which says why, over CISA-ADP's empty one); a
        duplicate only once every CVE replacing it has been looked up, so that "no action needed"
        is never said while the replacement's own versions are still unknown."""
        records = sorted((a for a in stored if a.withdrawn), key=lambda a: bool(a.notes))
        if not records:
            return {}
        looked_up = self.store.lookups(lookups.CVE_PREFIX)
        rejected = {cve: a for a in records for cve in a.cves}
        return {cve: a for cve, a in rejected.items()
                if all(lookups.CVE_PREFIX + r in looked_up for r in a.replaced_by)}

    def _withdraw(self, council: CouncilConfig, rejected: Mapping[str, Advisory], matches: list[Match],
                  inventory: list[InventoryItem], env: Environment, summary: RunSummary) -> bool:
        """What a council was told through a now-rejected CVE: if another CVE or a rule still
        covers that row this run, it carries on under that key, told nothing new; if nothing does,
        the council is told once that it can stand down, and the exposure closes as withdrawn."""
        tz, at = ZoneInfo(self.config.timezone), self.clock()
        still: dict[str, list[str]] = {}  # "product|version|platform" -> the keys it is matched under
        for m in matches:
            for key in alert_keys(m):
                still.setdefault(key.split("|", 2)[2], []).append(key)
        rows = []
        for e in self.store.open_exposures(council.id):
            if e.key.split("|")[1] not in rejected:
                continue
            surviving = still.get(e.key.split("|", 2)[2])
            if surviving:
                self.store.carry_exposure(e.key, surviving, at=at)
            else:
                first = e.first_alerted_at.astimezone(tz)
                row = withdrawn_row(e.key, e.devices, first.strftime("%d %B %Y"), first.date())
                rows.append(row)
        if not rows:
            return True
        names = {i.product.strip().casefold(): i.product for i in inventory}  # as the export spells it
        rows = [replace(r, product=names.get(r.product, r.product)) for r in rows]
        cves = sorted({r.cve for r in rows})
        reasons = tuple((cve, "; ".join(rejected[cve].notes) or "rejected by its CNA") for cve in cves)
        # Told on every channel the council has, as its alerts are: one row per channel and destination.
        notice = WithdrawalNotice(Withdrawal(council.id, council.name, council.recipients, tuple(rows), reasons),
                                  at.astimezone(tz).strftime("%d %B %Y %H:%M %Z"), council.webhooks)
        try:
            outgoing = render_notice(notice, setup_for(self.config, templates=env))
        except TemplateError as exc:
            summary.emails_failed.append(f"{council.id}: cannot render the withdrawal notice: "
                                         f"{template_problem(exc)}; fix the template and run again")
            return False
        if self.store.withdraw(outgoing, [r.key for r in rows], at=at):
            count_queued(summary, outgoing)
            summary.notes.append(f"  {council.id}: alerts through rejected {', '.join(cves)} withdrawn")
        return True

    def _inventory(self, council: CouncilConfig, summary: RunSummary) -> InventoryLoad | None:
        try:
            loaded = load_inventory(council.inventory, council.id, platform=council.platform)
        except (InventoryError, OSError) as exc:
            summary.inventories_failed.append(f"{council.id}: {exc}")
            return None
        summary.warnings.extend(loaded.problems)
        if not loaded.items:
            # An empty export (headers only, a failed report) must not read as "everything fixed".
            summary.inventories_failed.append(
                f"{council.id}: {council.inventory} has no usable rows; check the export")
            return None
        return loaded

    def _queue(
        self, council: CouncilConfig, matches: list[Match], env: Environment, summary: RunSummary,
        active: set[str], signed: Signatures,
    ) -> bool:
        """Queue the council's alert, if it has news; False when it could not be built (nothing
        is recorded then, so the next run tries again)."""
        summary.matches_affected += sum(m.status is Status.AFFECTED for m in matches)
        summary.matches_unknown += sum(m.status is Status.UNKNOWN for m in matches)
        at = self.clock()
        with summary.timed("alerts"):
            if council.platform:
                # Rows alerted before the council said what its export's rows run ("…|any") are
                # the same installs now read as that platform: keep their history, alert once.
                self.store.carry_platform(council.id, council.platform, {k for m in matches for k in alert_keys(m)})
            previous, devices = self.store.alert_history(council.id)
            # The council's answers (acks/): silenced exposures, and those told again once.
            verdict = verdict_for(self.store, council, matches, at=at, tz=ZoneInfo(self.config.timezone))
            alert = build_alert(council.id, council.name, council.recipients, matches, previous,
                                devices, verdict.silenced, verdict.told_again, signed)
            if alert is not None and any(s.update for s in alert.all_sections):
                subjects = {k.split("|")[1] for k, _ in alert.keys}
                alert = replace(alert, thread=self.store.thread(council.id, subjects))
        ok = True
        if alert is not None:
            local = at.astimezone(ZoneInfo(self.config.timezone))
            rows = _alert_rows(alert.keys, matches)
            # The neutral message, built once; each of the council's channels renders it.
            notice = Notice(alert, local.strftime("%d %B %Y %H:%M %Z"), council.webhooks,
                            email_context=link_context(self.config.web, alert, previous, at=at))
            try:
                with summary.timed("render"):
                    outgoing = render_notice(notice, setup_for(self.config, templates=env))
            except TemplateError as exc:  # nothing queued, nothing recorded: the next run alerts
                ok = False
                summary.emails_failed.append(
                    f"{council.id}: cannot render the alert: {template_problem(exc)}; fix the template "
                    "(`advisories check` renders them all) and run again"
                )
            except ValueError as exc:  # config validation should make this unreachable
                ok = False
                summary.emails_failed.append(f"{council.id}: cannot build the alert: {exc}")
            else:
                with summary.timed("queue"):
                    if outgoing and self.store.queue(outgoing, rows, at=at):
                        count_queued(summary, outgoing)
                    answers.reopen(self.store, verdict.reopened, at=at)  # told again once, never twice
        with summary.timed("queue"):
            present: dict[str, int] = {}
            for m in matches:
                for key in alert_keys(m):  # every spelling of the key keeps its exposure open
                    present[key] = present.get(key, 0) + m.item.devices
            self.store.observe_exposures(council.id, present, at=at, active=active)
        return ok

    # -- deliver -------------------------------------------------------------------------

    def deliver(self, summary: RunSummary) -> None:
        with summary.timed("deliver"):
            self._deliver(summary)

    def _deliver(self, summary: RunSummary) -> None:
        queued = self.store.queued_count()
        if queued:
            self.progress(f"delivering {queued} message(s)")
        delivered = deliver_queued(self.store, self.transports, summary, clock=self.clock)
        at = self.clock()
        self.store.record_stage("deliver", at=at, error=delivered.transport_fault)
        # Trouble of earlier runs is named again on every run, until the operator acts on it.
        stuck = at - timedelta(seconds=self.config.operator.stuck_after_s)
        summary.outbox_trouble = [trouble_line(entry, at) for entry in self.store.outbox_trouble(stuck)
                                  if entry.item.key not in delivered.tried]
        notice = queue_notice(self.config, self.store, at)
        if notice is not None:  # only the notice: what the first pass left queued waits its turn
            deliver_queued(self.store, self.transports, summary, clock=self.clock, only={notice.key})
            summary.notes.append(f"  operator    notice queued for {', '.join(notice.to)}: {notice.subject}")


def count_queued(summary: RunSummary, outgoing: Sequence[object]) -> None:
    """A notice queued (an alert, a withdrawal): one more email, and one more row on each of its channels."""
    kinds = [getattr(item, "channel", "email") for item in outgoing]
    summary.emails_queued += "email" in kinds
    for kind in kinds:
        counts = summary.by_channel.setdefault(kind, {})
        counts["queued"] = counts.get("queued", 0) + 1


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage-collector passes while millions of long-lived objects (inventory rows, the
    estate, the matcher) are built: each pass would scan all those already kept, for nothing
    to free. Afterwards they are frozen (out of the collector's sight until the run ends:
    `process` unfreezes them), and the collector runs again for the rest."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _alert_rows(keys: tuple[tuple[str, str], ...], matches: list[Match]) -> list[AlertRow]:
    devices: dict[str, int] = {}
    first: dict[str, Match] = {}
    for m in matches:
        for key in alert_keys(m):
            first.setdefault(key, m)
            devices[key] = devices.get(key, 0) + m.item.devices
    return [
        AlertRow(key, first[key].item.council_id, first[key].advisory.id, sig, devices[key],
                 first[key].status.value)
        for key, sig in keys
    ]


def _clash_records(clashes: list[PublisherClash]) -> dict[str, list[Clash]]:
    """Council -> its share of each clash: (product, vendor) as the first row names them, the
    advisory, the statement's maker and how many of the council's rows."""
    by_council: dict[str, list[Clash]] = {}
    for clash in clashes:
        first = clash.items[0]
        counts: dict[str, int] = {}
        for item in clash.items:
            counts[item.council_id] = counts.get(item.council_id, 0) + 1
        for council, rows in counts.items():
            by_council.setdefault(council, []).append(
                (first.product, first.vendor, clash.advisory.id, clash.statement.vendor, rows))
    return by_council


def _describe_clashes(by_council: Mapping[str, Sequence[Clash]]) -> list[str]:
    """One line per installed product: which advisories name it under another maker."""
    rows: dict[tuple[str, str], dict[str, int]] = {}
    named: dict[tuple[str, str], dict[tuple[str, str], None]] = {}
    for council, found in sorted(by_council.items()):
        for product, vendor, advisory_id, maker, count in found:
            where = rows.setdefault((product, vendor), {})
            where[council] = max(where.get(council, 0), count)  # one row may clash with several
            named.setdefault((product, vendor), {})[advisory_id, maker] = None
    lines = []
    for (product, vendor), where in sorted(rows.items()):
        councils = sorted(where)
        places = ", ".join(councils[:3]) + (f" and {len(councils) - 3} more councils" if len(councils) > 3 else "")
        advisories = list(named[product, vendor])
        listed = ", ".join(f"{a} ({m})" for a, m in advisories[:3])
        more = f" and {len(advisories) - 3} more" if len(advisories) > 3 else ""
        lines.append(
            f"{product!r} by {vendor!r} ({sum(where.values())} row(s) in {places}) has a version "
            f"inside {listed}{more}, but another publisher: not alerted. If it is the same maker, "
            f"add {vendor!r} to the product's vendor_aliases in rules/products.toml (with a [[product]] "
            "entry if it has none)"
        )
    return lines
