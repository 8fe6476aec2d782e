"""The httpx source against a real reference server on localhost: the same models as SQL, the
principal's tenant in the service JWT, and upstream failures mapped to the error vocabulary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from infrazen_agent.auth import Principal, verify_token
from infrazen_agent.config import Settings
from infrazen_agent.data.http_source import HttpSource
from infrazen_agent.data.internal_api import PREFIX, create_internal_api
from infrazen_agent.data.model import SkuRef
from infrazen_agent.data.sql_source import SqlSource
from infrazen_agent.errors import InvalidInput, NotFound, Unavailable
from infrazen_agent.runtime import Runtime
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT, DemoIds
from tests.support.servers import free_port, live_server

MAIN, SMALL = Principal("1001", MAIN_TENANT, roles=("analyst",)), Principal("2002", SMALL_TENANT)


async def test_http_source_returns_what_sql_returns(
    seeded_settings: Settings, seeded_runtime: Runtime, demo: DemoIds
) -> None:
    sql = SqlSource(seeded_runtime)
    with live_server(create_internal_api(seeded_settings)) as server:
        http = HttpSource(
            Settings(
                _env_file=None,
                agent_service_jwt_secret=seeded_settings.agent_service_jwt_secret,  # type: ignore[call-arg]
                agent_internal_api_base=server.url + PREFIX,
            )
        )
        try:
            rid = demo.resource(MAIN_TENANT, "postgresql-cluster")
            rec = demo.recommendation(MAIN_TENANT, "old_snapshot")
            assert await http.resource(MAIN, rid) == await sql.resource(MAIN, rid)
            assert await http.latest_snapshot(MAIN, rid) == await sql.latest_snapshot(MAIN, rid)
            assert await http.recommendation(MAIN, rec) == await sql.recommendation(MAIN, rec)
            assert await http.recommendations(MAIN, statuses=["pending"], limit=50) == await sql.recommendations(
                MAIN, statuses=["pending"], limit=50
            )
            assert await http.user_context(MAIN) == await sql.user_context(MAIN)
            assert await http.cost_bounds(SMALL) == await sql.cost_bounds(SMALL)
            span = (date(2025, 5, 1), date(2025, 6, 30), "provider_service")
            assert await http.cost_series(MAIN, *span) == await sql.cost_series(MAIN, *span)  # type: ignore[arg-type]
            skus = [SkuRef(provider="yandex", sku="yc.kafka.4c8g.ssd100.ru-central1")]
            assert await http.prices_for_skus(MAIN, skus) == await sql.prices_for_skus(MAIN, skus)
            with pytest.raises(NotFound):
                await http.resource(SMALL, rid)
            with pytest.raises(InvalidInput):
                await http.cost_series(MAIN, date(2025, 6, 2), date(2025, 6, 1), "total")
            # The service JWT carries the principal: tenant, user, roles.
            claims = verify_token(seeded_settings, http._token(MAIN))
            assert (claims.tenant_id, claims.user_id, claims.roles) == (MAIN_TENANT, "1001", ("analyst",))
        finally:
            await http.aclose()


async def test_unreachable_or_misconfigured_upstream_is_unavailable(
    make_settings: Callable[..., Settings], seeded_settings: Settings
) -> None:
    dead = HttpSource(make_settings(agent_internal_api_base=f"http://127.0.0.1:{free_port()}{PREFIX}"))
    with pytest.raises(Unavailable, match="unreachable"):
        await dead.resource(MAIN, 1)
    await dead.aclose()
    with live_server(create_internal_api(seeded_settings)) as server:
        wrong = HttpSource(
            make_settings(
                agent_internal_api_base=server.url + PREFIX,
                agent_service_jwt_secret="not-the-shared-secret-0123456789-xyz",
            )
        )
        with pytest.raises(Unavailable, match="refused the service token"):
            await wrong.user_context(MAIN)
        await wrong.aclose()


async def test_calls_carry_the_request_id(make_settings: Callable[..., Settings]) -> None:
    """InfraZen's logs of a call can be joined with the agent's: X-Request-Id is the id of the
    request (or chat connection) the call was made for."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from infrazen_agent.logs import request_id_var

    seen: list[str | None] = []

    async def anything(request: Request) -> JSONResponse:
        seen.append(request.headers.get("x-request-id"))
        return JSONResponse({"error": {"code": "not_found", "message": "no such resource"}}, status_code=404)

    app = Starlette(routes=[Route("/{path:path}", anything)])
    with live_server(app) as server:
        http = HttpSource(make_settings(agent_internal_api_base=server.url + PREFIX))
        token = request_id_var.set("rid-0123456789")
        try:
            with pytest.raises(NotFound):
                await http.resource(MAIN, 1)
        finally:
            request_id_var.reset(token)
            await http.aclose()
    assert seen == ["rid-0123456789"]
