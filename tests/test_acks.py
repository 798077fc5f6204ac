"""Acknowledgements over real HTTP on 127.0.0.1 and real SQLite: what each answer does to the next
run, the bulletin and the weekly summary; the link's signature, rotation and the endpoint's bounds.
(The browser flow is in test_acks_browser.py.)"""

from __future__ import annotations

import email
import email.policy
import http.client
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from acks_setup import KEY, KEY_ENV, OLD_KEY, OLD_KEY_ENV, answer_links, answers, endpoint, local, make_demo, run

from advisories.acks.links import Claim, LinkError, sign, verify
from advisories.config import load_config
from advisories.digest import build_digest, send_weekly_summaries
from advisories.errors import ConfigError
from advisories.pipeline import Pipeline
from advisories.store import Store


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)


def outbox(config: Path) -> list[EmailMessage]:
    files = sorted((config.parent / "data" / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]  # type: ignore[misc]


def links(config: Path, council: str) -> dict[str, list[str]]:
    return answer_links([m for m in outbox(config) if council in m["To"]][-1])


def post(url: str, **form: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, data=urllib.parse.urlencode(form).encode(), timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read().decode()


def text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def run_at(config: Path, at: datetime) -> None:
    with Store.open(config.parent / "data" / "state.sqlite3") as store:
        summary = Pipeline(load_config(config), store, clock=lambda: at).run(force=True)
    assert summary.ok, summary


# -- the link -------------------------------------------------------------------------------


def test_a_link_verifies_with_the_previous_key_during_a_rotation_and_not_after() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    claim = Claim("barsetshire", "barsetshire|CVE-1|p|1|windows", "patched", "abc", ("a@b.gov.uk",),
                  at + timedelta(days=30))
    token = sign(claim, OLD_KEY.encode())
    assert verify(token, (KEY.encode(), OLD_KEY.encode()), at) == claim
    with pytest.raises(LinkError, match="tampered"):
        verify(token, (KEY.encode(),), at)  # the old key retired: its links no longer answer
    with pytest.raises(LinkError, match="expired"):
        verify(token, (OLD_KEY.encode(),), at + timedelta(days=30))
    for bad in ("", "no-dot", token + "x", "x" + token, token.replace(".", ".."), "a" * 5000 + "." + "b"):
        with pytest.raises(LinkError, match="tampered"):
            verify(bad, (KEY.encode(), OLD_KEY.encode()), at)


def test_web_keys_come_from_the_environment_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = make_demo(tmp_path)
    config.write_text(config.read_text() + f'previous_key_env = "{OLD_KEY_ENV}"\n')
    monkeypatch.setenv(OLD_KEY_ENV, OLD_KEY)
    web = load_config(config).web
    assert web is not None and web.keys == (KEY.encode(), OLD_KEY.encode()) and KEY not in repr(web)
    monkeypatch.delenv(OLD_KEY_ENV)
    with pytest.raises(ConfigError, match=f"web.previous_key_env: environment variable {OLD_KEY_ENV} is not set"):
        load_config(config)
    config.write_text(config.read_text().replace(f'previous_key_env = "{OLD_KEY_ENV}"', 'key = "secret"'))
    with pytest.raises(ConfigError, match=r"keys never go in feeds\.toml"):
        load_config(config)
    monkeypatch.setenv(KEY_ENV, "short")
    with pytest.raises(ConfigError, match="shorter than 32 bytes"):
        load_config(make_demo(tmp_path / "again"))


def test_without_web_the_alerts_carry_no_links(tmp_path: Path) -> None:
    config = make_demo(tmp_path, web=False)
    assert run(config) == 0
    assert [answer_links(m) for m in outbox(config)] == [{}, {}]
    assert all("/ack/" not in text(m) for m in outbox(config))


# -- the endpoint ---------------------------------------------------------------------------


def test_the_endpoint_bounds_requests_and_escapes_feed_text(tmp_path: Path) -> None:
    rule = tmp_path / "rules" / "ncsc-2023-3cx-desktop-app.toml"
    config = make_demo(tmp_path)
    rule.write_text(rule.read_text().replace('title = "3CX', 'title = "<img src=x onerror=alert(1)> 3CX'))
    assert run(config) == 0
    [patched] = links(config, "barsetshire")["Patched"]
    with endpoint(config) as base:
        with urllib.request.urlopen(local(patched, base), timeout=10) as r:
            page, headers = r.read().decode(), r.headers
        assert "&lt;img src=x onerror=alert(1)&gt; 3CX" in page and "<img" not in page
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "no-referrer" and headers["Cache-Control"] == "no-store"
        host, port = base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        path = urllib.parse.urlsplit(local(patched, base)).path
        conn.request("POST", path, body=b"x" * 5000, headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert conn.getresponse().status == 413
        conn.close()
        for bad in (base + "/ack/nothing", base + "/elsewhere"):
            with pytest.raises(urllib.error.HTTPError) as exc:
                urllib.request.urlopen(bad, timeout=10)
            assert exc.value.code == 404
            exc.value.close()
        with urllib.request.urlopen(base + "/healthz", timeout=10) as r:
            assert r.read() == b"ok\n"
    assert answers(config) == []


def test_a_reason_is_required_and_an_acceptance_is_bounded(tmp_path: Path) -> None:
    config = make_demo(tmp_path)
    assert run(config) == 0
    found = links(config, "barsetshire")
    with endpoint(config) as base:
        assert post(local(found["Not affected here"][0], base), reason="  ")[0] == 400
        too_late = (date.today() + timedelta(days=120)).isoformat()
        status, page = post(local(found["Accept the risk until…"][0], base), until=too_late)
        assert status == 400 and "at most" in page
        assert post(local(found["Accept the risk until…"][0], base), until="soon")[0] == 400
        assert answers(config) == []
        assert post(local(found["Not affected here"][0], base), reason="Only on the isolated lab VLAN")[0] == 200
    [(_, _, kind, reason, until, sent_to, _)] = answers(config)
    assert (kind, reason, until, sent_to) == ("not_affected", "Only on the isolated lab VLAN", None,
                                              "it-security@barsetshire.example.gov.uk")


# -- what an answer does to the next run ----------------------------------------------------


def test_an_expired_acceptance_re_alerts_once_saying_so(tmp_path: Path) -> None:
    config = make_demo(tmp_path)
    assert run(config) == 0
    tomorrow = date.today() + timedelta(days=1)
    with endpoint(config) as base:
        assert post(local(links(config, "barsetshire")["Accept the risk until…"][0], base),
                    until=tomorrow.isoformat())[0] == 200
    now = datetime.now(UTC)
    run_at(config, now + timedelta(hours=1))
    assert len(outbox(config)) == 2  # still accepted: nothing
    run_at(config, now + timedelta(days=3))
    messages = outbox(config)
    assert len(messages) == 3 and "barsetshire" in messages[-1]["To"]
    assert messages[-1]["Subject"].startswith("Update: ")  # threaded under the first alert
    assert "What changed since our last email" in text(messages[-1])
    assert (f"  - your acceptance of this risk ran until {tomorrow.day} "
            f"{tomorrow:%B %Y} and has expired") in text(messages[-1])
    assert "Patched: https://" in text(messages[-1])  # it can be answered again
    run_at(config, now + timedelta(days=4))
    assert len(outbox(config)) == 3  # once
    assert answers(config)[0][6] is not None  # reopened


def test_patched_that_a_newer_inventory_contradicts_re_alerts_once(tmp_path: Path) -> None:
    config = make_demo(tmp_path)
    assert run(config) == 0
    with endpoint(config) as base:
        assert post(local(links(config, "barsetshire")["Patched"][0], base))[0] == 200
    inventory = config.parent / "inventories" / "barsetshire-intune-appinvaggregate.csv"
    now = datetime.now(UTC)
    os.utime(inventory, (now.timestamp() - 3600,) * 2)  # exported before the answer
    run_at(config, now + timedelta(hours=1))
    assert len(outbox(config)) == 2
    os.utime(inventory, ((now + timedelta(hours=2)).timestamp(),) * 2)  # the next export still shows it
    run_at(config, now + timedelta(hours=3))
    messages = outbox(config)
    assert len(messages) == 3 and "barsetshire" in messages[-1]["To"]
    assert "you answered \"patched\" on" in text(messages[-1]) and "still shows it" in text(messages[-1])
    run_at(config, now + timedelta(hours=4))
    assert len(outbox(config)) == 3


def test_a_material_change_re_alerts_despite_an_answer_and_retires_its_old_links(tmp_path: Path) -> None:
    rule = tmp_path / "rules" / "ncsc-2023-3cx-desktop-app.toml"
    config = make_demo(tmp_path)
    rule.write_text(rule.read_text().replace('severity = "critical"', 'severity = "high"'))
    assert run(config) == 0
    old = links(config, "barsetshire")
    with endpoint(config) as base:
        assert post(local(old["Wrong match"][0], base))[0] == 200
        rule.write_text(rule.read_text().replace('severity = "high"', 'severity = "critical"'))
        assert run(config) == 0
        messages = [m for m in outbox(config) if "barsetshire" in m["To"]]
        assert len(messages) == 2 and "severity raised to critical" in text(messages[-1])
        status, page = post(local(old["Patched"][0], base))
        assert status == 409 and "A newer alert replaces this one" in page
    assert [a[2] for a in answers(config)] == ["wrong_match"]


# -- the bulletin and the weekly summary ----------------------------------------------------


def test_the_bulletin_counts_answers_by_kind_and_lists_wrong_matches_without_naming_councils(
    tmp_path: Path,
) -> None:
    config = make_demo(tmp_path)
    barsetshire = 'inventory = "inventories/barsetshire'
    config.write_text(config.read_text().replace(barsetshire, "weekly = true\n" + barsetshire))
    assert run(config) == 0
    until = date.today() + timedelta(days=20)
    with endpoint(config) as base:
        assert post(local(links(config, "barsetshire")["Accept the risk until…"][0], base),
                    until=until.isoformat())[0] == 200
        assert post(local(links(config, "wessex")["Wrong match"][0], base))[0] == 200
    loaded = load_config(config)
    with Store.open(loaded.state) as store:
        files = build_digest(loaded, store)
        markdown = next(p for p in files.paths if p.suffix == ".md").read_text()
        assert "| risk accepted: fewer than 3; wrong match: fewer than 3 |" in markdown
        assert '"wrong match"' in markdown
        assert "3CX Desktop App 18.11.1213 on macos" in markdown
        assert "Wessex" not in markdown and "Barsetshire" not in markdown
        send_weekly_summaries(loaded, store)
        entry = store.outbox_entry(next(k for k in _weekly_keys(store) if "barsetshire" in k))
        assert entry is not None
        assert f"accepted until {until.day} {until:%B %Y}" in entry.message.text
        assert "RISKS YOU ACCEPTED" in entry.message.text


def _weekly_keys(store: Store) -> list[str]:
    return [key for key, *_ in store.outbox_times("weekly-")]


# -- the commands ---------------------------------------------------------------------------


def _stopped(process: subprocess.Popen[str]) -> str:
    """Its stderr once it has exited; a process that does not stop is killed (its pipes closed,
    so no other test meets them), and the test fails."""
    try:
        return process.communicate(timeout=30)[1]
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError("it did not stop within 30 s of SIGTERM") from None


def _ignoring_sigterm() -> None:
    # Some supervisors start their children with SIGTERM ignored: a signal that comes before
    # the process installs its own handler would then be lost and the process never stop.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


@pytest.mark.parametrize("command", [["web", "--listen", "127.0.0.1:0"], ["serve", "--web", "127.0.0.1:0"]])
@pytest.mark.parametrize("ask_first", [True, False], ids=["after-a-request", "as-soon-as-it-listens"])
def test_web_and_serve_web_answer_on_the_address_given_and_stop_on_sigterm(
    tmp_path: Path, command: list[str], ask_first: bool
) -> None:
    # Stopped either after answering, or right after the line saying it listens: the moment a
    # supervisor may stop it, with SIGTERM's inherited disposition ignored.
    config = make_demo(tmp_path)
    process = subprocess.Popen([sys.executable, "-m", "advisories", *command, "--config", str(config)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_ignoring_sigterm)
    try:
        assert process.stdout is not None
        line = next(x for x in process.stdout if "answering acknowledgement links on" in x)
        base = line.split(" on ")[-1].strip().rstrip("/")
        if ask_first:
            with urllib.request.urlopen(base + "/healthz", timeout=10) as r:
                assert r.read() == b"ok\n"
    finally:
        process.send_signal(signal.SIGTERM)
        err = _stopped(process)
    assert process.returncode == 0, err


def test_web_without_a_web_table_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from advisories.cli import main

    assert main(["web", "--config", str(make_demo(tmp_path, web=False))]) == 2
    assert "no [web] in the configuration" in capsys.readouterr().err
