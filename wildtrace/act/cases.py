"""Cases: listings and sellers an investigator gathers for a case file and takedowns."""

from __future__ import annotations

from wildtrace.errors import InputError
from wildtrace.records import Case
from wildtrace.store import Store

# A "seller_of" item is the seller behind a listing (ref: the listing id) as the link
# stage resolved it; a "seller" item is a seller name, matched exactly on every platform.
ITEM_KINDS = ("listing", "seller", "seller_of")
# Where a case stands: being gathered, handed to a platform or an authority, acted on
# (taken down, seized, charged), finished with.
STATUSES = ("open", "submitted", "actioned", "closed")
MAX_LISTINGS = 5000
MAX_TITLE = 300


def _listing_ref(store: Store, ref: str) -> bool:
    """True when ``ref`` is the id of a stored listing."""
    numeric = ref.isascii() and ref.isdigit() and len(ref) <= 10
    return numeric and store.listing(int(ref)) is not None


class CaseBook:
    """Create cases, add and remove items, and read them back."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rows = store.cases

    def create(self, title: str, user: str, notes: str = "") -> int:
        """A new open case; returns its id."""
        title = title.strip()
        if not title:
            raise InputError("a case needs a title")
        return self.rows.create(title[:MAX_TITLE], notes[:20_000], user)

    def add(self, case_id: int, kind: str, ref: str, user: str, note: str = "") -> bool:
        """Add a listing (by id), the seller behind a listing (``seller_of``, by the
        listing's id) or a seller name; False if it was already there."""
        if kind not in ITEM_KINDS:
            raise InputError(f"unknown case item kind {kind[:20]!r}",
                             hint="use listing, seller_of or seller")
        ref = ref.strip()[:500]
        if not ref:
            raise InputError("a case item needs a reference (listing id or seller name)")
        if not self.rows.exists(case_id):
            raise InputError(f"no case {case_id}")
        if kind in ("listing", "seller_of") and not _listing_ref(self.store, ref):
            raise InputError(f"no listing {ref[:40]!r}")
        return self.rows.add_item(case_id, kind, ref, note[:5000], user)

    def remove(self, case_id: int, kind: str, ref: str) -> bool:
        """Take an item out of a case; False if it was not there."""
        return self.rows.remove_item(case_id, kind, ref)

    def update(self, case_id: int, status: str | None = None,
               notes: str | None = None) -> None:
        """Change a case's status (one of :data:`STATUSES`) and/or notes; InputError for
        an unknown status or case."""
        if status is not None and status not in STATUSES:
            raise InputError(f"unknown case status {status[:20]!r}",
                             hint="use " + ", ".join(STATUSES))
        if not self.rows.update(case_id, status=status,
                                notes=None if notes is None else notes[:20_000]):
            raise InputError(f"no case {case_id}")

    def get(self, case_id: int) -> Case | None:
        """One case with its items, or None."""
        return self.rows.get(case_id)

    def listing_ids(self, case: Case) -> list[int]:
        """The case's listings: those added directly plus every listing of its sellers."""
        ids = [int(i.ref) for i in case.items if i.kind == "listing"]
        for item in case.items:
            if item.kind == "seller_of":
                ids += seller_listing_ids(self.store, int(item.ref))
        ids += self.rows.listings_named([i.ref for i in case.items if i.kind == "seller"],
                                        limit=MAX_LISTINGS)
        seen: set[int] = set()
        unique = [i for i in ids if not (i in seen or seen.add(i))]  # type: ignore[func-returns-value]
        return unique[:MAX_LISTINGS]  # a case file of more would not be read anyway


def seller_listing_ids(store: Store, listing_id: int, limit: int = MAX_LISTINGS,
                       newest_first: bool = False) -> list[int]:
    """Every listing of the seller behind ``listing_id``, itself included.

    The seller is the one the link stage resolved (the newest link run: shared phone,
    messenger, e-mail or wallet, same account, near-identical text or photos), across
    platforms and names. Before a link run covers the listing, it is the listings with
    the same seller name on the same platform (a name alone is not a person: two
    "Minh"s on two sites stay apart).
    """
    resolved = store.link.same_seller(listing_id, limit=limit, newest_first=newest_first)
    if resolved is not None:
        return resolved
    listing = store.listing(listing_id)
    if listing is None:
        return []
    if not listing.seller:
        return [listing_id]
    return store.cases.listings_named([listing.seller], listing.source, limit=limit,
                                      newest_first=newest_first)
