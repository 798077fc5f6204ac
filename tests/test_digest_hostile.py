"""Feed text in the bulletin: it reads as text in every output and never becomes a link.

The Markdown copy is pasted into the LGA's newsletter tool, which renders GitHub-flavoured
Markdown: there a bare URL, a www. name or an e-mail address becomes a link by itself.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import cmarkgfm  # GitHub's own renderer: what the LGA's paste targets do with the Markdown
import pytest
from test_digest_scenario import Scenario, scenario

from advisories.digest import DigestFiles, build_digest
from advisories.digest.output import md_code, md_escape
from advisories.models import Advisory, AffectedProduct

W13 = datetime(2023, 3, 29, 10, tzinfo=UTC)
EVIL_ID = "psirt:![x](https://evil.example/pixel.png)[Click](https://evil.example/login)"
# A feed item whose versions were read from its text, too doubtful to alert on: it is listed
# under "Needs review" with the command that drafts a rule from it, which holds its id.
DOUBTFUL = Advisory(
    EVIL_ID, "psirt", "3CX Desktop App update",
    summary="Affected: 3CX Desktop App 12.407 for Windows.", published=W13,
    affects=(AffectedProduct("3CX", "3CX Desktop App", "windows", versions=("12.407",),
                             from_text=True, confidence=0.3),),
)
# Bare URLs, www. names and addresses in every feed-derived string the Markdown shows.
CHATTY = (
    Advisory("psirt:a1", "psirt", "Critical fix, see https://evil.example/login and "
             "www.evil-update.com", severity="high", published=W13),
    Advisory("ncsc-news:n1", "ncsc-news", "Reset your VPN",
             summary="Write to helpdesk@evil.example or visit WWW.evil.example/reset now",
             url="https://www.ncsc.gov.uk/news/reset-vpn", published=W13, kind="news"),
    Advisory("kev:CVE-2023-0001", "cisa-kev", "Widget flaw (details: http://evil.example/kev)",
             url="https://www.cisa.gov/known-exploited-vulnerabilities-catalog",
             action="Patch from https://evil.example/patch today. CISA due date: 2023-04-20",
             published=W13, exploited=True, cves=("CVE-2023-0001",), kind="kev"),
)
VETTED = {"https://www.ncsc.gov.uk/news/reset-vpn",
          "https://www.cisa.gov/known-exploited-vulnerabilities-catalog"}


def bulletin(s: Scenario, *advisories: Advisory) -> DigestFiles:
    for advisory in advisories:
        s.store.upsert_advisory(advisory, at=W13)
    return build_digest(s.config, s.store, "2023-W13", clock=s.clock)


def outside_code(markdown: str) -> str:
    return re.sub(r"(`+).*?\1", "", markdown)


def test_a_feed_id_in_needs_review_is_inline_code_in_the_markdown(tmp_path: Path) -> None:
    files = bulletin(scenario(tmp_path), DOUBTFUL)
    markdown = files.markdown.read_text(encoding="utf-8")
    command = f"advisories draft-rule '{EVIL_ID}'"  # quoted: safe to paste into a shell too
    assert f"read from the text, not confirmed: `{command}`" in markdown
    assert "evil.example" not in outside_code(markdown)
    assert f"  {command}\n" in files.message.text
    for html in (files.message.html, files.webpage.read_text(encoding="utf-8")):
        assert "<code>advisories draft-rule 'psirt:![x](https://evil.example/pixel.png)" in html
        assert not re.search(r"<img|(href|src)=\"https://evil", html)


@pytest.mark.parametrize(
    ("text", "code"),
    [("advisories draft-rule x", "`advisories draft-rule x`"),
     ("a `b` c", "``a `b` c``"),
     ("a ``b`` c", "```a ``b`` c```"),
     ("`x", "`` `x ``"),
     ("a\n# b", "`a # b`")],
)
def test_backticks_and_line_breaks_cannot_end_the_code_span(text: str, code: str) -> None:
    assert md_code(text) == code


def test_bare_urls_www_names_and_addresses_stay_text_in_the_markdown(tmp_path: Path) -> None:
    files = bulletin(scenario(tmp_path), *CHATTY)
    markdown = files.markdown.read_text(encoding="utf-8")
    # All of them are there, as the reader should see them once rendered...
    for shown in (r"Critical fix, see https\://evil.example/login and www\.evil-update.com",
                  r"Write to helpdesk\[@\]evil.example or visit WWW\.evil.example/reset now",
                  r"Widget flaw (details: http\://evil.example/kev)",
                  r"Patch from https\://evil.example/patch today"):
        assert shown in markdown
    # ...and the only link targets are the advisories' own vetted links.
    own = {a.url for a in files_advisories(tmp_path)}
    targets = re.findall(r"(?<!\\)\]\(([^)\s]+)\)", markdown)
    assert targets and set(targets) <= own
    prose = re.sub(r"(?<!\\)\]\([^)\s]+\)", "]", markdown)
    assert not re.search(r"(?<!\\)://", prose)
    assert not re.search(r"(?i)www\.", prose)  # "www\." renders as text
    assert not re.search(r"[\w.+-]@[\w-]", prose)


def files_advisories(tmp_path: Path) -> list[Advisory]:
    from advisories.config import load_config
    from advisories.store import Store

    with Store.open(load_config(tmp_path / "feeds.toml", environ={}).state) as store:
        return store.advisories()


def test_rendered_as_github_markdown_only_vetted_links_remain(tmp_path: Path) -> None:
    files = bulletin(scenario(tmp_path), DOUBTFUL, *CHATTY)
    html = cmarkgfm.github_flavored_markdown_to_html(files.markdown.read_text(encoding="utf-8"))
    assert "<img" not in html
    targets = set(re.findall(r'<a href="([^"]+)"', html))
    assert "https://www.ncsc.gov.uk/news/reset-vpn" in targets
    assert not any("evil" in t or t.startswith("mailto:") for t in targets)
    assert "see https://evil.example/login and www.evil-update.com" in html  # as text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [("- looks like a list", r"\- looks like a list"),
     ("2023. A year", r"2023\. A year"),
     ("Title\n# heading\n\n    code", r"Title \# heading code"),
     ("a@b and @scope/pkg", r"a\[@\]b and @scope/pkg"),
     ("<b>x</b> & ftp://x", r"&lt;b&gt;x&lt;/b&gt; &amp; ftp\://x")],
)
def test_the_md_filter_keeps_one_line_of_plain_text(raw: str, escaped: str) -> None:
    assert md_escape(raw) == escaped


def ncsc_labelled(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"[^>]*>Read it on ncsc\.gov\.uk</a>', html)


def test_only_links_to_ncsc_gov_uk_are_labelled_as_the_ncscs(tmp_path: Path) -> None:
    ncsc_feed = [
        Advisory(f"ncsc-news:{n}", "ncsc-news", f"NCSC item {n}", url=url, published=W13,
                 kind="news")
        for n, url in enumerate((
            "https://ncsc-gov-uk.evil.example/reset",  # an NCSC feed's item linking off-site
            "https://www.ncsc.gov.uk.evil.example/x",
            "http://www.ncsc.gov.uk/news/plain-http",
            "https://www.ncsc.gov.uk/news/real",
            "https://report.ncsc.gov.uk/",
        ))
    ]
    elsewhere = Advisory("psirt:x", "psirt", "A vendor item about NCSC advice", published=W13,
                         url="https://www.ncsc.gov.uk/guidance/vendor-linked")
    files = bulletin(scenario(tmp_path), *ncsc_feed, elsewhere)
    for html in (files.message.html, files.webpage.read_text(encoding="utf-8")):
        labelled = ncsc_labelled(html)
        assert sorted(labelled) == sorted([
            "https://www.ncsc.gov.uk/news/real", "https://report.ncsc.gov.uk/",
            "https://www.ncsc.gov.uk/guidance/vendor-linked",
            "https://www.ncsc.gov.uk/news/example-3cx"])  # the scenario's own NCSC item
        assert all(urlsplit(u).hostname in ("www.ncsc.gov.uk", "report.ncsc.gov.uk")
                   for u in labelled)
    ncsc_section = files.message.text.split("NCSC UPDATES")[1].split("ACTIVELY EXPLOITED")[0]
    assert "NCSC item 3" in ncsc_section and "NCSC item 4" in ncsc_section
    for n in (0, 1, 2):  # still listed, but as what they are: not the NCSC's
        assert f"NCSC item {n}" not in ncsc_section and f"NCSC item {n}" in files.message.text
