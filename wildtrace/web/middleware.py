"""ASGI middleware for what every request goes through: who the client really is
(``X-Forwarded-For`` believed only from the proxies named in ``trusted_proxies``) and
how large a body it may send (counted as the bytes stream in, refused with 413 before
the rest is read).

Both run in the application itself rather than in uvicorn, so the rules hold the same
under any ASGI server and in the in-process tests; ``wildtrace serve`` starts uvicorn
with its own proxy-header handling off.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(items: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR networks (``10.0.0.5``, ``10.0.0.0/8``, ``::1``) as networks."""
    return tuple(ipaddress.ip_network(i.strip(), strict=False) for i in items if i.strip())


def _trusted(host: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host.strip().strip("[]"))
    except ValueError:
        return False
    return any(address in n for n in networks)


def forwarded_client(peer: str, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """The client's address: the connecting ``peer`` unless it is a trusted proxy, in
    which case the nearest address of ``X-Forwarded-For`` that is not itself a trusted
    proxy (read from the right: what lies further left the client wrote itself)."""
    if not networks or not forwarded_for or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop[:100]
    return hops[0][:100] if hops else peer


class ClientAddress:
    """Set the request's client address (and https scheme) from a trusted proxy's
    ``X-Forwarded-For`` / ``X-Forwarded-Proto``; from anyone else they are ignored."""

    def __init__(self, app: ASGIApp, trusted: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.trusted:
            await self.app(scope, receive, send)
            return
        client = scope.get("client") or ("", 0)
        peer = str(client[0])
        if _trusted(peer, self.trusted):
            headers: dict[str, str] = {}
            for key, value in scope.get("headers", []):
                name = key.decode("latin-1").lower()
                if name in ("x-forwarded-for", "x-forwarded-proto"):
                    # Repeated headers are one list, in order (RFC 9110 5.3).
                    text = value.decode("latin-1")
                    headers[name] = f"{headers[name]},{text}" if name in headers else text
            scope = dict(scope)
            scope["client"] = (forwarded_client(peer, headers.get("x-forwarded-for", ""),
                                                self.trusted), 0)
            proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                scope["scheme"] = proto
        await self.app(scope, receive, send)


class BodyTooLarge(HTTPException):
    """A request body went over its route's cap (answered 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class BodyLimits:
    """Body caps in bytes: ``public`` for the routes anyone may post to, ``upload`` for
    the public tip form (which carries a screenshot), ``default`` for the rest."""

    default: int
    public: int
    upload: int
    public_paths: frozenset[str] = frozenset({"/login", "/api/tips"})
    upload_paths: frozenset[str] = frozenset({"/tips/new"})

    def for_path(self, path: str) -> int:
        """The cap of a route."""
        if path in self.public_paths:
            return self.public
        if path in self.upload_paths:
            return self.upload
        return self.default


class BodyLimit:
    """Refuse bodies over their route's cap: at once when ``Content-Length`` says so,
    else as soon as the streamed bytes pass it (the rest is never read)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_path(scope["path"])
        for key, value in scope.get("headers", []):
            if key.lower() == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _refuse(send, 400, "bad_request", "Content-Length is not a number")
                    return
                if declared > limit:
                    await _refuse(send, 413, "too_large", BodyTooLarge(limit).detail)
                    return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as exc:
            # Routes that read the body themselves let it through; the routes' handler
            # answers it in the error shape for the rest.
            if started:
                raise
            await _refuse(send, 413, "too_large", exc.detail)


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    hint = ("the caps are the settings max_request_bytes and max_public_request_bytes"
            if status == 413 else "")
    body = json.dumps({"error": {"status": status, "code": code, "message": message,
                                 "hint": hint}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
