

def test_an_ncsc_page_in_two_feeds_is_listed_once() -> None:
    from datetime import UTC, datetime

    from advisories.merge import one_per_page
    from advisories.models import Advisory

    when = datetime(2023, 3, 31, 12, tzinfo=UTC)
    news = Advisory(id="ncsc-news:x", source="ncsc-news", title="T", url="https://www.ncsc.gov.uk/news/x",
                    published=when, kind="news")
    same = Advisory(id="ncsc-all:x", source="ncsc-all", title="T", url="https://www.ncsc.gov.uk/news/x",
                    published=when, kind="news")
    assert one_per_page([news, same]) == [news]
