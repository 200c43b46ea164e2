"""Forum threads (and comment threads) split into their posts, each with its own author,
date and text, so one poster's contacts are never another's.

A thread is a run of post containers: elements whose class or id says post, message,
reply or comment, each holding one author (a username class, or a link to a member
page). Containers nested in another are not posts of their own (a quote, a signature).
Fewer than two posts is not a thread here: the page is read as one listing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree

from wildtrace.extract.html import text_of

MAX_POSTS = 500
_POST = re.compile(r"(?:^|[\s_-])(?:post|postbit|message|reply|comment|forum-post|"
                   r"topic-post|entry|tgme_widget_message)(?:$|[\s_-]|--)", re.IGNORECASE)
_NOT_POST = re.compile(r"post-?reply|postreply|reply-?form|comment-?form|message-?form|"
                       r"message-?cell|message-?name|message-?attribution|message-?body|"
                       r"message-?content|post-?body|postbody|post-?content|post-?text|"
                       r"message-?text|author|profile|signature|quote|action", re.IGNORECASE)
_AUTHOR = re.compile(r"username|user-?name|author|poster|message-name|postauthor|"
                     r"owner_name|tgme_widget_message_owner_name|display-?name",
                     re.IGNORECASE)
_MEMBER = re.compile(r"/(?:member|members|memberlist|user|users|u|profile|people)(?:[./?=]|"
                     r"\.php)", re.IGNORECASE)
_BODY = re.compile(r"content|bbwrapper|postbody|post-?body|message-?body|post-?text|"
                   r"message-?text|cooked|entry-?content|comment-?body|"
                   r"tgme_widget_message_text", re.IGNORECASE)
_DATE = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)(?:[T ](\d\d:\d\d))?")


@dataclass(frozen=True)
class Post:
    """One post of a thread."""

    index: int
    author: str
    author_url: str
    posted: str
    text: str
    element: etree._Element


def _cls(el: etree._Element) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}"


def _author(el: etree._Element, url: str) -> tuple[str, str]:
    for a in el.xpath(".//*[@class]")[:200]:
        if _AUTHOR.search(str(a.get("class", ""))):
            link = a if a.tag == "a" else next(iter(a.xpath(".//a[@href]")), None)
            name = text_of(link if link is not None and text_of(link) else a)
            name = re.sub(r"^(?:posted by|by)\s+", "", name, flags=re.IGNORECASE)
            if name:
                href = link.get("href", "") if link is not None else ""
                return name[:200].split(" » ")[0].strip(), _join(url, href)
    for a in el.xpath(".//a[@href]")[:50]:
        if _MEMBER.search(a.get("href", "")) and text_of(a):
            return text_of(a)[:200], _join(url, a.get("href", ""))
    author = str(el.get("data-author", "")).strip()
    return author[:200], ""


def _join(base: str, href: str) -> str:
    try:
        return urljoin(base, href)[:2000] if href else ""
    except ValueError:
        return ""


def _posted(el: etree._Element) -> str:
    t = el.xpath(".//time[@datetime]")
    if t:
        m = _DATE.search(str(t[0].get("datetime", "")))
        if m:
            return m.group(0)[:16].replace(" ", "T")
    m = _DATE.search(text_of(el)[:2000])
    return m.group(0)[:16].replace(" ", "T") if m else ""


def _body(el: etree._Element) -> str:
    for b in el.xpath(".//*[@class]")[:300]:
        if _BODY.search(str(b.get("class", ""))) and not _AUTHOR.search(
                str(b.get("class", ""))):
            text = text_of(b)
            if text:
                return text
    return text_of(el)


def split_posts(root: etree._Element, url: str) -> list[Post]:
    """The posts of a thread page, in page order (``[]`` when it is not a thread)."""
    body = root.find("body")
    if body is None:
        return []
    found: list[etree._Element] = []
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in ("form", "textarea", "button"):
            continue
        cls = _cls(el)
        if not _POST.search(cls) or _NOT_POST.search(str(el.get("class", ""))):
            continue
        if any(f in el.iterancestors() for f in found):
            continue  # nested in a post already taken (a quote, a reply box)
        found.append(el)
        if len(found) > MAX_POSTS:
            break
    posts: list[Post] = []
    for el in found:
        author, author_url = _author(el, url)
        text = _body(el)
        if not author or not text:
            continue
        posts.append(Post(len(posts), author, author_url, _posted(el), text[:20_000], el))
    return posts if len(posts) >= 2 else []
