"""Seed a PostgreSQL workspace of N listings for the concurrent web bench, with COPY.

The same synthetic rows as ``bench_web.build`` (20 platforms, 8 languages, 36 months,
one assessment per listing plus a newer second one for every tenth, a label for every
hundredth), written with PostgreSQL's COPY so a million listings take minutes, not an
hour of INSERTs. The schema comes from wildtrace's own migrations: ``open_workspace``
run by the Python on ``PYTHONPATH`` (so a seed for an older tree has that tree's schema).

The seeded database is kept as a template: each bench run copies it (``CREATE DATABASE
... TEMPLATE``), so before and after runs start from the same rows.
"""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
PLATFORMS = [f"market{i}" for i in range(20)]
LANGS = ["en", "zh", "vi", "fr", "es", "th", "id", "pt"]
TAXA = [("Loxodonta africana", "I"), ("Manis javanica", "I"), ("Panthera tigris", "I"),
        ("Psittacus erithacus", "I"), ("Testudo graeca", "II"), ("Python regius", "II"),
        ("Hippocampus kuda", "II"), ("", "")]
PLACES = ["Hà Nội", "Lagos, NG", "广州 Guangdong", "Bangkok", "Paris, France", "Nairobi",
          "Jakarta", "Manila", "", "somewhere"]
BATCH = 50_000


def admin_execute(sql: str) -> None:
    """Run one statement on the maintenance database, outside a transaction."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def database_rows(name: str) -> int:
    """Listings in database ``name``; -1 when it does not exist or has no schema."""
    import psycopg

    try:
        with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={name}") as c:
            row = c.execute("SELECT count(*) FROM listings").fetchone()
    except psycopg.Error:
        return -1
    return int(row[0]) if row else -1


def _migrate(url: str, src: Path | None, folder: Path) -> None:
    """Create the schema and the bench user through wildtrace (of ``src``, if given)."""
    code = ("import sys; from pathlib import Path; from wildtrace.workspace import "
            "open_workspace; from wildtrace.app.accounts import Accounts; "
            "ws = open_workspace(Path(sys.argv[1]), overrides={'database_url': sys.argv[2]});"
            " Accounts(ws.store).add_user('bench', 'admin', 'bench-password'); ws.close()")
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    subprocess.run([sys.executable, "-c", code, str(folder), url], check=True, env=env)


def _rows(n: int, seed: int) -> Iterator[tuple[list[tuple[object, ...]], ...]]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    for start in range(1, n + 1, BATCH):
        listing: list[tuple[object, ...]] = []
        assess: list[tuple[object, ...]] = []
        label: list[tuple[object, ...]] = []
        for i in range(start, min(start + BATCH, n + 1)):
            taxon, cites = TAXA[rng.randrange(len(TAXA))]
            lang = LANGS[rng.randrange(len(LANGS))]
            plat = PLATFORMS[rng.randrange(len(PLATFORMS))]
            month = rng.randrange(36)
            posted = f"{2022 + month // 12}-{month % 12 + 1:02d}-{rng.randrange(1, 28):02d}"
            title = f"{taxon or 'vintage'} item {i} for sale"
            listing.append((i, hashlib.sha256(str(i).encode()).hexdigest(), plat,
                            f"https://{plat}.example/item/{i}", title,
                            f"Listing {i}: {title}. Contact seller{i % 50_000}.",
                            round(rng.uniform(5, 5000), 2), "USD", f"seller{i % 50_000}",
                            PLACES[rng.randrange(len(PLACES))], posted, lang, "", "", "{}",
                            "[]", now))
            score = rng.random()
            assess.append((i, 1, "bench", "bench", score >= 0.5, score, taxon, cites, "",
                           "[]", now))
            if i % 10 == 0:
                s2 = rng.random()
                assess.append((i, 2, "bench", "bench", s2 >= 0.5, s2, taxon, cites, "", "[]",
                               now))
            if i % 100 == 0:
                label.append((i, 1 if score > 0.5 else 0, "bench", "", now))
        yield listing, assess, label


def seed(name: str, n: int, src: Path | None, folder: Path) -> None:
    """Create database ``name`` with the schema of ``src`` (default: this tree) and ``n``
    listings; replaces any database of that name."""
    import psycopg

    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_execute(f'CREATE DATABASE "{name}"')
    _migrate(PG_URL.format(name=name), src, folder)
    t0 = time.perf_counter()
    with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={name}") as conn:
        now = datetime.now(UTC)
        for version in ("bench-1", "bench-2"):
            conn.execute("INSERT INTO runs (stage, version, started_at, detail) "
                         "VALUES ('assess', %s, %s, '{}')", (version, now))
        done = 0
        for listing, assess, label in _rows(n, 1):
            with conn.cursor() as cur:
                with cur.copy("COPY listings (id, content_sha256, source, url, title, "
                              "description, price, currency, seller, location, posted, "
                              "language, origin, capture_sha256, extra, identifiers, "
                              "created_at) FROM STDIN") as copy:
                    for row in listing:
                        copy.write_row(row)
                with cur.copy("COPY assessments (listing_id, run_id, model, model_version, "
                              "relevant, score, taxa, cites, flags, reasons, created_at) "
                              "FROM STDIN") as copy:
                    for row in assess:
                        copy.write_row(row)
                with cur.copy('COPY labels (listing_id, label, "user", note, created_at) '
                              "FROM STDIN") as copy:
                    for row in label:
                        copy.write_row(row)
            conn.commit()
            done += len(listing)
            print(f"  {done:,} listings ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        for table in ("listings", "assessments", "labels"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


def copy_database(template: str, name: str) -> str:
    """A fresh copy of database ``template`` as ``name``; its SQLAlchemy URL."""
    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return PG_URL.format(name=name)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--name", default="wt_bench_web_seed")
    parser.add_argument("--src", type=Path, default=None,
                        help="wildtrace source tree whose migrations make the schema")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/wt-bench-web-pg-seed"))
    args = parser.parse_args()
    seed(args.name, args.n, args.src, args.dir)
