"""Write the golden pages: HTML written to the shape of real sites, with expected fields.

Run ``python tests/data/golden_pages/generate.py`` from the project root; it rewrites
``tune/`` and ``heldout/`` (each page ``<family>-<n>.html`` beside ``<family>-<n>.json``).
Every page is written here by hand-made templates that copy the structure of a kind of
real site (class names, where the price, seller, location and date sit, what else on the
page looks like a price); no real site's HTML or text is copied. Products, people,
numbers and places are invented. The held-out families (``heldout/``) were written after
the extractor was tuned on ``tune/`` and are only measured, never tuned on (see
PROVENANCE.md).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
E = html.escape

# (lang, title, description, price text, price, currency, seller, location, date text,
#  iso date)
ITEMS: list[tuple[str, str, str, str, float | None, str, str, str, str, str]] = [
    ("en", "Carved bone bangle, antique style", "Hand carved bangle, 64 mm, ships worldwide.",
     "$145.00", 145.0, "USD", "oldcuriosa", "Austin, TX", "Mar 3, 2026", "2026-03-03"),
    ("vi", "Vòng tay gỗ trầm hương tự nhiên", "Hàng chuẩn, bao test, giao toàn quốc.",
     "1.250.000 ₫", 1250000.0, "VND", "Shop Minh Anh", "Hà Nội", "12/05/2026", "2026-05-12"),
    ("th", "สร้อยข้อมือหินนำโชค แท้ 100%", "ของแท้ ส่งฟรีทั่วประเทศ ติดต่อไลน์",
     "฿3,500", 3500.0, "THB", "ร้านโชคดี", "กรุงเทพมหานคร", "2026-04-21", "2026-04-21"),
    ("id", "Gelang akar bahar hitam asli", "Barang asli, bisa COD area Jakarta.",
     "Rp 1,5 jt", 1500000.0, "IDR", "Toko Berkah Jaya", "Jakarta Selatan", "2026-02-14",
     "2026-02-14"),
    ("ja", "天然珊瑚 ネックレス 限定品", "送料無料。即購入OKです。",
     "¥12,000", 12000.0, "JPY", "さくら商店", "東京都", "2026年6月1日", "2026-06-01"),
    ("zh", "老料手串 包浆厚重 收藏级", "实物拍摄，支持验货，全国包邮。",
     "¥2,680", 2680.0, "CNY", "藏珍阁", "广东 广州", "2026-01-09", "2026-01-09"),
    ("de", "Alte Schnitzerei aus Horn, Nachlass", "Aus Nachlass, guter Zustand, Versand möglich.",
     "1.250 €", 1250.0, "EUR", "Sammler_Klaus", "Leipzig", "07.03.2026", "2026-03-07"),
    ("fr", "Sculpture ancienne en bois précieux", "Pièce unique, remise en main propre possible.",
     "€ 1.234,56", 1234.56, "EUR", "Antiquités Morel", "Lyon", "2026-05-30", "2026-05-30"),
    ("pt", "Pulseira artesanal de semente rara", "Envio para todo o Brasil, aceito Pix.",
     "R$ 450,00", 450.0, "BRL", "Loja da Ana", "São Paulo, SP", "2026-03-18", "2026-03-18"),
    ("en", "Python skin belt, handmade", "Genuine leather belt, size 34. Meet in Makati.",
     "₱2,500", 2500.0, "PHP", "belts_by_jm", "Makati City", "2026-02-02", "2026-02-02"),
    ("zh", "老件木雕擺件 香港自取", "品相良好，可面交，旺角地鐵站。",
     "HK$1,800", 1800.0, "HKD", "古玩小舖", "香港 旺角", "2026-04-04", "2026-04-04"),
    ("zh", "天然牛角梳 手工打磨", "台北可面交，郵寄另計。",
     "NT$ 650", 650.0, "TWD", "阿明的店", "台北市", "2026-05-05", "2026-05-05"),
    ("vi", "Tượng gỗ mun nguyên khối", "Gỗ mun sừng, cao 40cm, ship COD.",
     "5tr", 5000000.0, "VND", "Đồ gỗ Phúc Lộc", "TP. Hồ Chí Minh", "2026-06-11", "2026-06-11"),
    ("en", "Vintage scrimshaw-style pendant", "Resin replica pendant. Free shipping in US.",
     "US $45.00", 45.0, "USD", "pendantpalace", "Tampa, Florida", "2026-01-27", "2026-01-27"),
    ("es", "Figura tallada antigua de colección", "Envío a toda España, pago por Bizum.",
     "320 €", 320.0, "EUR", "coleccionista_madrid", "Madrid", "2026-03-09", "2026-03-09"),
    ("ms", "Gelang kayu gaharu asli", "Boleh COD sekitar KL. Harga nego sikit.",
     "RM 280", 280.0, "MYR", "Kedai Wangi", "Kuala Lumpur", "2026-02-20", "2026-02-20"),
    ("ko", "천연 원목 조각품 소장용", "직거래 가능, 택배 가능합니다.",
     "85,000원", 85000.0, "KRW", "나무공방", "서울 마포구", "2026-04-15", "2026-04-15"),
    ("ru", "Старинная резная шкатулка", "Отправка по России, торг уместен.",
     "12 500 ₽", 12500.0, "RUB", "antik_spb", "Санкт-Петербург", "2026-05-19", "2026-05-19"),
    ("en", "Set of old carved buttons", "Lot of 12, mixed materials.",
     "£38.50", 38.5, "GBP", "buttonbarn", "Leeds", "2026-06-23", "2026-06-23"),
    ("en", "Hand-painted wooden mask", "From a private collection, with stand.",
     "₹ 4,999", 4999.0, "INR", "craftkart_delhi", "New Delhi", "2026-01-31", "2026-01-31"),
]
CART = {"en": "Add to cart", "vi": "Thêm vào giỏ hàng", "th": "หยิบใส่ตะกร้า",
        "id": "Masukkan keranjang", "ja": "カートに入れる", "zh": "加入购物车",
        "de": "In den Warenkorb", "fr": "Ajouter au panier", "pt": "Adicionar ao carrinho",
        "es": "Añadir a la cesta", "ms": "Tambah ke troli", "ko": "장바구니 담기",
        "ru": "В корзину"}
RELATED = {"en": "You may also like", "vi": "Sản phẩm tương tự", "th": "สินค้าที่คล้ายกัน",
           "id": "Produk serupa", "ja": "関連商品", "zh": "猜你喜欢", "de": "Ähnliche Artikel",
           "fr": "Vous aimerez aussi", "pt": "Produtos relacionados",
           "es": "También te puede interesar", "ms": "Produk berkaitan", "ko": "관련 상품",
           "ru": "Похожие товары"}
SHIP = {"en": "Shipping", "vi": "Phí vận chuyển", "th": "ค่าส่ง", "id": "Ongkir",
        "ja": "送料", "zh": "运费", "de": "Versand", "fr": "Livraison", "pt": "Frete",
        "es": "Envío", "ms": "Penghantaran", "ko": "배송비", "ru": "Доставка"}
PRICE_WORD = {"en": "Price", "vi": "Giá", "th": "ราคา", "id": "Harga", "ja": "価格",
              "zh": "价格", "de": "Preis", "fr": "Prix", "pt": "Preço", "es": "Precio",
              "ms": "Harga", "ko": "가격", "ru": "Цена"}
SELLER_WORD = {"en": "Seller", "vi": "Người bán", "th": "ผู้ขาย", "id": "Penjual",
               "ja": "出品者", "zh": "卖家", "de": "Anbieter", "fr": "Vendeur",
               "pt": "Vendedor", "es": "Vendedor", "ms": "Penjual", "ko": "판매자",
               "ru": "Продавец"}
LOC_WORD = {"en": "Location", "vi": "Khu vực", "th": "ที่อยู่", "id": "Lokasi",
            "ja": "発送元", "zh": "所在地", "de": "Standort", "fr": "Localisation",
            "pt": "Localização", "es": "Ubicación", "ms": "Lokasi", "ko": "지역",
            "ru": "Местоположение"}
ON_REQUEST = {"en": "Price on request", "vi": "Giá: Liên hệ", "th": "ราคา: สอบถาม",
              "id": "Harga: Nego via chat", "zh": "价格：私聊", "de": "Preis auf Anfrage",
              "fr": "Prix sur demande", "pt": "Preço a combinar", "es": "Precio a consultar",
              "ms": "Harga: PM", "ja": "価格：お問い合わせ", "ko": "가격 문의",
              "ru": "Цена договорная"}


def side_prices(cur_text: str) -> list[str]:
    """Prices of other products written like the main one (related products)."""
    return [cur_text.replace("1", "3").replace("2", "7").replace("5", "9"),
            cur_text.replace("4", "8").replace("1", "6")]


def page(lang: str, title: str, body: str, head: str = "") -> str:
    return (f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{E(title)}</title>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n")


def gold(kind: str, it: tuple[Any, ...] | None, **over: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if it is not None:
        lang, title, _d, _pt, price, cur, seller, loc, _dt, iso = it
        fields = {"title": title, "price": price, "currency": cur if price else "",
                  "seller": seller, "location": loc, "posted": iso}
    fields.update(over)
    return {"kind": kind, "fields": fields}


# ---------------------------------------------------------------- tuning families

def shop_jsonld(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    """A hosted-shop product page: JSON-LD Product, a sale price with the old one struck."""
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    ld = {"@context": "https://schema.org", "@type": "Product", "name": title,
          "description": desc, "offers": {"@type": "Offer", "price": f"{price:.2f}",
                                          "priceCurrency": cur,
                                          "seller": {"@type": "Organization", "name": seller}}}
    rel = "".join(f'<li class="product-card"><a href="/products/r{i}">Other {i}</a>'
                  f'<span class="price">{E(p)}</span></li>'
                  for i, p in enumerate(side_prices(pt)))
    body = (f'<header class="site-header"><a href="/">{E(seller)}</a><a href="/cart">'
            f'Cart (0)</a></header><main><div class="product">'
            f'<h1 class="product__title">{E(title)}</h1>'
            f'<div class="price"><s class="price-item--regular">{E(side_prices(pt)[0])}</s> '
            f'<span class="price-item--sale">{E(pt)}</span></div>'
            f'<div class="product__description"><p>{E(desc)}</p></div>'
            f'<button name="add">{E(CART.get(lang, "Add to cart"))}</button></div>'
            f'<section class="related-products"><h2>{E(RELATED.get(lang, ""))}</h2>'
            f'<ul>{rel}</ul></section></main><footer>© {E(seller)}</footer>')
    head = f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>\n'
    g = gold("listing", it, posted="", location="")
    return page(lang, f"{title} – {seller}", body, head), g


def woo_microdata(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    """A WordPress shop: microdata-free, <del> old price and <ins> sale price, shipping note."""
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    old = side_prices(pt)[1]
    body = (f'<div id="page"><nav class="main-navigation"><a href="/">Home</a>'
            f'<a href="/shop">Shop</a></nav><div class="product type-product">'
            f'<h1 class="product_title entry-title">{E(title)}</h1>'
            f'<p class="price"><del><span class="woocommerce-Price-amount amount">{E(old)}'
            f'</span></del> <ins><span class="woocommerce-Price-amount amount">{E(pt)}</span>'
            f'</ins></p><div class="woocommerce-product-details__short-description">'
            f'<p>{E(desc)}</p></div><p class="shipping-note">{E(SHIP.get(lang, ""))}: '
            f'{E(side_prices(pt)[0])}</p><form class="cart"><button type="submit">'
            f'{E(CART.get(lang, "Add to cart"))}</button></form>'
            f'<div class="product_meta">{E(SELLER_WORD.get(lang, "Seller"))}: {E(seller)}</div>'
            f'</div></div>')
    return page(lang, title, body), gold("listing", it, location="", posted="")


def marketplace_app(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    """A big Asian marketplace product page (no structured data): flash-sale price with
    the list price beside it, shop card, 'ships from', many recommended items."""
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    recs = "".join(f'<div class="shopee-search-item-result__item"><a href="/p/{i}">'
                   f'<div class="item-name">Item {i}</div><div class="item-price">'
                   f'{E(side_prices(pt)[i % 2])}</div></a></div>' for i in range(6))
    body = (f'<div id="main"><div class="page-product"><div class="product-briefing">'
            f'<div class="attM6y"><span>{E(title)}</span></div>'
            f'<div class="flex items-center"><div class="_3_ISdg">{E(side_prices(pt)[1])}'
            f'</div><div class="pqTWkA">{E(pt)}</div><div class="MMNhN5">-20%</div></div>'
            f'<div class="shipping"><label>{E(SHIP.get(lang, ""))}</label>'
            f'<span>{E(side_prices(pt)[0])}</span></div>'
            f'<button class="btn-solid-primary">{E(CART.get(lang, ""))}</button></div>'
            f'<div class="shop-card"><a href="/shop/{n}" class="shop-name">{E(seller)}</a>'
            f'<div>{E(LOC_WORD.get(lang, "Location"))}: {E(loc)}</div></div>'
            f'<div class="product-detail"><h2>Mô tả</h2><p>{E(desc)}</p></div></div>'
            f'<div class="recommend"><h2>{E(RELATED.get(lang, ""))}</h2>{recs}</div></div>')
    return page(lang, title, body), gold("listing", it, posted="")


def auction(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    """An auction item page: current bid, shipping cost, buyer-protection fee, seller box."""
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    body = (f'<div id="CenterPanel"><h1 class="x-item-title__mainTitle"><span>{E(title)}'
            f'</span></h1><div class="x-bid-price"><span class="ux-textspans">Current bid:'
            f'</span> <span class="ux-textspans x-price-primary">{E(pt)}</span></div>'
            f'<div class="x-bid-count">7 bids · Ends in 2d 4h</div>'
            f'<div class="ux-labels-values--shipping"><span>Shipping:</span> '
            f'<span>{E(side_prices(pt)[0])} Standard Shipping</span></div>'
            f'<div class="ux-labels-values--itemLocation">Located in: {E(loc)}</div>'
            f'<a class="btn btn-prim" href="/bid">Place bid</a></div>'
            f'<div class="x-sellercard-atf"><div class="x-sellercard-atf__info__about-seller">'
            f'<a href="/usr/{E(seller)}">{E(seller)}</a> (1234) 99.8% positive</div></div>'
            f'<div id="desc"><p>{E(desc)}</p></div>')
    return page(lang, title, body), gold("listing", it, posted="")


def classified_cl(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    """A plain classifieds post: title with price and place in the header line, posted date."""
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    body = (f'<section class="body"><header class="global-header"><a href="/">CL</a> &gt; '
            f'<a href="/search/sss">for sale</a></header><h1 class="postingtitle">'
            f'<span class="postingtitletext"><span id="titletextonly">{E(title)}</span> - '
            f'<span class="price">{E(pt)}</span> <small>({E(loc)})</small></span></h1>'
            f'<section id="postingbody">{E(desc)}</section><div class="postinginfos">'
            f'<p class="postinginfo">post id: 77{n}3</p><p class="postinginfo reveal">posted: '
            f'<time class="date timeago" datetime="{iso}T10:12:00-0700">{E(dt)}</time></p>'
            f'</div></section>')
    return page(lang, title, body), gold("listing", it, seller="")


def classified_vn(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    """A Vietnamese-style classifieds ad: price in a coloured span, 'Khu vực', seller card,
    'Tin đăng' date, and 'Tin đăng tương tự' with other prices."""
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    sim = "".join(f'<li><a href="/mua-ban/{i}.htm">Tin {i}</a><span class="AdItem_price">'
                  f'{E(side_prices(pt)[i % 2])}</span></li>' for i in range(4))
    body = (f'<div class="container"><div class="AdDecription_adDecriptionWrapper">'
            f'<h1 itemprop="name" class="AdDecription_adTitle">{E(title)}</h1>'
            f'<div class="AdDecription_priceWrapper"><span class="AdDecription_price">'
            f'<span itemprop="price">{E(pt)}</span></span></div>'
            f'<p class="AdDecription_adBody">{E(desc)}</p>'
            f'<div class="media-body">{E(LOC_WORD.get(lang, "Location"))}: {E(loc)}</div>'
            f'<div class="imageCaption">Tin đăng: {E(dt)}</div></div>'
            f'<div class="SellerProfile"><a href="/user/{n}"><b>{E(seller)}</b></a></div>'
            f'<div class="AdSimilar"><h2>Tin đăng tương tự</h2><ul>{sim}</ul></div></div>')
    return page(lang, title, body), gold("listing", it)


def classified_de(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    """A German-style classifieds ad: 'VB' (negotiable) after the price, Versand cost."""
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    body = (f'<div id="viewad-main"><h1 id="viewad-title">{E(title)}</h1>'
            f'<h2 class="boxedarticle--price" id="viewad-price">{E(pt)} VB</h2>'
            f'<div class="boxedarticle--details--shipping">+ {E(SHIP.get(lang, ""))} ab '
            f'{E(side_prices(pt)[0])}</div>'
            f'<div id="viewad-locality">{E(loc)}</div><div id="viewad-extra-info"><span>'
            f'{E(dt)}</span></div><p id="viewad-description-text">{E(desc)}</p></div>'
            f'<div id="viewad-contact"><span class="userprofile-vip"><a href="/s-bestandsliste'
            f'.html?userId={n}">{E(seller)}</a></span></div>')
    return page(lang, title, body), gold("listing", it)


def instalments(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    """A Latin-American marketplace page: full price, 'in 12x of …' instalments, 'was'."""
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    inst = side_prices(pt)[1]
    body = (f'<div class="ui-pdp-container"><h1 class="ui-pdp-title">{E(title)}</h1>'
            f'<div class="ui-pdp-price"><s class="andes-money-amount--previous">'
            f'{E(side_prices(pt)[0])}</s><span class="andes-money-amount" '
            f'aria-label="{E(pt)}">{E(pt)}</span></div><p class="ui-pdp-installments">'
            f'em 12x {E(inst)} sem juros</p><p class="ui-pdp-shipping">Frete grátis</p>'
            f'<div class="ui-pdp-seller">{E(SELLER_WORD.get(lang, "Seller"))}: '
            f'<a href="/perfil/{n}">{E(seller)}</a></div><div class="ui-pdp-description">'
            f'<p>{E(desc)}</p></div><button>Comprar agora</button></div>')
    return page(lang, title, body), gold("listing", it, location="", posted="")


def og_social(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    """A social-network post preview: OpenGraph only, the price inside the post text."""
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    text = f"{title} — {pt}. {desc}"
    head = (f'<meta property="og:title" content="{E(seller)}">\n'
            f'<meta property="og:description" content="{E(text)}">\n'
            f'<meta property="og:type" content="article">\n')
    body = (f'<div id="root"><div role="article"><h2><a href="/profile/{n}">{E(seller)}'
            f'</a></h2><abbr data-utime="1">{E(dt)}</abbr><div data-ad-preview="message">'
            f'<p>{E(text)}</p></div></div></div>')
    g = gold("listing", it, location="", posted="")
    del g["fields"]["title"]  # a post has no title; the preview's og:title is the poster
    return page(lang, seller, body, head), g


def on_request(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    """A listing with no price ('price on request', 'inbox for price') but related items
    that have prices: the right answer is no price."""
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    rel = "".join(f'<div class="card"><a href="/item/{i}">Other {i}</a><span class="price">'
                  f'{E(p)}</span></div>' for i, p in enumerate(side_prices(pt)))
    body = (f'<main><article class="item"><h1>{E(title)}</h1><div class="item-price">'
            f'{E(ON_REQUEST.get(lang, "Price on request"))}</div><div class="desc">'
            f'<p>{E(desc)} Inbox for price.</p></div><div class="seller">'
            f'{E(SELLER_WORD.get(lang, "Seller"))}: {E(seller)}</div></article>'
            f'<aside class="related"><h3>{E(RELATED.get(lang, ""))}</h3>{rel}</aside></main>')
    return page(lang, title, body), gold("listing", it, price=None, currency="",
                                         location="", posted="")


def index_page(items: list[tuple[Any, ...]], n: int) -> tuple[str, dict[str, Any]]:
    """A category / search page: a grid of cards, each with its own price."""
    lang = items[0][0]
    cards = "".join(f'<div class="product-item"><a href="/p/{i}"><img src="/i/{i}.jpg" '
                    f'alt=""><h3>{E(it[1])}</h3></a><span class="price">{E(it[3])}</span>'
                    f'<span class="loc">{E(it[7])}</span></div>' for i, it in enumerate(items))
    body = (f'<header><nav><a href="/">Home</a></nav></header><h1>Animals &amp; collectibles'
            f'</h1><div class="toolbar">Showing 1–{len(items)} of 240 results · Sort by price'
            f'</div><div class="products">{cards}</div><nav class="pagination"><a href="?p=2">'
            f'2</a><a href="?p=3">3</a></nav>')
    return page(lang, "Animals", body), {"kind": "index", "fields": {"price": None}}


def login_page(lang: str, n: int) -> tuple[str, dict[str, Any]]:
    body = ('<div class="login"><h1>Log in to continue</h1><form method="post" action="/login">'
            '<input name="email" type="email"><input name="password" type="password">'
            '<button>Log in</button></form><a href="/forgot">Forgot password?</a></div>')
    return page(lang, "Log in", body), {"kind": "login", "fields": {"price": None}}


def captcha_page(lang: str, n: int) -> tuple[str, dict[str, Any]]:
    body = ('<div id="challenge"><h1>Checking if the site connection is secure</h1><p>Please '
            'verify you are a human. Enable JavaScript and cookies to continue.</p>'
            '<div class="g-recaptcha" data-sitekey="x"></div></div>')
    return page(lang, "Just a moment...", body), {"kind": "captcha", "fields": {"price": None}}


def error_page(lang: str, n: int) -> tuple[str, dict[str, Any]]:
    msg = {"en": "This listing is no longer available", "vi": "Tin đăng không tồn tại hoặc "
           "đã bị xoá", "zh": "页面不存在"}.get(lang, "404 Not Found")
    body = (f'<div class="error-page"><h1>404</h1><p>{E(msg)}</p><a href="/">Back to home</a>'
            f'</div>')
    return page(lang, "Page not found", body), {"kind": "error", "fields": {"price": None}}


def profile_page(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    """A seller's profile: name, member since, location, ratings, their other ads."""
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    ads = "".join(f'<li class="ad"><a href="/ad/{i}">Ad {i}</a> <span class="price">{E(p)}'
                  f'</span></li>' for i, p in enumerate([pt, *side_prices(pt)]))
    body = (f'<div class="user-profile"><h1 class="profile-name">{E(seller)}</h1>'
            f'<div class="profile-meta">Member since 2021 · {E(LOC_WORD.get(lang, "Location"))}:'
            f' {E(loc)} · 4.8 ★ (120 reviews)</div><p class="bio">Contact me on WhatsApp '
            f'+84 912 000 {n:03d}</p><h2>Active listings (3)</h2><ul class="user-ads">{ads}</ul>'
            f'</div>')
    return page(lang, f"{seller} – profile", body), {
        "kind": "profile", "fields": {"price": None}, "seller": {"name": seller,
                                                                   "location": loc}}


def forum_thread(its: list[tuple[Any, ...]], n: int) -> tuple[str, dict[str, Any]]:
    """A phpBB-style thread: a seller's first post with price and phone, buyers' replies
    with their own contacts."""
    lang = its[0][0]
    first = its[0]
    posts = []
    html_posts = []
    people = [(first[6], first[9], f"{first[1]}. {first[2]} {first[3]}. Call +84 903 111 {n:03d}",
               "+84903111" + f"{n:03d}")]
    for j, it in enumerate(its[1:3]):
        people.append((f"buyer_{j}_{n}", it[9], f"Interested! PM me, my number is "
                       f"+84 987 22{j} {n:03d}", f"+8498722{j}{n:03d}"))
    for author, iso, text, phone in people:
        html_posts.append(
            f'<div class="post bg2" id="p{len(posts)}"><div class="inner"><div class="postbody">'
            f'<p class="author"><a href="/memberlist.php?mode=viewprofile&amp;u={author}" '
            f'class="username">{E(author)}</a> » <time datetime="{iso}T08:00:00+00:00">'
            f'{iso}</time></p><div class="content">{E(text)}</div></div></div></div>')
        posts.append({"author": author, "posted": iso, "phone": phone})
    body = (f'<div id="wrap"><h2 class="topic-title"><a href="/viewtopic.php?t={n}">'
            f'{E(first[1])}</a></h2><div class="action-bar">Post Reply</div>'
            f'{"".join(html_posts)}</div>')
    return page(lang, first[1], body), {"kind": "forum", "fields": {}, "posts": posts}


def article_page(lang: str, n: int) -> tuple[str, dict[str, Any]]:
    body = ('<article class="post"><h1>Customs seize 2 tonnes of pangolin scales at port</h1>'
            '<p class="byline">By Staff Reporter · <time datetime="2026-05-02">May 2, 2026'
            '</time></p><p>Authorities said the shipment, declared as cashew nuts, was worth '
            'an estimated $1.2 million on the black market. Officials said the scales were '
            'bound for a neighbouring country.</p><p>It is the third seizure this year; in '
            'March, 300 kg were found in a container of frozen fish.</p></article>')
    return page(lang, "Customs seize pangolin scales", body), {"kind": "article",
                                                                "fields": {"price": None}}


# ---------------------------------------------------------------- held-out families

def ho_lazada(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    body = (f'<div class="pdp-block"><div class="pdp-mod-product-badge-wrapper"><h1 '
            f'class="pdp-mod-product-badge-title">{E(title)}</h1></div>'
            f'<div class="pdp-product-price"><span class="notranslate pdp-price '
            f'pdp-price_type_normal pdp-price_color_orange pdp-price_size_xl">{E(pt)}</span>'
            f'<div class="origin-block"><span class="pdp-price pdp-price_type_deleted">'
            f'{E(side_prices(pt)[0])}</span><span class="pdp-product-price__discount">-35%'
            f'</span></div></div><div class="delivery-option-item__shipping-fee">'
            f'{E(side_prices(pt)[1])}</div><div class="seller-name__detail"><a '
            f'class="seller-name__detail-name" href="/shop/{n}">{E(seller)}</a></div>'
            f'<div class="location">{E(LOC_WORD.get(lang, "Location"))}: {E(loc)}</div>'
            f'<div class="html-content detail-content">{E(desc)}</div>'
            f'<button class="add-to-cart-buy-now-btn">{E(CART.get(lang, ""))}</button></div>')
    return page(lang, title, body), gold("listing", it, posted="")


def ho_mercari(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    body = (f'<main><div data-testid="item-detail"><h1 class="heading">{E(title)}</h1>'
            f'<div data-testid="price"><span>{E(pt)}</span><span class="tax">(税込) '
            f'送料込み</span></div><section><h2>商品の説明</h2><pre>{E(desc)}</pre></section>'
            f'<section><h2>商品の情報</h2><div>発送元の地域: {E(loc)}</div>'
            f'<div>出品日時: {E(dt)}</div></section><a href="/user/profile/{n}" '
            f'data-testid="seller-link"><span>{E(seller)}</span></a>'
            f'<button>購入手続きへ</button></div><section class="similar"><h2>'
            f'{E(RELATED.get(lang, ""))}</h2><ul><li><a href="/item/m1">x</a><span '
            f'class="merPrice">{E(side_prices(pt)[0])}</span></li></ul></section></main>')
    return page(lang, title, body), gold("listing", it)


def ho_avito(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    body = (f'<div class="item-view"><h1 class="title-info-title"><span itemprop="name">'
            f'{E(title)}</span></h1><div class="item-price"><span class="js-item-price" '
            f'itemprop="price" content="{price:.0f}">{E(pt)}</span></div>'
            f'<div class="item-address"><span class="item-address__string">{E(loc)}</span></div>'
            f'<div class="item-description-text" itemprop="description"><p>{E(desc)}</p></div>'
            f'<div class="seller-info-name"><a href="/user/{n}/profile">{E(seller)}</a></div>'
            f'<div class="title-info-metadata-item-redesign">{E(dt)}</div></div>')
    return page(lang, title, body), gold("listing", it)


def ho_gumtree(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    body = (f'<div class="vip"><h1 class="css-title" data-q="vip-title">{E(title)}</h1>'
            f'<h3 class="css-price" data-q="ad-price">{E(pt)}</h3><h4 data-q="ad-location">'
            f'{E(loc)}</h4><p data-q="ad-description">{E(desc)}</p><div class="seller-rating">'
            f'<h2 data-q="seller-name">{E(seller)}</h2><span>Posting for 3+ years</span></div>'
            f'<div class="similar-ads"><article class="listing-tile"><div '
            f'class="listing-price">{E(side_prices(pt)[0])}</div></article><article '
            f'class="listing-tile"><div class="listing-price">{E(side_prices(pt)[1])}</div>'
            f'</article></div></div>')
    return page(lang, title, body), gold("listing", it, posted="")


def ho_leboncoin(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    ld = {"@context": "https://schema.org", "@type": "Product", "name": title,
          "offers": {"@type": "Offer", "price": price, "priceCurrency": cur}}
    head = f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>\n'
    body = (f'<div data-qa-id="adview_container"><h1 data-qa-id="adview_title">{E(title)}</h1>'
            f'<div data-qa-id="adview_price"><p>{E(pt)}</p></div><p data-qa-id="adview_date">'
            f'{E(dt)}</p><div data-qa-id="adview_description_container">{E(desc)}</div>'
            f'<div data-qa-id="adview_location_informations">{E(loc)}</div>'
            f'<div data-qa-id="adview_profile"><a href="/profil/{n}">{E(seller)}</a></div>'
            f'<div class="shipping">Envoi: {E(side_prices(pt)[0])}</div></div>')
    return page(lang, title, body, head), gold("listing", it)


def ho_kaidee(it: tuple[Any, ...], n: int) -> tuple[str, dict[str, Any]]:
    lang, title, desc, pt, price, cur, seller, loc, dt, iso = it
    body = (f'<div class="ad-detail"><div class="breadcrumb"><a href="/">Home</a></div>'
            f'<h1>{E(title)}</h1><div class="sc-price"><span>{E(PRICE_WORD.get(lang, ""))}'
            f'</span> <b>{E(pt)}</b></div><ul class="attributes"><li>'
            f'{E(LOC_WORD.get(lang, "Location"))}: {E(loc)}</li><li>'
            f'{E(SELLER_WORD.get(lang, "Seller"))}: {E(seller)}</li></ul><div class="detail">'
            f'{E(desc)}</div><div class="recommend"><div class="item"><span class="price">'
            f'{E(side_prices(pt)[1])}</span></div></div></div>')
    return page(lang, title, body), gold("listing", it, posted="")


def ho_xenforo(its: list[tuple[Any, ...]], n: int) -> tuple[str, dict[str, Any]]:
    lang = its[0][0]
    first = its[0]
    rows = [(first[6], first[9], f"{first[1]} — {first[3]}. WA +62 812 3456 {n:04d}",
             f"+628123456{n:04d}")]
    for j, it in enumerate(its[1:3]):
        rows.append((f"member{j}x{n}", it[9], f"Masih ada gan? WA saya +62 813 9000 {j}{n:03d}",
                     f"+628139000{j}{n:03d}"))
    arts = "".join(
        f'<article class="message message--post" data-author="{E(a)}"><div class="message-cell'
        f' message-cell--user"><h4 class="message-name"><a href="/members/{E(a)}.{k}/" '
        f'class="username">{E(a)}</a></h4></div><div class="message-cell message-cell--main">'
        f'<ul class="message-attribution"><li><time class="u-dt" datetime="{d}T09:00:00+0700">'
        f'{d}</time></li></ul><div class="bbWrapper">{E(t)}</div></div></article>'
        for k, (a, d, t, _p) in enumerate(rows))
    body = (f'<div class="p-body"><h1 class="p-title-value">{E(first[1])}</h1>'
            f'<div class="block-body js-replyNewMessageContainer">{arts}</div></div>')
    posts = [{"author": a, "posted": d, "phone": p} for a, d, _t, p in rows]
    return page(lang, first[1], body), {"kind": "forum", "fields": {}, "posts": posts}


def ho_search(items: list[tuple[Any, ...]], n: int) -> tuple[str, dict[str, Any]]:
    lang = items[0][0]
    rows = "".join(f'<li class="result-row"><a class="result-title" href="/d/{i}.html">'
                   f'{E(it[1])}</a> <span class="result-price">{E(it[3])}</span> <span '
                   f'class="result-hood">({E(it[7])})</span></li>' for i, it in enumerate(items))
    body = (f'<form id="searchform"><input name="query" value="carving"></form>'
            f'<div class="search-legend">{len(items)} results</div><ul class="rows">{rows}</ul>')
    return page(lang, "search results", body), {"kind": "index", "fields": {"price": None}}


def write(split: str, name: str, made: tuple[str, dict[str, Any]], url: str) -> None:
    out = HERE / split
    out.mkdir(exist_ok=True)
    htm, g = made
    g = {"url": url, **g}
    (out / f"{name}.html").write_text(htm, encoding="utf-8")
    (out / f"{name}.json").write_text(json.dumps(g, ensure_ascii=False, indent=1) + "\n",
                                      encoding="utf-8")


def main() -> None:
    fams: list[tuple[str, Callable[[tuple[Any, ...], int], tuple[str, dict[str, Any]]],
                     str]] = [
        ("shop", shop_jsonld, "https://shop{n}.example/products/item-{n}"),
        ("woo", woo_microdata, "https://store{n}.example/product/item-{n}/"),
        ("mkt", marketplace_app, "https://market.example/product-i.{n}.{n}"),
        ("auction", auction, "https://auction.example/itm/{n}"),
        ("cl", classified_cl, "https://city.classifieds.example/for/d/item/{n}.html"),
        ("vnad", classified_vn, "https://rao.example/mua-ban/{n}.htm"),
        ("dead", classified_de, "https://kleinanz.example/s-anzeige/item/{n}"),
        ("inst", instalments, "https://mercado.example/MLB-{n}-item"),
        ("social", og_social, "https://social.example/groups/{n}/posts/{n}"),
        ("onreq", on_request, "https://gallery{n}.example/item/{n}"),
    ]
    for fi, (name, fn, url) in enumerate(fams):
        for k in range(6):
            it = ITEMS[(fi * 3 + k * 7) % len(ITEMS)]
            write("tune", f"{name}-{k}", fn(it, k), url.format(n=k + 10 * fi))
    for k in range(3):
        grid = [ITEMS[(k + j) % len(ITEMS)] for j in range(8)]
        write("tune", f"index-{k}", index_page(grid, k), f"https://shop.example/c/animals?p={k}")
        write("tune", f"profile-{k}", profile_page(ITEMS[k * 5], k),
              f"https://rao.example/user/{k}")
        write("tune", f"forum-{k}", forum_thread([ITEMS[k], ITEMS[k + 3], ITEMS[k + 6]], k),
              f"https://forum.example/viewtopic.php?t={k}")
    for k, lang in enumerate(("en", "vi")):
        write("tune", f"login-{k}", login_page(lang, k), f"https://social.example/login?n={k}")
        write("tune", f"captcha-{k}", captcha_page(lang, k), f"https://mkt.example/p/{k}")
        write("tune", f"error-{k}", error_page(lang, k), f"https://rao.example/mua-ban/x{k}.htm")
        write("tune", f"article-{k}", article_page(lang, k), f"https://news.example/2026/{k}")
    held: list[tuple[str, Callable[[tuple[Any, ...], int], tuple[str, dict[str, Any]]],
                     str]] = [
        ("lazada", ho_lazada, "https://lzd.example/products/i{n}.html"),
        ("mercari", ho_mercari, "https://jp.merc.example/item/m{n}"),
        ("avito", ho_avito, "https://avt.example/sankt-peterburg/item_{n}"),
        ("gumtree", ho_gumtree, "https://gt.example/p/item/{n}"),
        ("lbc", ho_leboncoin, "https://lbc.example/ad/collection/{n}"),
        ("kaidee", ho_kaidee, "https://kd.example/product-{n}"),
    ]
    for fi, (name, fn, url) in enumerate(held):
        for k in range(4):
            it = ITEMS[(fi * 5 + k * 3 + 1) % len(ITEMS)]
            write("heldout", f"{name}-{k}", fn(it, k), url.format(n=k + 10 * fi))
    for k in range(2):
        write("heldout", f"xf-{k}", ho_xenforo([ITEMS[k + 3], ITEMS[k + 8], ITEMS[k + 11]], k),
              f"https://forum.example.id/threads/item.{k}/")
        grid = [ITEMS[(k * 4 + j) % len(ITEMS)] for j in range(10)]
        write("heldout", f"search-{k}", ho_search(grid, k),
              f"https://city.classifieds.example/search/sss?query=x{k}")


if __name__ == "__main__":
    main()
