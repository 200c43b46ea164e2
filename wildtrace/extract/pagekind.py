"""What kind of page this is: a listing, an index (search or category), a seller's
profile, a forum thread, an article, or a login, CAPTCHA or error page.

Only listings become listings: a category page priced by its first card, or a seller's
profile priced by one of their ads, distorts every price figure. Login and CAPTCHA pages
also tell the crawler that a session has lapsed or a WAF has stepped in, so the site can
be paused (:func:`classify_page` is the entry point for that; it needs no extractor).

Rules, in order: CAPTCHA/WAF challenge markers; error pages (a short page whose title or
heading says not found / removed, in several languages); login pages (a password field
on a page with little else); forum threads (two or more posts, see
:mod:`wildtrace.extract.forum`); seller profiles (a member-page URL or profile markup,
and no offer price of its own); index pages (a grid of like cards each with a price, and
no offer price outside the grid); articles (article markup or a news type, and no
price); otherwise a listing when it has an offer price, listing markup or a contact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from wildtrace.extract import forum, generic, prices
from wildtrace.extract.html import decode_html, parse_html, text_of

LISTING, INDEX, PROFILE, FORUM, ARTICLE = "listing", "index", "profile", "forum", "article"
LOGIN, CAPTCHA, ERROR, OTHER = "login", "captcha", "error", "other"
KINDS = (LISTING, INDEX, PROFILE, FORUM, ARTICLE, LOGIN, CAPTCHA, ERROR, OTHER)
BLOCKED = frozenset({LOGIN, CAPTCHA})  # the site's session or access needs the analyst

_CAPTCHA = re.compile(
    r"g-recaptcha|h-captcha|hcaptcha|cf-challenge|cf-turnstile|challenge-platform|"
    r"px-captcha|geetest|verify (?:you are|that you are) (?:a )?human|"
    r"checking (?:if the site connection is secure|your browser)|unusual traffic|"
    r"are you a robot|i'm not a robot|captcha|xác minh bạn không phải robot|"
    r"请完成安全验证|人机验证|滑动验证", re.IGNORECASE)
_ERROR = re.compile(
    r"\b404\b|not found|no longer available|has been removed|has been deleted|"
    r"does not exist|page unavailable|listing (?:has )?expired|không tồn tại|đã bị xoá|"
    r"đã bị xóa|đã hết hạn|页面不存在|找不到|已删除|已下架|ページが見つかりません|削除されました|"
    r"tidak ditemukan|existiert nicht|n'existe plus|no existe|não encontrad|"
    r"ไม่พบหน้า|страница не найдена|объявление снято", re.IGNORECASE)
_LOGIN = re.compile(
    r"log ?in|sign ?in|đăng nhập|登录|登入|ログイン|masuk|เข้าสู่ระบบ|anmelden|connexion|"
    r"entrar|iniciar sesión|войти|로그인", re.IGNORECASE)
_PROFILE_HINT = re.compile(r"user-?profile|profile-?(?:name|header|card|page)|"
                           r"member-?(?:profile|since)|seller-?profile|shop-?profile",
                           re.IGNORECASE)
_PROFILE_URL = re.compile(r"/(?:user|users|u|profile|profiles|member|members|people|"
                          r"seller|sellers|shop|store|profil|perfil|@)[/=.]?[^/?#]*/?$",
                          re.IGNORECASE)
_INDEX_URL = re.compile(r"search|[?&](?:q|query|keyword|k|p|page)=|/c/|/category|/cat/|"
                        r"/tag/|/browse|/list", re.IGNORECASE)
_OFFER = re.compile(r"\b(?:for sale|selling|sell|wts|ready stock|ready|order now|cod|"
                    r"available)\b|bán|cần bán|jual|dijual|ขาย|出售|出|転売|판매|продаю|vendo|"
                    r"à vendre|verkaufe", re.IGNORECASE)
_ARTICLE_TYPES = re.compile(r"NewsArticle|BlogPosting|Article|ReportageNewsArticle")


@dataclass(frozen=True, slots=True)
class PageKind:
    """A page's kind and why (the reason names the rule that decided)."""

    kind: str
    reason: str

    @property
    def blocked(self) -> bool:
        """True for a login or CAPTCHA page: the crawl should pause this site."""
        return self.kind in BLOCKED


def classify_page(html: str | bytes, url: str) -> PageKind:
    """The kind of the page ``html`` fetched from ``url`` (see module doc)."""
    text = decode_html(html).text if isinstance(html, bytes) else html
    root = parse_html(text)
    lang = str(root.get("lang") or "").split("-")[0].lower()
    price = generic.choose_price(generic.price_candidates(root, url, lang))
    return classify_tree(root, url, has_price=price is not None,
                         posts=len(forum.split_posts(root, url)))


def _page_title(root: etree._Element) -> str:
    parts = [text_of(t) for t in root.xpath("//title|//h1")[:3]]
    return " ".join(parts)[:400]


def classify_tree(root: etree._Element, url: str, *, has_price: bool, posts: int,
                  listing_markup: bool = False) -> PageKind:
    """:func:`classify_page` on a parsed page, given what extraction already found."""
    body = root.find("body")
    body_text = text_of(body) if body is not None else ""
    raw = etree.tostring(root, encoding="unicode")[:300_000]
    title = _page_title(root)
    short = len(body_text) < 1500
    if _CAPTCHA.search(raw) and (short or _CAPTCHA.search(title)) and not listing_markup:
        return PageKind(CAPTCHA, "challenge markers (CAPTCHA/WAF) on a short page")
    if short and not listing_markup and (_ERROR.search(title) or (
            len(body_text) < 400 and _ERROR.search(body_text))):
        return PageKind(ERROR, "short page saying not found or removed")
    password = root.xpath("//input[@type='password']")
    if password and not listing_markup and (short or _LOGIN.search(title)) and not has_price:
        return PageKind(LOGIN, "password field on a page with little else")
    if posts >= 2:
        return PageKind(FORUM, f"thread of {posts} posts")
    cards = _price_cards(root)
    path_profile = bool(_PROFILE_URL.search(url.split("#")[0]))
    marked_profile = bool(root.xpath("//*[@class or @id]") and any(
        _PROFILE_HINT.search(f"{e.get('class', '')} {e.get('id', '')}")
        for e in root.xpath("//*[@class or @id]")[:3000]))
    if (path_profile or marked_profile) and not listing_markup and not has_price:
        return PageKind(PROFILE, "member page" + (" URL" if path_profile else " markup")
                        + f"{f' with {cards} priced items' if cards else ''}")
    if cards >= 4 and not has_price and not listing_markup:
        return PageKind(INDEX, f"grid of {cards} priced items and no offer price")
    if cards >= 8 and _INDEX_URL.search(url) and not listing_markup:
        return PageKind(INDEX, f"search/category URL with {cards} priced items")
    if not has_price and not listing_markup and _is_article(root):
        return PageKind(ARTICLE, "article markup and no price")
    return PageKind(LISTING, "offer page")


def _is_article(root: etree._Element) -> bool:
    og = root.xpath("//meta[@property='og:type']/@content")
    if og and str(og[0]).strip().lower() == "article" and not root.xpath(
            "//*[@role='article']"):
        # Social networks call every post an article: one that offers something is not.
        said = " ".join(str(v) for v in root.xpath(
            "//meta[@property='og:description' or @property='og:title']/@content"))[:3000]
        return not (prices.NO_PRICE.search(said) or _OFFER.search(said))
    ld = " ".join(str(s.text or "") for s in root.xpath(
        "//script[@type='application/ld+json']"))[:50_000]
    if _ARTICLE_TYPES.search(ld) and "Product" not in ld:
        return True
    arts = root.xpath("//article")
    return bool(arts) and bool(root.xpath("//article//time|//*[contains(@class,'byline')]"))


def _price_cards(root: etree._Element) -> int:
    """How many priced items sit in the page's largest grid of like siblings."""
    best = 0
    for parent in root.xpath("//body//*[count(*) >= 3]")[:3000]:
        groups: dict[tuple[str, str], int] = {}
        for child in parent:
            if not isinstance(child.tag, str):
                continue
            key = generic.card_signature(child)
            if key is not None and generic.has_price(child):
                groups[key] = groups.get(key, 0) + 1
        if groups:
            best = max(best, max(groups.values()))
    return best
