"""A workspace shaped like a real monitoring export, for the report's scale tests and
bench: many platforms, long unbroken URLs, long descriptions, reasons and flags,
prices in several currencies (one without a bundled rate), a share of undated listings,
and hostile text in a few rows. Deterministic (seeded), and fast enough for 1M rows."""

from __future__ import annotations

import random
from collections.abc import Callable

from wildtrace.records import Assessment, ListingDraft, TaxonMatch
from wildtrace.store import content_key
from wildtrace.workspace import Workspace

PLATFORMS = ("shopmart", "chatz", "forumx", "twitter", "facebook-marketplace", "zalo",
             "weibo", "telegram<b>", "kleinanzeigen", "olx")
TAXA = (("Loxodonta africana", "I", "ivory"), ("Rhinocerotidae", "I", "horn"),
        ("Manis javanica", "I", "scales"), ("Panthera tigris", "I", "bone"),
        ("Psittacus erithacus", "I", "live"), ("Testudinidae", "II", "shell"),
        ("Hippocampus", "II", "dried"), ("Ursus thibetanus", "I", "bile"))
CURRENCIES = ("USD", "EUR", "CNY", "VND", "XXX")
PLACES = ("Hà Nội", "Ho Chi Minh City", "Guangzhou", "Shanghai", "Lagos", "Berlin",
          "Bangkok", "Kinshasa", "")
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>$\\frac{a}{'
REASONS = ("names Loxodonta africana (CITES Appendix I) as 'ivory'",
           "offers to sell: 'for sale', 'DM for price'",
           "covert contact: WhatsApp number in the text",
           "code word 'white gold' for ivory",
           "seller posted on 3 platforms with the same phone",
           "price far below the going rate (possible scam)",
           "antique claim without a certificate")


def _url(rng: random.Random, i: int, platform: str) -> str:
    # Long, unbroken tracking URLs are what made the old report 4,460 px wide.
    track = "".join(rng.choice("abcdef0123456789") for _ in range(120))
    return (f"https://www.{platform.replace('<b>', '')}.example/listing/{i}/"
            f"ivory-bangle-genuine-old-stock-hanoi?utm_source=share&fbclid={track}")


def _posted(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return ""  # undated, as most imported tweets are
    year = rng.choice((2025, 2026, 2026, 2026))
    month = rng.randint(1, 12) if year == 2025 else rng.randint(1, 6)
    return f"{year}-{month:02d}-{rng.randint(1, 28):02d}"


def seed_market(ws: Workspace, n: int, *, seed: int = 15, batch: int = 5000,
                progress: Callable[[int], None] | None = None) -> int:
    """Add ``n`` listings and one assessment each (about 60 % relevant); returns how
    many listings the workspace holds afterwards."""
    rng = random.Random(seed)
    run = ws.store.start_run("assess", "report-seed-1")
    first = ws.store.count_listings()
    for start in range(0, n, batch):
        drafts = []
        specs = []
        for i in range(start, min(n, start + batch)):
            platform = PLATFORMS[i % len(PLATFORMS)]
            taxon = TAXA[rng.randrange(len(TAXA))] if rng.random() < 0.6 else None
            hostile = i % 997 == 0
            title = HOSTILE if hostile else (
                f"{taxon[2] if taxon else 'plush toy'} #{i} genuine old stock" if i % 3 else "")
            desc = (f"{HOSTILE} " if hostile else "") + " ".join(
                rng.choice(("Genuine", "old", "stock", "bangle", "carved", "DM", "WhatsApp",
                            "+84912345678", "ship", "worldwide", "no", "questions"))
                for _ in range(rng.randint(20, 160)))
            drafts.append(ListingDraft(
                source=platform, title=title, description=desc, url=_url(rng, i, platform),
                price=round(rng.lognormvariate(5, 1.2), 2) if rng.random() < 0.8 else None,
                currency=rng.choice(CURRENCIES), seller=f"seller{rng.randrange(n // 4 + 1)}",
                location=rng.choice(PLACES), posted=_posted(rng), language="en",
                origin=f"seed.csv:{i + 2}"))
            specs.append(taxon)
        ws.store.add_listings([(d, content_key(d)) for d in drafts])
        ids = [x for x in range(first + start + 1, first + start + 1 + len(drafts))]
        results = []
        for lid, taxon in zip(ids, specs, strict=True):
            score = rng.random() * 0.5 + (0.5 if taxon else 0.0)
            matches = (TaxonMatch(taxon=taxon[0], rank="species", appendix=taxon[1], start=0,
                                  end=5, matched=taxon[2], rule=f"product:{taxon[2]}",
                                  kind="product"),) if taxon else ()
            results.append((lid, Assessment(
                relevant=taxon is not None, score=round(score, 4),
                taxa=(taxon[0],) if taxon else (), cites=taxon[1] if taxon else "",
                flags=("code_word", "covert") if taxon else (),
                reasons=tuple(rng.sample(REASONS, 6)) if taxon else (),
                model="rules", model_version="report-seed-1", matches=matches)))
        ws.store.save_assessments(run, results)
        if progress:
            progress(start + len(drafts))
    ws.store.finish_run(run)
    return ws.store.count_listings()
