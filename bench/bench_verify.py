"""How long ``evidence verify`` takes on a workspace of N captured listing pages.

    .venv/bin/python bench/bench_verify.py --n 5000 [--workspace DIR]

Stores N pages as a crawl would (WARC records, body and robots blobs, capture records,
custody entries, one listing each, a screenshot on every tenth), then times
``verify`` and prints the counts it checked and its peak memory growth.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from wildtrace.app.pages import evidence_session, page_processor
from wildtrace.preserve.verify import verify
from wildtrace.records import Exchange, Page
from wildtrace.workspace import open_workspace

T0 = "2026-11-01T10:00:00.000000Z"


def page_html(i: int) -> bytes:
    """A product page with a schema.org offer, so each page makes a listing."""
    offer = {"@context": "https://schema.org", "@type": "Product",
             "name": f"Carved ivory bangle {i}", "description": f"Old ivory bangle {i}",
             "offers": {"@type": "Offer", "price": f"{100 + i}.00", "priceCurrency": "USD"}}
    return (f"<html><head><title>Bangle {i}</title><script type=\"application/ld+json\">"
            f"{json.dumps(offer)}</script></head><body><h1>Bangle {i}</h1>"
            f"<p>{'lorem ipsum ' * 200}</p></body></html>").encode()


def fill(root: Path, n: int, group: int = 100) -> None:
    """Store ``n`` pages in groups of ``group``, as the crawler's page worker does."""
    ws = open_workspace(root, overrides={"embeddings": "off"})
    session = evidence_session(ws, durable=False, purpose="bench verify")
    processor = page_processor(ws, session, lambda text: 0.9, None)
    processor.remember = True
    for start in range(0, n, group):
        pages = []
        for i in range(start, min(n, start + group)):
            url = f"http://shop.test/item/{i}"
            body = page_html(i)
            rid = session.recorder.record(Exchange(
                url=url, method="GET", request_headers=(("Host", "shop.test"),),
                status=200, reason="OK", protocol="HTTP/1.1",
                response_headers=(("Content-Type", "text/html"),), body=body,
                server_ip="127.0.0.1", started=T0, ended=T0))
            pages.append(Page(requested_url=url, url=url, redirects=(), status=200,
                              headers=(("Content-Type", "text/html"),), body=body,
                              media_type="text/html", server_ip="127.0.0.1", started=T0,
                              ended=T0, user_agent="bench",
                              robots_url="http://shop.test/robots.txt",
                              robots_body=b"User-agent: *\n", exchanges=(rid,)))
        processor.many(pages)
    for i, cid in enumerate(sorted(processor.captures.values())):
        if i % 10 == 0:
            session.preserver.add_artefact(cid, "screenshot", b"\x89PNG bench %d" % i,
                                           "image/png")
    session.close()
    ws.close()


def main() -> None:
    """Fill a workspace (unless it exists) and time one verification."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--workspace", type=Path)
    args = ap.parse_args()
    root = args.workspace or Path(tempfile.mkdtemp()) / "ws"
    if not (root / "wildtrace.db").exists():
        t = time.perf_counter()
        fill(root, args.n)
        print(f"filled {args.n} captures in {time.perf_counter() - t:.1f} s ({root})")
    ws = open_workspace(root)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    report = verify(ws)
    took = time.perf_counter() - t
    grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    ws.close()
    print(f"verify: {took:.2f} s, ok={report['ok']}, peak RSS +{grew:.0f} MB")
    print(json.dumps(report["checked"]))


if __name__ == "__main__":
    main()
