"""Tap every HTTP transaction as it comes off the wire, for the evidence record.

:class:`ExchangeMiddleware` sits closest to the network in Scrapy's downloader chain, so
it sees each response before redirects are followed or content-encoding is removed:
exactly what the server sent. It turns each into an :class:`~wildtrace.records.Exchange`
and hands it to the sink the runner gave the spider (the preserve stage's WARC writer),
keeping the returned record ids in the request's meta so the page's capture can name
every record behind it, redirect hops included.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response

from wildtrace.records import Exchange

Sink = Callable[[Exchange], str]


def iso(dt: datetime) -> str:
    """UTC ISO 8601 with microseconds and a Z."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _pairs(headers: object) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for name, values in headers.items():  # type: ignore[attr-defined]
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for v in values:
            out.append((key, v.decode("latin-1") if isinstance(v, bytes) else str(v)))
    return tuple(out)


def exchange_of(request: Request, response: Response) -> Exchange:
    """The :class:`Exchange` for a request and its raw response."""
    ended = datetime.now(UTC)
    latency = float(request.meta.get("download_latency", 0.0) or 0.0)
    started = ended - timedelta(seconds=latency)
    req_headers = list(_pairs(request.headers))
    host = request.url.split("/")[2] if "://" in request.url else ""
    if host and not any(k.lower() == "host" for k, _ in req_headers):
        req_headers.insert(0, ("Host", host))
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return Exchange(
        url=request.url, method=request.method, request_headers=tuple(req_headers),
        status=response.status, reason=reason, protocol=response.protocol or "HTTP/1.1",
        response_headers=_pairs(response.headers), body=response.body,
        server_ip=str(response.ip_address or ""), started=iso(started), ended=iso(ended))


class ExchangeMiddleware:
    """Downloader middleware passing every raw exchange to ``spider.sink``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExchangeMiddleware:
        """Scrapy's constructor hook."""
        return cls(crawler)

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Response:
        """Record the exchange and remember its record id on the request."""
        sink: Sink | None = getattr(self.crawler.spider, "sink", None)
        if sink is None:
            return response
        exchange = exchange_of(request, response)
        record_id = sink(exchange)
        # The file this record went into, read now: a later rollover must not make the
        # capture name a newer file (records are written on this thread only).
        recorder = getattr(sink, "__self__", None)
        request.meta["wt_warc_file"] = str(getattr(recorder, "name", "") or "")
        request.meta["wt_exchanges"] = [*request.meta.get("wt_exchanges", ()), record_id]
        request.meta.setdefault("wt_started", exchange.started)
        request.meta["wt_ended"] = exchange.ended
        request.meta["wt_server_ip"] = exchange.server_ip
        return response
