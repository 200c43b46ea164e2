"""Schemathesis against /openapi.json: generated requests to every API operation must
not crash the server and must get answers that conform to the published schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis not installed "
                                   "(pip install 'wildtrace[dev]')")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from web_seed import WebEnv, make_env  # noqa: E402


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    e = make_env(tmp_path_factory.mktemp("schema") / "ws")
    e.app.state.web.tip_limiter.limit = 10_000  # generated tips must not hit the limit
    yield e
    e.ws.close()


SKIP = ("casefile.pdf",)  # WeasyPrint takes a second a call; covered by test_web_cases


def test_api_conforms_to_its_schema(env: WebEnv) -> None:
    """Every operation, a few generated cases each (bounded so the suite stays fast)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", env.app)
    headers = env.token("root")
    checked = []
    for result in schema.get_all_operations():
        op = result.ok()
        if op.path.endswith(SKIP):
            continue

        @given(case=op.as_strategy())
        @settings(max_examples=5, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers)

        run()
        checked.append(f"{op.method.upper()} {op.path}")
    assert len(checked) >= 17, checked


def test_openapi_covers_the_ui_operations(env: WebEnv) -> None:
    from fastapi.testclient import TestClient

    paths = TestClient(env.app).get("/openapi.json").json()["paths"]
    for path in ("/healthz", "/api/listings", "/api/listings/{listing_id}", "/api/queue",
                 "/api/listings/{listing_id}/labels", "/api/cases", "/api/cases/{case_id}",
                 "/api/cases/{case_id}/items", "/api/cases/{case_id}/casefile.pdf",
                 "/api/cases/{case_id}/evidence.zip", "/api/cases/{case_id}/takedown.csv",
                 "/api/tips", "/api/tips/{tip_id}/status", "/api/dashboard/volume",
                 "/api/dashboard/prices", "/api/dashboard/countries", "/api/dashboard/network",
                 "/api/audit", "/api/me"):
        assert path in paths, path
