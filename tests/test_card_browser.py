"""The Teams card as Microsoft's own renderer reads it: the `adaptivecards` npm package (3.x) in
headless Chromium, on a page served from localhost, parses and validates the demo's Barsetshire
card, and a withdrawal card, with no error and renders them. markdown-it is on the page, as Teams
processes a TextBlock's Markdown, so feed text that tried to be a link would show as one here.

The npm packages live outside the git tree, in .ci/node (git-ignored; `.ci/run` installs them:
npm install --prefix .ci/node adaptivecards@3 markdown-it@14) or in $ADVISORIES_NODE_MODULES.
Without them the test fails under CI and skips elsewhere. ADVISORIES_REGENERATE_DOCS=1 redraws
docs/alert-teams.png, the README's screenshot.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from browser import chromium_or_skip, ink_pixels, png_size, unavailable
from cdp import Browser
from httpserver import LocalServer, Reply

from advisories.alerts import withdrawn_row
from advisories.checks import sample_withdrawal
from advisories.config import load_config
from advisories.delivery.files import FileTransport
from advisories.delivery.notice import WithdrawalNotice
from advisories.delivery.teams import encode, withdrawal_card
from advisories.pipeline import Pipeline
from advisories.store import Store

ROOT = Path(__file__).resolve().parent.parent
NODE = Path(os.environ.get("ADVISORIES_NODE_MODULES") or ROOT / ".ci" / "node" / "node_modules")
BUNDLES = {
    "/adaptivecards.min.js": NODE / "adaptivecards" / "dist" / "adaptivecards.min.js",
    "/markdown-it.min.js": NODE / "markdown-it" / "dist" / "markdown-it.min.js",
}
INSTALL = "npm install --prefix .ci/node adaptivecards@3 markdown-it@14"
WIDTH = 640

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<style>body { margin: 0; padding: 12px; background: #f5f5f5; font-family: "Segoe UI", sans-serif; }
#card { background: #fff; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.2); }</style>
<script src="/markdown-it.min.js"></script><script src="/adaptivecards.min.js"></script></head>
<body><div id="card"></div><script>
function check(content) {
  var card = new AdaptiveCards.AdaptiveCard(), context = new AdaptiveCards.SerializationContext(), problems = [];
  card.parse(content, context);
  for (var i = 0; i < context.eventCount; i++) { problems.push("parse: " + context.getEventAt(i).message); }
  card.validateProperties().validationEvents.forEach(function (e) { problems.push("validation: " + e.message); });
  return [card, problems];
}
var payload = %s;
var checked = check(payload.attachments[0].content), card = checked[0], problems = checked[1];
// The check has teeth: an element Adaptive Cards does not know is reported.
var broken = check({type: "AdaptiveCard", version: "1.4", body: [{type: "Bogus"}]})[1];
var rendered = card.render();
document.getElementById("card").appendChild(rendered);
window.result = {problems: problems, broken: broken, version: card.version.toString(), text: rendered.innerText,
  links: rendered.querySelectorAll("a").length, images: rendered.querySelectorAll("img").length,
  buttons: rendered.querySelectorAll("button").length, height: document.body.scrollHeight};
</script></body></html>"""


def bundles_or_skip() -> None:
    missing = [str(path) for path in BUNDLES.values() if not path.is_file()]
    if not missing:
        return
    unavailable(f"the adaptivecards npm package is not installed ({missing[0]}); install it: {INSTALL}")


def demo_card(tmp_path: Path) -> bytes:
    """Barsetshire's card from the demo run, as queued for its Teams channel."""
    folder = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "demo", folder, ignore=shutil.ignore_patterns("data"))
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    path = folder / "feeds.toml"
    text = path.read_text().replace('rules = "../../rules"', 'rules = "../rules"')
    path.write_text(
        text.replace(
            'inventory = "inventories/barsetshire-intune-appinvaggregate.csv"',
            'inventory = "inventories/barsetshire-intune-appinvaggregate.csv"\n'
            'webhooks = [{ kind = "teams", url_env = "BARSETSHIRE_TEAMS_URL" }]',
        )
    )
    config = load_config(path, environ={"BARSETSHIRE_TEAMS_URL": "https://example.invalid/workflow"})
    with Store.open(config.state) as store:  # email only: the card stays queued, to be read here
        Pipeline(
            config,
            store,
            transports={"email": FileTransport(config.outbox, config.sender)},
            clock=lambda: datetime(2023, 3, 30, 9, 0, tzinfo=UTC),
        ).run()
        [row] = [r for batch in store.queued_rows() for r in batch if r.channel == "teams"]
    assert row.raw is not None
    return row.raw


def rendered(body: bytes, png: Path) -> dict[str, Any]:
    """The card in `body` (a Workflows message) parsed, validated and drawn by Microsoft's
    renderer, with no problem reported; what it drew, and a screenshot at `png`."""
    chromium = chromium_or_skip()
    bundles_or_skip()
    with LocalServer() as server:
        server.route(
            "/",
            Reply(body=(PAGE % body.decode("utf-8")).encode(), headers={"Content-Type": "text/html; charset=utf-8"}),
        )
        for route, path in BUNDLES.items():
            server.route(route, Reply(body=path.read_bytes(), headers={"Content-Type": "text/javascript"}))
        with Browser(chromium, width=WIDTH, height=1400) as browser:
            browser.open(server.url("/"))
            result = browser.evaluate("window.result")
            assert result is not None, "the page's script did not finish: " + browser.text()[:300]
            assert result["problems"] == []
            assert result["broken"], "a card with an unknown element should have been reported"
            assert result["version"] == "1.4"
            browser.call(
                "Emulation.setDeviceMetricsOverride",
                session=True,
                width=WIDTH,
                height=min(int(result["height"]), 1400),
                deviceScaleFactor=1,
                mobile=False,
            )
            browser.screenshot(png)
    assert ink_pixels(png) > 20_000, f"the screenshot looks blank: {png}"
    return dict(result)


def test_the_card_parses_validates_and_renders_in_microsofts_renderer(tmp_path: Path) -> None:
    body = demo_card(tmp_path)
    png = ROOT / "test-artifacts" / "alert-teams.png"
    result = rendered(body, png)
    text = result["text"]
    assert "Barsetshire County Council" in text and "3CX" in text and "40 devices" in text
    assert "Windows" in text and "What to do" in text
    assert (result["links"], result["images"]) == (0, 0)  # the advisory's links are buttons
    assert result["buttons"] >= 1
    docs = ROOT / "docs" / "alert-teams.png"
    if os.environ.get("ADVISORIES_REGENERATE_DOCS"):
        docs.write_bytes(png.read_bytes())
    assert docs.is_file() and png_size(docs)[0] == WIDTH
    assert json.loads(body)["attachments"][0]["content"]["version"] == "1.4"


def test_the_withdrawal_card_parses_validates_and_renders_in_microsofts_renderer() -> None:
    """Two rejected CVEs, one with more rows than a card lists, and a reason that tries Markdown."""
    sample = sample_withdrawal()
    more = tuple(
        withdrawn_row(f"barsetshire|CVE-2023-5217|libvpx|1.13.{n}|windows", 2, "28 September 2023")
        for n in range(10)
    )
    withdrawal = replace(
        sample,
        rows=sample.rows + more,
        reasons=(*sample.reasons, ("CVE-2023-5217", "Rejected: see [this](https://evil.example) **now**")),
    )
    body = encode(withdrawal_card(WithdrawalNotice(withdrawal, "2 October 2023 09:00 BST")))
    result = rendered(body, ROOT / "test-artifacts" / "withdrawal-teams.png")
    text = result["text"]
    assert "[WITHDRAWN] Barsetshire County Council" in text and "no action needed" in text
    assert "CVE-2023-5129: rejected" in text and "Replaced by CVE-2023-4863" in text
    assert "libwebp 1.3.1 on Windows: 12 devices (alerted 26 September 2023)" in text
    assert "CVE-2023-5217: rejected" in text and "and 2 more rows: see the email / CSV" in text
    assert "[this](https://evil.example)" in text  # shown as the words it is, not a link
    assert (result["links"], result["images"], result["buttons"]) == (0, 0, 0)
