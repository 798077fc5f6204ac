"""The `advisories` command: the only place that prints or exits.

Exit codes: 0 all went well; 1 the run finished but something failed (the summary names it);
2 the configuration or the command line is invalid (nothing was done).
"""

from __future__ import annotations

import argparse
import io
import json
import signal
import sys
import threading
import time
from collections.abc import Sequence
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TextIO

from jinja2 import TemplateError

from advisories import __version__
from advisories.config import Config, config_path, load_config
from advisories.errors import AdvisoriesError, ConfigError
from advisories.extract import KnownProduct
from advisories.pipeline import Pipeline
from advisories.render import template_problem
from advisories.report import RunSummary, event_lines, summary_lines
from advisories.store import Store, now
from advisories.store.lock import exclusive

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_INVALID
    try:
        return int(args.handler(args))
    except ConfigError as exc:
        _error(exc)
        return EXIT_INVALID
    except AdvisoriesError as exc:
        _error(exc)
        return EXIT_FAILED
    except TemplateError as exc:  # the bulletin's templates: run's alerts catch their own
        _error(AdvisoriesError(f"cannot render {template_problem(exc)}",
                               "fix the template; `advisories check` renders them all"))
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _error(exc: AdvisoriesError) -> None:
    print(f"error: {exc.message}", file=sys.stderr)
    if exc.hint:
        print(f"  what to do: {exc.hint}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="advisories",
        description="Threat-advisory ingestion and alerting for UK local councils.",
    )
    parser.add_argument("--version", action="version", version=f"advisories {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: object, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    run = command("run", cmd_run, "fetch due feeds, match inventories, queue and send alerts")
    run.add_argument("--once", action="store_true", required=True,
                     help="run one pass and exit (for cron); `serve` runs on a schedule")
    run.add_argument("--force", action="store_true", help="fetch every feed, due or not")
    _config_arg(run)

    serve = command("serve", cmd_serve, "run the built-in scheduler in the foreground")
    serve.add_argument("--web", metavar="HOST:PORT",
                       help="also answer acknowledgement links on this address (behind a reverse proxy)")
    _config_arg(serve)

    web = command("web", cmd_web, "answer the acknowledgement links in alerts (behind a reverse proxy)")
    web.add_argument("--listen", metavar="HOST:PORT", default="127.0.0.1:8080",
                     help="the address to listen on (default 127.0.0.1:8080)")
    _config_arg(web)

    check = command("check", cmd_check,
                    "validate feeds.toml, rules, inventories and templates; report every problem")
    _config_arg(check)

    match = command("match", cmd_match,
                    "offline dry run: which inventory rows does this advisory affect, and why")
    match.add_argument("inventory", type=Path, help="an inventory export (CSV or CycloneDX JSON)")
    match.add_argument("advisory", type=Path, nargs="+", help="rule TOML files")
    match.add_argument("--platform", choices=["windows", "macos", "linux", "ios", "android"],
                       help="take rows with no platform as this one, and show only this one")
    match.add_argument("--json", action="store_true", help="JSON Lines, one object per match")
    match.add_argument("--explain", action="store_true",
                       help="also show near misses: rows that almost matched, and why not")
    match.add_argument("--catalogue", type=Path, help="a products.toml (default: the shipped one)")

    digest = command("digest", cmd_digest,
                     "write the bulletin's draft (Markdown) and previews; --send emails the draft")
    when = digest.add_mutually_exclusive_group()
    when.add_argument("--week", help="ISO week, e.g. 2023-W13 (default: this week, in [settings] timezone)")
    when.add_argument("--month", help="with [digest] period = \"month\": e.g. 2023-04 (default: this month)")
    digest.add_argument("--send", action="store_true",
                        help="email it to [digest] recipients and weekly = true councils, once per week")
    digest.add_argument("--force", action="store_true", help="with --send: send this week's bulletin again")
    _config_arg(digest)

    extract = command("extract", cmd_extract,
                      "read affected products and versions from a prose advisory (a file or URL)")
    extract.add_argument("source", metavar="FILE_OR_URL", help="text, HTML or a saved page; or an http(s) URL")
    extract.add_argument("--json", action="store_true", help="JSON Lines, one statement per line")
    extract.add_argument("--config", help="feeds.toml, for its rules folder and catalogue (optional)")

    draft = command("draft-rule", cmd_draft_rule,
                    "draft a rule from a stored prose advisory, for the LGA team to review")
    draft.add_argument("advisory_id", metavar="ADVISORY_ID", help="an advisory id, as `advisories run` stored it")
    _config_arg(draft)

    outbox = command("outbox", cmd_outbox,
                     "list messages waiting on the operator (exit 1 if any); --retry sends them again")
    action = outbox.add_mutually_exclusive_group()
    action.add_argument("--retry", action="store_true",
                        help="put failed and held messages back in the queue and send them")
    action.add_argument("--dismiss", metavar="KEY", action="append",
                        help="never send this failed or held message (its key, as listed); repeatable")
    _config_arg(outbox)

    test_send = command("test-send", cmd_test_send,
                        "send a clearly marked test alert to every channel of one council (email, Teams, webhooks)")
    test_send.add_argument("council", metavar="COUNCIL", help="a council's id, as in feeds.toml")
    _config_arg(test_send)

    status = command("status", cmd_status,
                     "when each feed and stage last worked, and the outbox; exit 1 when something is stale")
    _config_arg(status)

    backup = command("backup", cmd_backup,
                     "write a consistent copy of the state file (safe while `serve` runs)")
    backup.add_argument("target", type=Path, metavar="PATH", help="where to write the copy")
    _config_arg(backup)
    return parser


def _config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="feeds.toml (default ./feeds.toml or $ADVISORIES_CONFIG)")


def _load(args: argparse.Namespace) -> Config:
    return load_config(config_path(args.config))


class _Progress:
    """One self-erasing status line on a terminal; silent under cron or in a pipe."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.interactive = stream.isatty()

    def __call__(self, text: str) -> None:
        if self.interactive:
            self.stream.write(f"\r\033[K… {text[:100]}")
            self.stream.flush()

    def done(self) -> None:
        if self.interactive:
            self.stream.write("\r\033[K")
            self.stream.flush()


# -- run / serve ---------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    config = _load(args)
    progress = _Progress()
    started = time.monotonic()
    with exclusive(config.state), Store.open(config.state) as store:
        summary = Pipeline(config, store, progress=progress).run(force=args.force)
    progress.done()
    print_summary(summary, time.monotonic() - started, config)
    return EXIT_OK if summary.ok else EXIT_FAILED


def cmd_serve(args: argparse.Namespace) -> int:
    from advisories.scheduler import serve, stamp

    config = _load(args)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # a container's log, not a pipe's buffer
    stop = _stop_on_signals()
    web = _web_server(config, args.web) if args.web else None
    print(f"{stamp()} advisories serving {len(config.feeds)} feed(s); stop with Ctrl-C or SIGTERM")
    try:
        code = serve(config, print_event, stop=stop)
    finally:
        if web is not None:
            web.shutdown()
    print(f"{stamp()} advisories stopped", flush=True)
    return code


def _web_server(config: Config, listen: str) -> ThreadingHTTPServer:
    """The acknowledgement endpoint, started in a thread of its own (acks/server.py)."""
    from advisories.acks.server import make_server, start_in_thread
    from advisories.scheduler import stamp

    try:
        server = make_server(config, listen, log=lambda line: print(f"{stamp()} web {line}", flush=True))
    except OSError as exc:
        raise AdvisoriesError(f"cannot listen on {listen}: {exc.strerror or exc}",
                              "choose a free port, or stop what uses it") from None
    start_in_thread(server)
    host, port = server.server_address[:2]
    print(f"{stamp()} advisories answering acknowledgement links on http://{host!s}:{port}/", flush=True)
    return server


def cmd_web(args: argparse.Namespace) -> int:
    config = _load(args)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    stop = _stop_on_signals()
    server = _web_server(config, args.listen)
    stop.wait()
    server.shutdown()
    return EXIT_OK


def _stop_on_signals() -> threading.Event:
    """SIGTERM and SIGINT set the returned event, from now on: installed before anything says
    it is listening, since a signal that comes earlier would find the disposition this process
    inherited (SIG_IGN under some supervisors) and be lost, leaving the process running."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def print_summary(
    summary: RunSummary, seconds: float, config: Config, out: TextIO | None = None
) -> None:
    lines = summary_lines(summary, seconds, smtp=config.smtp is not None, outbox=config.outbox)
    print("\n".join(lines), file=out or sys.stdout)


def print_event(summary: RunSummary, seconds: float, config: Config, out: TextIO | None = None) -> None:
    """`serve`'s log (report.event_lines), printed as each job ends."""
    from advisories.scheduler import stamp

    print("\n".join(event_lines(summary, seconds, stamp())), file=out or sys.stdout, flush=True)


# -- check ---------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    from advisories.checks import check_all

    path = config_path(args.config)
    problems, notes = check_all(path)
    for note in notes:
        print(note if note.startswith("warning:") else f"ok: {note}")
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return EXIT_INVALID
    print("configuration is valid")
    return EXIT_OK


# -- match ---------------------------------------------------------------------------------


def cmd_match(args: argparse.Namespace) -> int:
    from advisories.dryrun import dry_run

    report = dry_run(args.inventory, args.advisory, platform=args.platform,
                     catalogue=args.catalogue, explain=args.explain)
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if args.json:
        for row in report.rows:
            print(json.dumps(row, ensure_ascii=False))
        for near in report.near_misses:
            print(json.dumps(near, ensure_ascii=False))
        return EXIT_OK
    if not report.rows:
        print("no inventory row is affected by these advisories")
    for row in report.rows:
        hosts = f" [{', '.join(row['hosts'][:5])}]" if row["hosts"] else ""
        print(f"{row['status'].upper():8} {row['product']} {row['version']} "
              f"({row['platform']}, {row['devices']} devices){hosts}")
        print(f"         {row['advisory']}: {row['reason']}")
    for near in report.near_misses:
        label = "NOT" if near["status"] == "not_affected" else "NEAR"
        print(f"{label:8} {near['product']} {near['version']} ({near['platform']}): {near['why']}")
    return EXIT_OK


# -- digest --------------------------------------------------------------------------------


def cmd_digest(args: argparse.Namespace) -> int:
    from advisories.digest import preview_digest, send_digest, send_weekly_summaries

    config = _load(args)
    if args.force and not args.send:
        raise ConfigError("--force only works with --send", "add --send to send the week again")
    with exclusive(config.state), Store.open(config.state) as store:
        if not store.advisories():
            print(f"note: {config.state} holds no advisories yet, so this bulletin is empty: run "
                  f"`advisories run --once --config {config.path}` first", file=sys.stderr)
        if not args.send:
            print("\n".join(preview_digest(config, store, args.month or args.week)))
            return EXIT_OK
        tally = RunSummary()
        lines = [send_digest(config, store, args.month or args.week, force=args.force, tally=tally)]
        lines += send_weekly_summaries(config, store, args.week, tally=tally)
    print("\n".join(lines))
    for line in tally.emails_failed + tally.emails_held + tally.emails_retrying:
        print(f"  - {line}")
    return EXIT_OK if tally.ok else EXIT_FAILED


# -- prose: extract and draft-rule ---------------------------------------------------------


def _known(config_arg: str | None) -> tuple[KnownProduct, ...]:
    """The catalogue's products and the rules' builds: from the config's rules folder if there
    is a config, else the shipped one."""
    from advisories.defaults import catalogue_path, default_folder
    from advisories.products import Catalogue
    from advisories.prose import known_from
    from advisories.rules import load_rules

    folder = default_folder("rules")
    if config_arg or config_path(None).is_file():
        folder = load_config(config_path(config_arg)).rules
    catalogue = Catalogue.load(catalogue_path(folder))
    return known_from(catalogue, load_rules(folder).advisories)


def cmd_extract(args: argparse.Namespace) -> int:
    from advisories.extract import extract_statements, to_json
    from advisories.prose import read_prose

    text = read_prose(args.source)
    found = extract_statements(text, _known(args.config))
    for statement in found:
        if args.json:
            print(json.dumps(to_json(statement), ensure_ascii=False))
            continue
        what = ", ".join(statement.versions) or "; ".join(
            f"{r.lower.version if r.lower else '0'} to {r.upper.version if r.upper else 'any'}"
            f"{'' if not r.upper or r.upper.inclusive else ' (fixed)'}" for r in statement.ranges)
        flag = " SUSPECT" if statement.suspect else ""
        print(f"{statement.product} on {statement.platform or 'any platform'}: {what} "
              f"(confidence {statement.confidence:.2f}{flag})")
        if statement.suggested_versions:
            print(f"  perhaps: {', '.join(statement.suggested_versions)}")
        print(f"  from: {statement.evidence}")
    if not found and not args.json:
        print("no affected versions found in the text")
    return EXIT_OK


def cmd_draft_rule(args: argparse.Namespace) -> int:
    from advisories.defaults import default_folder
    from advisories.drafts import write_draft
    from advisories.extract import extract_statements

    config = _load(args)
    with Store.open(config.state) as store:
        advisory = store.advisory(args.advisory_id)
        ids = [] if advisory else [a.id for a in store.advisories()]
    if advisory is None:
        similar = [i for i in ids if args.advisory_id.casefold() in i.casefold()]
        offer = f"; similar: {', '.join(similar[:5])}" if similar else (
            f"; the latest stored: {', '.join(ids[-5:])}" if ids else "; nothing is stored yet")
        raise ConfigError(
            f"no stored advisory with id {args.advisory_id!r}{offer}",
            "run `advisories run --once` first (with the same --config); the bulletin's 'needs review' "
            "section gives the draft-rule command for each advisory it lists",
        )
    found = extract_statements(f"{advisory.title}\n{advisory.summary}", _known(args.config))
    shipped = default_folder("rules")
    rules = config.rules if config.rules != shipped else config.path.parent / "rules"  # never in the package
    path = write_draft(rules, advisory, found)
    print(f"draft written to {path} ({len(found)} statement(s)); review it, then adopt it:")
    if rules == config.rules:
        print(f"  move it into {rules} (a run reads every *.toml there, never drafts/)")
    else:
        # The config reads the shipped rules: pointing `rules` at a folder without them would
        # withdraw every shipped rule at the next run. Copy them first, then add the draft.
        print(f"  1. copy the shipped rules (and products.toml) into {rules}:\n"
              f"       mkdir -p {rules} && cp {shipped}/*.toml {rules}/\n"
              f"  2. move the draft into {rules}\n"
              f"  3. set rules = \"rules\" under [settings] in {config.path}\n"
              "  `advisories check` then lists every rule it will read")
    return EXIT_OK


# -- outbox and backup ---------------------------------------------------------------------


def _show_outbox(config: Config) -> int:
    """Counts, then each message waiting on the operator. Read-only and without the lock, so it
    answers on a read-only volume, without SMTP credentials, and while `serve` is running."""
    from datetime import timedelta

    from advisories.delivery.channels import label
    from advisories.delivery.outbox import trouble_line

    at = now()
    with Store.open_readonly(config.state) as store:
        counts = store.outbox_counts()
        by_channel = store.channel_counts()
        trouble = store.outbox_trouble(at - timedelta(seconds=config.operator.stuck_after_s))
    states = ("queued", "sent", "failed", "held")
    print(", ".join(f"{state} {counts.get(state, 0)}" for state in states))
    for kind, found in by_channel.items():
        print(f"  {label(kind):<8} " + ", ".join(f"{state} {found.get(state, 0)}" for state in states))
    for entry in trouble:
        print(f"  - {trouble_line(entry, at)}")
    if trouble:
        print("what to do: fix the cause, then `advisories outbox --retry`; or "
              "`advisories outbox --dismiss KEY` for a message that must not go")
    return EXIT_FAILED if trouble else EXIT_OK


def cmd_test_send(args: argparse.Namespace) -> int:
    from advisories.delivery.testsend import send_test

    config = _load(args)
    with Store.open(config.state) as store:
        lines, ok = send_test(config, store, args.council, clock=now)
    print(f"test alert for {args.council}:")
    for line in lines:
        print(f"  - {line}")
    return EXIT_OK if ok else EXIT_FAILED


def cmd_status(args: argparse.Namespace) -> int:
    """For people and for health checks (Docker's HEALTHCHECK, a CronJob): read-only, no lock,
    no credentials; exit 1 when a feed or stage is stale or messages wait on the operator."""
    from advisories.health import status_lines

    config = load_config(config_path(args.config), secrets=False)
    with Store.open_readonly(config.state) as store:
        lines, healthy = status_lines(config, store, now())
    print("\n".join(lines))
    return EXIT_OK if healthy else EXIT_FAILED


def cmd_backup(args: argparse.Namespace) -> int:
    config = load_config(config_path(args.config), secrets=False)
    with Store.open_readonly(config.state) as store:
        store.backup(args.target)
    print(f"state {config.state} copied to {args.target}")
    return EXIT_OK



def _requeue_failed(config: Config, store: Store) -> int:
    """Failed messages back in the queue, addressed to whom the config names now: a message
    that failed for a wrong address must not go to that address once the operator fixed it,
    and a post whose destination the council no longer lists is not sent."""
    from dataclasses import replace

    from advisories.delivery.mime import readdress
    from advisories.digest.build import DIGEST_KEY_PREFIX

    recipients = {c.id: c.recipients for c in config.councils}
    posts = {c.id: {d.url_env for d in c.webhooks} for c in config.councils}
    count = 0
    for item in store.failed():
        if item.channel != "email":
            if item.destination not in posts.get(item.council_id, set()):
                print(f"  - {item.key}: {item.council_id} no longer lists {item.destination}; not resent")
                continue
            store.requeue(item)
            count += 1
            continue
        # By the key's kind, never by council id alone: a council may be called "digest" too.
        is_bulletin = item.key.startswith(DIGEST_KEY_PREFIX)
        now_to = config.digest.recipients if is_bulletin else recipients.get(item.council_id)
        if not now_to:
            print(f"  - {item.key}: {item.council_id} is no longer configured; not resent")
            continue
        if now_to != item.to:
            if item.raw is not None:
                item = replace(item, to=now_to, raw=readdress(item.raw, now_to))
            elif item.draft is not None:
                item = replace(item, to=now_to, draft=replace(item.draft, to=now_to))
        store.requeue(item)
        count += 1
    return count


def cmd_outbox(args: argparse.Namespace) -> int:
    if args.dismiss:
        config = load_config(config_path(args.config), secrets=False)
        with exclusive(config.state), Store.open(config.state) as store:
            for key in args.dismiss:
                done = store.dismiss(key, at=now())
                print(f"{'dismissed' if done else 'no failed or held message'} {key}")
        return EXIT_OK
    if not args.retry:
        return _show_outbox(load_config(config_path(args.config), secrets=False))
    config = _load(args)
    with exclusive(config.state), Store.open(config.state) as store:
        count = _requeue_failed(config, store)
        print(f"re-queued {count} failed message(s)")
        summary = RunSummary()
        Pipeline(config, store).deliver(summary)
    print(f"sent {summary.emails_sent}, retrying {len(summary.emails_retrying)}, "
          f"failed {len(summary.emails_failed)}")
    for line in summary.emails_failed + summary.emails_retrying:
        print(f"  - {line}")
    return EXIT_OK if summary.ok else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
