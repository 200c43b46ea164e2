"""The database: engine setup, migrations, and the queries every stage shares.

SQLite (WAL mode) is the embedded default; the same code and migrations run on
PostgreSQL when ``database_url`` names one. Stages read and write records through
:class:`Store`; nothing outside this module and ``*/tables.py`` writes SQL.
"""

from __future__ import annotations

import functools
import json
import os
import socket
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from wildtrace.errors import WorkspaceError
from wildtrace.records import (
    Assessment,
    Identifier,
    Listing,
    ListingDraft,
    RowError,
    TaxonMatch,
)
from wildtrace.store import tables as t
from wildtrace.store.evidence import EvidenceStore
from wildtrace.store.link import LinkStore
from wildtrace.store.market import MarketStore
from wildtrace.store.tables.valuechain import listing_positions

if TYPE_CHECKING:  # area stores that import this module (imported in their properties)
    from wildtrace.store.accounts import AccountStore
    from wildtrace.store.audit import AuditStore
    from wildtrace.store.backup import DatabaseBackup
    from wildtrace.store.blob_chunks import DatabaseBlobStore
    from wildtrace.store.blob_index import BlobIndex
    from wildtrace.store.browse import BrowseStore
    from wildtrace.store.cases import CaseStore
    from wildtrace.store.frontier import FrontierStore
    from wildtrace.store.intel import IntelStore
    from wildtrace.store.limits import LimitStore
    from wildtrace.store.pages import PageStore
    from wildtrace.store.photos import PhotoStore
    from wildtrace.store.report import ReportStore
    from wildtrace.store.review import ReviewStore
    from wildtrace.store.revisits import RevisitStore
    from wildtrace.store.sessions import SessionStore
    from wildtrace.store.timestamps import TimestampStore
    from wildtrace.store.tips import TipStore
    from wildtrace.store.valuechain import ValueChainStore
    from wildtrace.store.venues import VenueStore

# The database or its connection failing (not a bad row): callers that must tell the two
# apart (the crawler stops and resumes rather than failing pages) catch these.
STORE_ERRORS: tuple[type[BaseException], ...] = (sa.exc.OperationalError,
                                                sa.exc.InterfaceError)

MIGRATIONS = Path(__file__).parent.parent / "migrations"


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _process_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this host (a pid reused since only keeps a dead
    run unmarked a while longer, never marks a live one)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but belongs to someone else, or cannot be asked
    return True


def _masked(url: str) -> str:
    """``url`` with any password replaced by ``***`` (error messages end up in logs)."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        return url.split("@")[-1] if "@" in url else url


def make_engine(url: str, pool_size: int | None = None) -> Engine:
    """An engine for ``url``, with SQLite tuned for WAL and concurrent readers; a server
    database keeps ``pool_size`` connections open (the ``db_pool_size`` setting)."""
    # Fewer pooled connections than requests at once means a new server connection
    # (a PostgreSQL backend process) opened and closed for each request over the pool.
    pool = ({"pool_size": pool_size, "max_overflow": pool_size // 2}
            if pool_size and not url.startswith("sqlite") else {})
    try:
        engine = sa.create_engine(url, future=True, **pool)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise WorkspaceError(f"cannot use database URL {_masked(url)!r}: "
                             f"{str(exc).replace(url, _masked(url))}") from exc
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(connection: Connection) -> Config:
    """An Alembic config bound to ``connection``, pointing at the packaged migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema up to date (all heads), doing nothing when it already is."""
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                # Machines starting together on a new database migrate one at a time
                # (the others then find the schema current); released at commit.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(8604529442133549412)"))
            cfg = alembic_config(conn)
            heads = set(ScriptDirectory.from_config(cfg).get_heads())
            current = set(MigrationContext.configure(conn).get_current_heads())
            if current != heads:
                command.upgrade(cfg, "heads")
    except sa.exc.OperationalError as exc:
        raise WorkspaceError(f"cannot open or migrate the database: {exc.orig}",
                             hint="check database_url and that the server is running") from exc


def content_key(draft: ListingDraft, raw: dict[str, Any] | None = None) -> str:
    """SHA-256 identifying a listing's content, so re-imports add nothing."""
    import hashlib

    basis = raw if raw is not None else {
        "title": draft.title, "description": draft.description, "url": draft.url,
        "price": draft.price, "currency": draft.currency, "seller": draft.seller,
        "location": draft.location, "posted": draft.posted,
        "capture": draft.capture_sha256,
    }
    blob = json.dumps(basis, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def _row_to_listing(row: sa.Row[Any]) -> Listing:
    m = row._mapping
    return Listing(
        id=m["id"], source=m["source"], title=m["title"], description=m["description"],
        url=m["url"], price=m["price"], currency=m["currency"], seller=m["seller"],
        location=m["location"], posted=m["posted"], language=m["language"],
        origin=m["origin"], capture_sha256=m["capture_sha256"],
        content_sha256=m["content_sha256"], extra=json.loads(m["extra"] or "{}"),
        identifiers=tuple(Identifier(i["kind"], i["value"])
                          for i in json.loads(m["identifiers"] or "[]")),
    )


class _OneConnection:
    """Stands in for the engine in :meth:`Store.reading`: every ``connect()`` block gets
    the same open connection (and its one transaction) and leaves it open; writing is
    refused."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.dialect = conn.dialect
        self.url = conn.engine.url

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        yield self._conn

    def begin(self) -> Any:
        raise WorkspaceError("Store.reading() is read-only: write through the store itself")


class Store:
    """Access to one workspace's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, pool_size: int | None = None) -> Store:
        """Open (creating and migrating as needed) the database at ``url``."""
        engine = make_engine(url, pool_size)
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    @property
    def dialect(self) -> str:
        """The database's dialect name (``sqlite``, ``postgresql``)."""
        return str(self.engine.dialect.name)

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """A read-only unit of work: a store whose area stores all read on one pooled
        connection, in one transaction, until the block ends (then rolled back).

        A page that asks a dozen small questions would otherwise take a connection from
        the pool for each, with a BEGIN and a ROLLBACK round trip around it; under many
        concurrent clients on a database server those round trips cost more than the
        queries. Writes through it raise :class:`WorkspaceError`.
        """
        with self.engine.connect() as conn:
            # The area stores only call connect() and read dialect and url of it.
            yield Store(cast(Engine, _OneConnection(conn)))

    # -- area stores ----------------------------------------------------------------
    # Each area of the schema has a store module of its own (``wildtrace/store/<area>.py``)
    # whose class takes the engine; it is reached as ``store.<area>``.
    # area: collect (frontier, venues)
    @functools.cached_property
    def frontier(self) -> FrontierStore:
        """The crawl frontier: every URL seen, its state and priority."""
        from wildtrace.store.frontier import FrontierStore

        return FrontierStore(self.engine)

    @functools.cached_property
    def venues(self) -> VenueStore:
        """The venue book: every domain met while crawling."""
        from wildtrace.store.venues import VenueStore

        return VenueStore(self.engine)

    @functools.cached_property
    def sessions(self) -> SessionStore:
        """Logged-in collection: each site's sealed session and whether it is paused."""
        from wildtrace.store.sessions import SessionStore

        return SessionStore(self.engine)

    @functools.cached_property
    def revisits(self) -> RevisitStore:
        """Revisits of known adverts: gone, changed or still up, and when."""
        from wildtrace.store.revisits import RevisitStore

        return RevisitStore(self.engine)

    @functools.cached_property
    def pages(self) -> PageStore:
        """Page kinds of captured pages, and seller profiles read from profile pages."""
        from wildtrace.store.pages import PageStore

        return PageStore(self.engine)

    @functools.cached_property
    def valuechain(self) -> ValueChainStore:
        """Each listing's value-chain position (product form, seller role)."""
        from wildtrace.store.valuechain import ValueChainStore

        return ValueChainStore(self.engine)

    # area: preserve (captures, artefacts, custody, WARC files)
    @functools.cached_property
    def evidence(self) -> EvidenceStore:
        """Captures, their artefacts, the custody log and the WARC files."""
        return EvidenceStore(self.engine)

    @functools.cached_property
    def timestamps(self) -> TimestampStore:
        """RFC 3161 timestamp tokens over the custody head."""
        from wildtrace.store.timestamps import TimestampStore

        return TimestampStore(self.engine)

    # area: link
    @functools.cached_property
    def link(self) -> LinkStore:
        """Link runs: the seller of every listing and the evidence linking listings."""
        return LinkStore(self.engine)

    # area: measure
    @functools.cached_property
    def market(self) -> MarketStore:
        """What the market measures and the dashboard figures read of listings."""
        return MarketStore(self.engine)

    # area: act (audit, cases, review, tips)
    # (imported inside each property: those modules import this one)
    @functools.cached_property
    def report(self) -> ReportStore:
        """Counts and top flagged rows for ``wildtrace report``, aggregated in SQL."""
        from wildtrace.store.report import ReportStore

        return ReportStore(self.engine)

    @functools.cached_property
    def audit(self) -> AuditStore:
        """The audit log (append-only)."""
        from wildtrace.store.audit import AuditStore

        return AuditStore(self.engine)

    @functools.cached_property
    def blob_index(self) -> BlobIndex:
        """Size and media type of each evidence blob."""
        from wildtrace.store.blob_index import BlobIndex

        return BlobIndex(self.engine)

    @functools.cached_property
    def blob_chunks(self) -> DatabaseBlobStore:
        """Evidence blobs kept in the database itself (setting blob_store = postgres)."""
        from wildtrace.store.blob_chunks import DatabaseBlobStore

        return DatabaseBlobStore(self.engine)

    @functools.cached_property
    def cases(self) -> CaseStore:
        """Cases, their items, and the listings a case gathers."""
        from wildtrace.store.cases import CaseStore

        return CaseStore(self.engine)

    @functools.cached_property
    def browse(self) -> BrowseStore:
        """Every listing filtered, searched, sorted and counted; saved views."""
        from wildtrace.store.browse import BrowseStore

        return BrowseStore(self.engine)

    @functools.cached_property
    def review(self) -> ReviewStore:
        """The review queue and each listing's assessments, matches and labels."""
        from wildtrace.store.review import ReviewStore

        return ReviewStore(self.engine)

    @functools.cached_property
    def photos(self) -> PhotoStore:
        """Listing photos kept as evidence, and the text and hints read from them."""
        from wildtrace.store.photos import PhotoStore

        return PhotoStore(self.engine)

    @functools.cached_property
    def intel(self) -> IntelStore:
        """Term decisions, alert subscriptions and deliveries, watch-run history."""
        from wildtrace.store.intel import IntelStore

        return IntelStore(self.engine)

    @functools.cached_property
    def tips(self) -> TipStore:
        """Citizen tips and their captures."""
        from wildtrace.store.tips import TipStore

        return TipStore(self.engine)

    # area: web (accounts, sessions, tokens)
    @functools.cached_property
    def accounts(self) -> AccountStore:
        """Web users, sessions and API tokens."""
        from wildtrace.store.accounts import AccountStore

        return AccountStore(self.engine)

    @functools.cached_property
    def limits(self) -> LimitStore:
        """Rate limits and login lockouts shared by several app servers."""
        from wildtrace.store.limits import LimitStore

        return LimitStore(self.engine)

    # area: workspace backups (consistent dumps of this database)
    @functools.cached_property
    def backup(self) -> DatabaseBackup:
        """Consistent dumps of the database, for ``wildtrace workspace backup``."""
        from wildtrace.store.backup import DatabaseBackup

        return DatabaseBackup(self.engine)

    # -- runs -------------------------------------------------------------------------
    def start_run(self, stage: str, version: str, detail: dict[str, Any] | None = None) -> int:
        """Record the start of a stage run (with the pid and host running it, so a run
        killed midway can be told later: :meth:`mark_interrupted_runs`); returns its id."""
        owner = {"pid": os.getpid(), "host": socket.gethostname()}
        with self.engine.begin() as conn:
            res = conn.execute(t.runs.insert().values(
                stage=stage, version=version, started_at=utcnow(),
                detail=json.dumps({**(detail or {}), **owner})))
            key = res.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_run(self, run_id: int, detail: dict[str, Any] | None = None) -> None:
        """Mark a run finished, merging ``detail`` into what it recorded."""
        with self.engine.begin() as conn:
            old = conn.execute(sa.select(t.runs.c.detail).where(t.runs.c.id == run_id)).scalar()
            merged = {**json.loads(old or "{}"), **(detail or {})}
            conn.execute(t.runs.update().where(t.runs.c.id == run_id).values(
                finished_at=utcnow(), detail=json.dumps(merged)))

    def mark_interrupted_runs(self) -> list[int]:
        """Mark as interrupted every unfinished run started on this host by a process
        that no longer runs (killed, crashed, power cut), and record it as an error so
        ``wildtrace errors`` shows it; returns their ids. What such a run stored before it
        stopped is kept. Runs of other hosts (a shared PostgreSQL) are left alone."""
        host = socket.gethostname()
        q = sa.select(t.runs.c.id, t.runs.c.stage, t.runs.c.detail).where(
            t.runs.c.finished_at.is_(None))
        with self.engine.begin() as conn:
            marked = []
            for run_id, stage, raw in conn.execute(q).all():
                detail = json.loads(raw or "{}")
                pid = detail.get("pid")
                if detail.get("interrupted") or detail.get("host") != host or \
                        not isinstance(pid, int) or _process_alive(pid):
                    continue
                detail.update(interrupted=True, interrupted_noticed_at=utcnow().isoformat())
                conn.execute(t.runs.update().where(t.runs.c.id == run_id).values(
                    detail=json.dumps(detail)))
                conn.execute(t.input_errors.insert().values(
                    run_id=run_id, file=f"run {run_id} ({stage})", row=None,
                    reason=f"interrupted: process {pid} on {host} stopped before the run "
                           "finished; what it stored before is kept, run it again"))
                marked.append(run_id)
        return marked

    def record_errors(self, run_id: int, errors: Iterable[RowError]) -> None:
        """Keep bad rows, pages or files with their reasons so users can see them."""
        rows = [{"run_id": run_id, "file": e.file, "row": e.row, "reason": e.reason}
                for e in errors]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(t.input_errors.insert(), rows)

    def errors(self, limit: int = 1000) -> list[RowError]:
        """The most recent recorded errors."""
        q = sa.select(t.input_errors).order_by(t.input_errors.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [RowError(r.file, r.row, r.reason) for r in conn.execute(q)]

    # -- listings ---------------------------------------------------------------------
    def add_listings(self, drafts: Sequence[tuple[ListingDraft, str]]) -> tuple[int, int]:
        """Insert listings keyed by content hash; returns (inserted, duplicates).

        Everything happens in one transaction so a failure leaves the store as it was.
        """
        if not drafts:
            return 0, 0
        keys = [k for _, k in drafts]
        now = utcnow()
        with self.engine.begin() as conn:
            existing: set[str] = set()
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                existing.update(conn.execute(sa.select(t.listings.c.content_sha256).where(
                    t.listings.c.content_sha256.in_(chunk))).scalars())
            rows = []
            seen: set[str] = set()
            for draft, key in drafts:
                if key in existing or key in seen:
                    continue
                seen.add(key)
                rows.append({
                    "content_sha256": key, "source": draft.source, "url": draft.url,
                    "title": draft.title, "description": draft.description,
                    "price": draft.price, "currency": draft.currency, "seller": draft.seller,
                    "location": draft.location, "posted": draft.posted,
                    "language": draft.language, "origin": draft.origin,
                    "capture_sha256": draft.capture_sha256,
                    "extra": json.dumps(draft.extra, ensure_ascii=False, default=str),
                    "identifiers": json.dumps([{"kind": i.kind, "value": i.value}
                                               for i in draft.identifiers]),
                    "created_at": now,
                })
            if rows:
                conn.execute(t.listings.insert(), rows)
        return len(rows), len(drafts) - len(rows)

    def set_identifiers(self, found: Sequence[tuple[int, Sequence[Identifier]]]) -> None:
        """Store the contact identifiers extracted from listings that had none."""
        with self.engine.begin() as conn:
            for listing_id, idents in found:
                conn.execute(t.listings.update().where(t.listings.c.id == listing_id).values(
                    identifiers=json.dumps([{"kind": i.kind, "value": i.value}
                                            for i in idents], ensure_ascii=False)))

    def count_listings(self) -> int:
        """How many listings the workspace holds."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(t.listings)).scalar()
                       or 0)

    def listing(self, listing_id: int) -> Listing | None:
        """One listing by id, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.listings).where(t.listings.c.id == listing_id)).first()
        return _row_to_listing(row) if row else None

    def listings_by_id(self, ids: Iterable[int]) -> list[Listing]:
        """The listings of ``ids`` that exist, in id order."""
        wanted = sorted(set(ids))
        found: list[Listing] = []
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), 500):
                q = (sa.select(t.listings).where(t.listings.c.id.in_(wanted[i:i + 500]))
                     .order_by(t.listings.c.id))
                found.extend(_row_to_listing(r) for r in conn.execute(q))
        return found

    def iter_listings(self, *, unassessed_by: str | None = None, batch: int = 1000,
                      first: int = 1, last_id: int | None = None) -> Iterator[Listing]:
        """All listings in id order; with ``unassessed_by``, only those that model
        version has not assessed yet; with ``first``/``last_id``, only ids in that range."""
        last = first - 1
        while True:
            q = sa.select(t.listings).where(t.listings.c.id > last)
            if last_id is not None:
                q = q.where(t.listings.c.id <= last_id)
            if unassessed_by is not None:
                done = sa.select(t.assessments.c.listing_id).where(
                    t.assessments.c.model_version == unassessed_by)
                q = q.where(t.listings.c.id.not_in(done))
            q = q.order_by(t.listings.c.id).limit(batch)
            with self.engine.connect() as conn:
                rows = conn.execute(q).all()
            if not rows:
                return
            for row in rows:
                yield _row_to_listing(row)
            last = rows[-1].id

    def unassessed_ranges(self, version: str, size: int) -> list[tuple[int, int, int]]:
        """The listings ``version`` has not assessed, cut in id order into batches of
        ``size``: one ``(first_id, last_id, count)`` per batch (what distributed workers
        read by range, the same batches a single-process run reads)."""
        done = sa.select(t.assessments.c.listing_id).where(
            t.assessments.c.model_version == version)
        q = (sa.select(t.listings.c.id).where(t.listings.c.id.not_in(done))
             .order_by(t.listings.c.id))
        with self.engine.connect() as conn:
            ids = [int(r[0]) for r in conn.execute(q)]
        return [(ids[i], ids[min(i + size, len(ids)) - 1], min(size, len(ids) - i))
                for i in range(0, len(ids), size)]

    def search(self, query: str, limit: int = 50) -> list[int]:
        """Listing ids whose title or description match ``query`` (full-text)."""
        # Control characters (a NUL ends an FTS5 string early) are no part of a word.
        cleaned = "".join(" " if c == '"' or (ord(c) < 32 or 127 <= ord(c) < 160) else c
                          for c in query)
        words = [w for w in cleaned.split() if w]
        if not words:
            return []
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "sqlite":
                fts = " ".join('"' + w + '"' for w in words)
                rows = conn.execute(sa.text(
                    "SELECT rowid FROM listings_fts WHERE listings_fts MATCH :q "
                    "ORDER BY rank LIMIT :n"), {"q": fts, "n": limit})
            else:
                rows = conn.execute(sa.text(
                    "SELECT id FROM listings WHERE search @@ plainto_tsquery('simple', :q) "
                    "ORDER BY id LIMIT :n"), {"q": " ".join(words), "n": limit})
            return [int(r[0]) for r in rows]

    # -- identify & assess ------------------------------------------------------------
    def save_assessments(self, run_id: int,
                         results: Sequence[tuple[int, Assessment]]) -> None:
        """Store assessments and their matches for a run (a new version, never an
        overwrite)."""
        now = utcnow()
        a_rows: list[dict[str, Any]] = []
        m_rows: list[dict[str, Any]] = []
        for listing_id, a in results:
            a_rows.append({
                "listing_id": listing_id, "run_id": run_id, "model": a.model,
                "model_version": a.model_version, "relevant": a.relevant, "score": a.score,
                "risk": a.risk,
                "taxa": ";".join(a.taxa), "cites": a.cites, "flags": ";".join(a.flags),
                "reasons": json.dumps(list(a.reasons), ensure_ascii=False), "created_at": now,
            })
            m_rows.extend(_match_row(listing_id, run_id, m) for m in a.matches)
        with self.engine.begin() as conn:
            if a_rows:
                conn.execute(t.assessments.insert(), a_rows)
            if m_rows:
                conn.execute(t.taxon_matches.insert(), m_rows)

    def latest_assessments(self, *, relevant_only: bool = False,
                           limit: int | None = None) -> list[dict[str, Any]]:
        """The newest assessment of each listing joined with the listing, best first."""
        latest = (sa.select(sa.func.max(t.assessments.c.id).label("aid"))
                  .group_by(t.assessments.c.listing_id).subquery())
        q = (sa.select(t.listings, t.assessments.c.score, t.assessments.c.risk,
                       t.assessments.c.relevant,
                       t.assessments.c.taxa, t.assessments.c.cites, t.assessments.c.flags,
                       t.assessments.c.reasons, t.assessments.c.model_version)
             .join(t.assessments, t.assessments.c.listing_id == t.listings.c.id)
             .join(latest, latest.c.aid == t.assessments.c.id)
             .order_by(t.assessments.c.score.desc(), t.listings.c.id))
        if relevant_only:
            q = q.where(t.assessments.c.relevant.is_(True))
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def iter_listings_with_assessment(self, batch: int = 2000) -> Iterator[dict[str, Any]]:
        """Every listing (id order) with its newest assessment, or None fields if unassessed."""
        latest = (sa.select(t.assessments.c.listing_id,
                            sa.func.max(t.assessments.c.id).label("aid"))
                  .group_by(t.assessments.c.listing_id).subquery())
        a = t.assessments
        vc = listing_positions
        last = 0
        while True:
            q = (sa.select(t.listings, a.c.score, a.c.risk, a.c.relevant, a.c.taxa, a.c.cites,
                           a.c.flags, a.c.reasons, a.c.model_version, vc.c.product_form,
                           vc.c.seller_role)
                 .select_from(t.listings
                              .outerjoin(latest, latest.c.listing_id == t.listings.c.id)
                              .outerjoin(a, a.c.id == latest.c.aid)
                              .outerjoin(vc, vc.c.listing_id == t.listings.c.id))
                 .where(t.listings.c.id > last).order_by(t.listings.c.id).limit(batch))
            with self.engine.connect() as conn:
                rows = [dict(r._mapping) for r in conn.execute(q)]
            if not rows:
                return
            yield from rows
            last = int(rows[-1]["id"])

    def labelled(self) -> list[tuple[Listing, int]]:
        """Listings with the latest confirm (1) or reject (0) label given by analysts."""
        latest = (sa.select(sa.func.max(t.labels.c.id).label("lid"))
                  .group_by(t.labels.c.listing_id).subquery())
        q = (sa.select(t.listings, t.labels.c.label)
             .join(t.labels, t.labels.c.listing_id == t.listings.c.id)
             .join(latest, latest.c.lid == t.labels.c.id)
             .where(t.labels.c.label.in_((0, 1))))
        with self.engine.connect() as conn:
            return [(_row_to_listing(r), int(r.label)) for r in conn.execute(q)]

    def add_label(self, listing_id: int, label: int, user: str, note: str = "") -> None:
        """Record an analyst's label (1 relevant, 0 not, -1 unsure)."""
        with self.engine.begin() as conn:
            conn.execute(t.labels.insert().values(listing_id=listing_id, label=label, user=user,
                                                  note=note, created_at=utcnow()))


def _match_row(listing_id: int, run_id: int, m: TaxonMatch) -> dict[str, Any]:
    return {"listing_id": listing_id, "run_id": run_id, "taxon": m.taxon, "rank": m.rank,
            "appendix": m.appendix, "start": m.start, "end": m.end, "matched": m.matched[:500],
            "rule": m.rule, "kind": m.kind}
