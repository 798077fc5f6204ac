"""A feed item's article page: only the article's own text, never the site's menus or hidden text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisories.sources.article import read_article, same_site

PAGE = "https://www.ncsc.gov.uk/news/alert"
REAL = "<p>Palo Alto Networks has published advice on CVE-2024-3400 in PAN-OS.</p>"


@pytest.mark.parametrize(("name", "markup"), [
    ("a related-article card before the article", f"<body><aside><article>CVE-2019-0001</article></aside>"
                                                  f"<article>{REAL}</article></body>"),
    ("a main nested in a menu inside main", f"<body><main>{REAL}<nav><main>x</main></nav></main>"
                                             "<div>related CVE-2019-0001</div></body>"),
    ("hidden text", f"<body><main>{REAL}<div hidden>CVE-2019-0001</div>"
                    "<span style='display: none'>CVE-2019-0002</span>"
                    "<p aria-hidden='true'>CVE-2019-0003</p></main></body>"),
    ("a menu built from divs, no main", f"<body><div role='navigation'>CVE-2019-0001</div><div>{REAL}</div></body>"),
    ("header, footer and side bar", f"<body><header><nav><ul><li>Home<li>CVE-2019-0001</ul></nav></header>"
                                    f"<main>{REAL}<aside>CVE-2019-0002</aside></main><footer>CVE-2019-0003</footer></body>"),
])
def test_only_the_articles_own_words_are_read(name: str, markup: str) -> None:
    article = read_article(markup, PAGE)
    assert "CVE-2024-3400" in article.text, name
    assert "CVE-2019" not in article.text, name


def test_the_vendor_links_it_cites_are_kept_and_the_sites_own_are_not() -> None:
    markup = (f"<main>{REAL}<a href='https://security.paloaltonetworks.com/CVE-2024-3400'>PAN</a>"
              "<a href='/news/other'>more</a><a href='javascript:alert(1)'>x</a></main>")
    assert read_article(markup, PAGE).links == ("https://security.paloaltonetworks.com/CVE-2024-3400",)


LEFT_OUT = st.sampled_from(["<nav>{}</nav>", "<aside>{}</aside>", "<footer>{}</footer>", "<div hidden>{}</div>",
                            "<div role='navigation'>{}</div>", "<header>{}</header>", "<form>{}</form>",
                            "<ul><li>{}<li>more</ul>"])


@given(st.lists(st.tuples(LEFT_OUT, st.integers(1, 9999)), max_size=6), st.booleans())
def test_no_cve_id_from_a_left_out_element_ever_reaches_the_text(noise: list[tuple[str, int]], in_main: bool) -> None:
    chrome = "".join(shape.format(f"CVE-2019-{n:04d}") for shape, n in noise if not shape.startswith("<ul"))
    body = f"<main>{REAL}{chrome}</main>" if in_main else f"{chrome}<main>{REAL}</main>{chrome}"
    text = read_article(f"<html><body>{body}</body></html>", PAGE).text
    assert "CVE-2024-3400" in text and "CVE-2019" not in text


@pytest.mark.parametrize(("item", "feed", "same"), [
    ("https://www.ncsc.gov.uk/news/x", "https://www.ncsc.gov.uk/api/1/services/v1/news-rss-feed.xml", True),
    ("https://evil.example/x", "https://www.ncsc.gov.uk/feed.xml", False),
    ("http://www.ncsc.gov.uk/news/x", "https://www.ncsc.gov.uk/feed.xml", False),
    ("https://www.ncsc.gov.uk:8443/x", "https://www.ncsc.gov.uk/feed.xml", False),
    (None, "https://www.ncsc.gov.uk/feed.xml", False),
])
def test_only_pages_on_the_feeds_own_site_are_read(item: str | None, feed: str, same: bool) -> None:
    assert same_site(item, feed) is same
