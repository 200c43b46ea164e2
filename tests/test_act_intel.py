"""Intelligence export: a case as a STIX 2.1 bundle and as a MISP event, each validated by
its own library, and imported back into a second workspace (two teams sharing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

stix2 = pytest.importorskip("stix2")
pymisp = pytest.importorskip("pymisp")

from wildtrace.act.cases import CaseBook, seller_listing_ids  # noqa: E402
from wildtrace.app.intel import export_intel, import_intel  # noqa: E402
from wildtrace.errors import FormatError, InputError  # noqa: E402
from wildtrace.link import resolve_sellers  # noqa: E402
from wildtrace.records import Identifier, ListingDraft  # noqa: E402
from wildtrace.store import content_key  # noqa: E402
from wildtrace.workspace import Workspace, open_workspace  # noqa: E402

PHONE = "+84912345678"
WALLET = "0x52908400098527886e0f7030069857d2e4169ee7"
IDS = (Identifier("phone", PHONE), Identifier("email", "minh@example.com"),
       Identifier("wechat", "minh_ivory88"), Identifier("wallet", "eth:" + WALLET),
       Identifier("profile_url", "https://facebook.com/minh.ivory"))


@pytest.fixture
def team_a(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("WILDTRACE_OPERATOR", "Team A (TRAFFIC VN)")
    ws = open_workspace(tmp_path / "a")
    sha = ws.blobs.put(b"<html>captured listing page</html>")
    drafts = [
        ListingDraft(source="rao.vn", title="ngà voi vòng tay <script>alert(1)</script>",
                     description="vòng ngà voi thật, liên hệ zalo", url="https://rao.vn/p/1",
                     price=4_500_000, currency="VND", seller="Minh", location="Hà Nội",
                     posted="2026-03-02", language="vi", identifiers=IDS,
                     capture_sha256=sha),
        ListingDraft(source="rao.vn", title="sừng tê giác bột", url="https://rao.vn/p/2",
                     seller="Minh", identifiers=(Identifier("phone", PHONE),)),
    ]
    ws.store.add_listings([(d, content_key(d)) for d in drafts])
    book = CaseBook(ws.store)
    case_id = book.create("Minh network", "ana")
    book.add(case_id, "listing", "1", "ana")
    book.add(case_id, "listing", "2", "ana")
    yield ws
    ws.close()


def _audit(ws: Workspace, action: str) -> list[dict[str, object]]:
    return [{"kind": e.object_kind, "id": e.object_id, **e.detail}
            for e in ws.store.audit.entries(limit=50, action=action)]


def test_stix_bundle_is_valid_and_complete(team_a: Workspace) -> None:
    text, package = export_intel(team_a, "ana", "stix", case_id=1)
    assert len(package.listings) == 2
    bundle = stix2.parse(text, allow_custom=True)  # the library re-validates every object
    by_type: dict[str, list[object]] = {}
    for o in bundle.objects:
        by_type.setdefault(o.type, []).append(o)
    assert len(by_type["observed-data"]) == 2 and len(by_type["x-wildtrace-listing"]) == 2
    for t in ("identity", "report", "observed-data", "url", "email-addr", "user-account",
              "x-wildtrace-phone", "x-wildtrace-wallet", "file", "indicator", "relationship",
              "threat-actor", "marking-definition"):
        assert t in by_type, t
    patterns = {o.pattern for o in by_type["indicator"]}
    assert f"[x-wildtrace-phone:value = '{PHONE}']" in patterns
    assert ("[user-account:account_login = 'minh_ivory88' AND "
            "user-account:account_type = 'wechat']") in patterns
    # one indicator per distinct identifier, however many listings show it
    assert len(by_type["indicator"]) == len(IDS)
    files = by_type["file"]
    assert [f.hashes["SHA-256"] for f in files] == [team_a.store.listing(1).capture_sha256]
    rels = {(r.relationship_type, r.target_ref.split("--")[0]) for r in by_type["relationship"]}
    assert rels == {("based-on", "observed-data"), ("indicates", "threat-actor")}
    assert all(o.object_marking_refs == [stix2.TLP_AMBER.id] for o in by_type["indicator"])
    # seller text is data: it is in the JSON as a string, never interpreted
    od = next(o for o in by_type["observed-data"] if "<script>" in o.x_wildtrace_title)
    assert od.x_wildtrace_currency == "VND" and od.x_wildtrace_price == 4_500_000
    # the same case exported again gives the same ids (an update, not a copy)
    again, _ = export_intel(team_a, "ana", "stix", case_id=1)
    ids = sorted(o["id"] for o in json.loads(text)["objects"])
    assert ids == sorted(o["id"] for o in json.loads(again)["objects"])
    entry = _audit(team_a, "export")[0]
    assert entry["kind"] == "case" and entry["format"] == "stix"
    assert entry["listings"] == ["1", "2"] and entry["identifiers"] == len(IDS) + 1


def test_misp_event_is_valid_and_complete(team_a: Workspace) -> None:
    text, _ = export_intel(team_a, "ana", "misp", listing_ids=(1,))
    jsonschema = pytest.importorskip("jsonschema")
    schema = Path(pymisp.__file__).parent / "data" / "schema-lax.json"
    jsonschema.validate(json.loads(text), json.loads(schema.read_text(encoding="utf-8")))
    event = pymisp.MISPEvent()
    event.load(text)
    names = sorted(o.name for o in event.objects)
    assert names == sorted(["wildtrace-listing", "phone-number", "user-account",
                            "user-account", "coin-address", "url", "file"])
    # strict templates: rebuilding each standard object from its template accepts it
    for obj in event.objects:
        custom = ({"misp_objects_path_custom": Path("wildtrace/act/exports/misp_objects")}
                  if obj.name == "wildtrace-listing" else {})
        fresh = pymisp.MISPObject(obj.name, strict=True, **custom)
        for a in obj.attributes:
            fresh.add_attribute(a.object_relation, value=a.value)
        fresh.to_json()
    listing = next(o for o in event.objects if o.name == "wildtrace-listing")
    assert len(listing.references) == len(IDS) + 1
    assert {t.name for t in event.tags} >= {"tlp:amber"}
    assert event.distribution == 0


@pytest.mark.parametrize("fmt", ["stix", "misp"])
def test_a_second_team_imports_and_links(team_a: Workspace, tmp_path: Path, fmt: str) -> None:
    text, _ = export_intel(team_a, "ana", fmt, case_id=1)
    shared = tmp_path / f"shared.{fmt}.json"
    shared.write_text(text, encoding="utf-8")
    team_b = open_workspace(tmp_path / "b")
    try:
        own = ListingDraft(source="chotot.com", title="vòng tay ngà", seller="hoa_88",
                           identifiers=(Identifier("phone", PHONE),))
        team_b.store.add_listings([(own, content_key(own))])
        result = import_intel(team_b, "bao", shared)
        assert (result.format, result.imported, result.duplicates) == (fmt, 2, 0)
        assert result.producer == "Team A (TRAFFIC VN)"
        assert result.dropped_identifiers == 0 and result.evidence_hashes == 1
        again = import_intel(team_b, "bao", shared)
        assert (again.imported, again.duplicates) == (0, 2)
        first = team_b.store.listing(2)
        assert first.source == "intel:Team A (TRAFFIC VN)"
        assert "<script>" in first.title and first.currency == "VND"
        assert set(first.identifiers) == set(IDS)
        assert first.extra["intel_evidence"][0]["sha256"] == team_a.store.listing(1).capture_sha256
        assert _audit(team_b, "import")
        # the shared phone joins team A's seller to team B's own account
        resolve_sellers(team_b.store)
        assert set(seller_listing_ids(team_b.store, 1)) == {1, 2, 3}
    finally:
        team_b.close()


def test_bad_files_are_refused_with_the_reason(team_a: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    for content, match in (("{not json", "not JSON"), ("[1, 2]", "neither a STIX"),
                           ('{"type": "bundle", "id": "bundle--x", "objects": [1]}',
                            "not a valid STIX"),
                           ('{"Event": {"info": 5, "Object": "x"}}', "not a MISP event")):
        bad.write_text(content, encoding="utf-8")
        with pytest.raises(FormatError, match=match) as info:
            import_intel(team_a, "ana", bad)
        assert "bad.json" in str(info.value)
    with pytest.raises(InputError, match="no case 99"):
        export_intel(team_a, "ana", "stix", case_id=99)


def test_invalid_identifiers_are_dropped_not_stored(team_a: Workspace, tmp_path: Path) -> None:
    text, _ = export_intel(team_a, "ana", "stix", case_id=1)
    doc = json.loads(text)
    for o in doc["objects"]:
        if o["type"] == "x-wildtrace-phone":
            o["value"] = "call me maybe"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc), encoding="utf-8")
    team_b = open_workspace(tmp_path / "b")
    try:
        result = import_intel(team_b, "bao", forged)
        assert result.dropped_identifiers == 2  # the phone, on both listings
        assert all(i.kind != "phone" for i in team_b.store.listing(1).identifiers)
    finally:
        team_b.close()


def test_hostile_files_store_nothing_or_only_what_is_safe(team_a: Workspace, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    text, _ = export_intel(team_a, "ana", "stix", case_id=1)
    team_b = open_workspace(tmp_path / "b")
    bad = tmp_path / "hostile.json"
    try:
        deep = "[" * 100_000 + "]" * 100_000
        for content, fmt, match in (
                (deep, "stix", "nested too deep"), (deep, "misp", "nested too deep"),
                (text.replace('"x_wildtrace_price": 4500000', '"x_wildtrace_price": NaN'),
                 "auto", "NaN is not a JSON number"),
                ('{"type": "bundle", "price": -Infinity}', "stix", "-Infinity is not")):
            assert content != text
            bad.write_text(content, encoding="utf-8")
            with pytest.raises(FormatError, match=match) as info:
                import_intel(team_b, "bao", bad, fmt)
            assert "hostile.json" in str(info.value)
        bad.write_bytes(b'{"type": "bundle", "objects": ["\xff"]}')
        with pytest.raises(FormatError, match="not UTF-8"):
            import_intel(team_b, "bao", bad)
        with pytest.raises(InputError, match="not a regular file"):
            import_intel(team_b, "bao", tmp_path)
        assert team_b.store.intel.max_listing_id() == 0  # nothing stored on error
        # A bundle that parses but carries a script link, a bool price, and a producer
        # name with a line break and a terminal escape.
        doc = json.loads(text)
        for o in doc["objects"]:
            if o["type"] == "url" and o["value"] == "https://rao.vn/p/1":
                o["value"] = "javascript:alert(document.cookie)"
            if o["type"] == "observed-data" and o.get("x_wildtrace_ref") == "1":
                o["x_wildtrace_price"] = True
            if o["type"] == "identity":
                o["name"] = "Team A\r\nsource: police\x1b[2J"
        bad.write_text(json.dumps(doc), encoding="utf-8")
        done = import_intel(team_b, "bao", bad)
        assert (done.imported, done.dropped_urls) == (2, 1)
        assert done.producer == "Team A source: police [2J"
        first = team_b.store.listing(1)
        assert first.url == "" and first.price is None and first.title.startswith("ngà voi")
        assert first.source == "intel:Team A source: police [2J"
        assert team_b.store.listing(2).url == "https://rao.vn/p/2"
    finally:
        team_b.close()
