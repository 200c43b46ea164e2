"""Which links of a page the crawler follows (:mod:`wildtrace.collect.links`): read from
the extraction tree, same site only, in order, ranked; nofollow, depth and media
honoured; capped per page."""

from __future__ import annotations

import pytest

from wildtrace.collect.links import LinkPolicy, link_priority
from wildtrace.extract.html import parse_html
from wildtrace.records import Page


def _page(url: str, depth: int = 0, media: str = "text/html") -> Page:
    return Page(requested_url=url, url=url, redirects=(), status=200, headers=(),
                body=b"", media_type=media, server_ip="", started="", ended="",
                user_agent="", depth=depth)


def _policy(**kw: object) -> LinkPolicy:
    return LinkPolicy(frozenset({"shop.test"}), lambda t: 1.0 if "ivory" in t else 0.0,
                      **kw)  # type: ignore[arg-type]


def test_links_follow_same_site_in_order_with_base_and_priority() -> None:
    root = parse_html(f"""<html><head><base href="http://shop.test/cat/"></head><body>
      <a href="item-1">Carved   <b>ivory</b> bangle</a>
      <a href="/item-2#reviews">plain pot</a>
      <a href="/item-2">again</a>
      <a href="http://other.test/x">elsewhere</a>
      <a href="javascript:void(0)">js</a> <a href="mailto:a@b.test">mail</a>
      <a href="#top">top</a> <a href="http://[::1">broken</a> <a>no href</a>
      <a href="HTTP://Shop.Test/item-3">shouting</a> <a href="http://shop.test:abc/x">port</a>
      <a href="http://shop.test:99999/y">big port</a>
      <a href="http://{'a' * 300}.shop.test/z">long host</a></body></html>""")
    entries = _policy().entries(root, _page("http://shop.test/list?p=1", depth=2), 0.4)
    # (The frontier canonicalises spellings such as the shouted host when it queues them.)
    assert [e.url for e in entries] == ["http://shop.test/cat/item-1", "http://shop.test/item-2",
                                        "http://Shop.Test/item-3"]
    first = entries[0]
    assert first.anchor == "Carved ivory bangle"
    assert first.depth == 3 and first.parent == "http://shop.test/list?p=1"
    assert first.priority == pytest.approx(link_priority(0.4, 1.0, 3))
    assert entries[1].priority == pytest.approx(link_priority(0.4, 0.0, 3))
    # Any site is followed when the crawl names none.
    anywhere = LinkPolicy(frozenset(), lambda t: 0.0).entries(
        root, _page("http://shop.test/list"), 0.0)
    assert "http://other.test/x" in [e.url for e in anywhere]


def test_links_respect_nofollow_depth_follow_and_media() -> None:
    html = "<a href='/a'>a</a>"
    nofollow = parse_html("<head><meta name='robots' content='noindex, NOFOLLOW'></head>"
                          + html)
    page = _page("http://shop.test/")
    assert _policy().entries(nofollow, page, 1.0) == []
    plain = parse_html(html)
    assert len(_policy().entries(plain, page, 1.0)) == 1
    assert _policy(max_depth=2).entries(plain, _page("http://shop.test/", depth=2), 1.0) == []
    assert _policy(follow=False).entries(plain, page, 1.0) == []
    assert _policy().entries(plain, _page("http://shop.test/", media="image/png"), 1.0) == []
    assert _policy().entries(None, page, 1.0) == []


def test_links_per_page_are_capped() -> None:
    root = parse_html("".join(f"<a href='/p/{i}'>p</a>" for i in range(2000)))
    assert len(_policy().entries(root, _page("http://shop.test/"), 0.5)) == 500
