"""The web app's server side: the page and its assets (same-origin scripts only, nothing else
served from the package), and the dev-only sign-in: demo users listed, a token only for a user of
the tenant named (not another tenant's), nothing of it outside dev."""

from __future__ import annotations

from infrazen_agent.config import Settings
from tests.support.asgi import in_process
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT, DemoIds


async def test_the_page_and_its_assets_are_served_and_nothing_else(seeded_settings: Settings) -> None:
    async with in_process(["web"], seeded_settings) as c:
        page = await c.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        for src in ("/app/app.js", "/app/strings.js", "/app/markdown.js", "/app/app.css"):
            assert src in page.text
            r = await c.get(src)
            assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
        assert (await c.get("/app/app.js")).headers["content-type"].startswith("text/javascript")
        for bad in ("/app/index.html", "/app/..%2f__init__.py", "/app/%2e%2e/api/web.py", "/app/nope.js"):
            r = await c.get(bad)
            assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", bad
        assert "http://" not in page.text and "https://" not in page.text  # no CDN


async def test_a_demo_user_signs_in_for_their_own_tenant_only(seeded_settings: Settings, demo: DemoIds) -> None:
    async with in_process(["web", "tools"], seeded_settings) as c:
        users = (await c.get("/v1/dev/demo-users")).json()["users"]
        assert {u["tenant_id"] for u in users} >= {MAIN_TENANT, SMALL_TENANT}
        owner = demo.owner(MAIN_TENANT)
        got = await c.post("/v1/dev/token", json={"user_id": owner, "tenant_id": MAIN_TENANT})
        assert got.status_code == 200 and got.json()["expires_in"] <= 3600
        me = await c.post(
            "/v1/tools/get_user_context", json={}, headers={"Authorization": f"Bearer {got.json()['token']}"}
        )
        assert me.status_code == 200 and me.json()["data"]["tenant_id"] == MAIN_TENANT
        # the same user id named with another tenant: no token (tenants never mix)
        other = await c.post("/v1/dev/token", json={"user_id": owner, "tenant_id": SMALL_TENANT})
        assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
        assert (await c.post("/v1/dev/token", json={"user_id": "nobody", "tenant_id": MAIN_TENANT})).status_code == 404
        assert (await c.post("/v1/dev/token", json={"user_id": "", "tenant_id": MAIN_TENANT})).status_code == 422


async def test_outside_dev_there_is_no_sign_in_shortcut(seeded_settings: Settings) -> None:
    prod = seeded_settings.model_copy(update={"agent_env": "prod"})
    async with in_process(["web"], prod) as c:
        assert (await c.get("/")).status_code == 200  # the page itself: paste a token or get one from the app
        for r in (
            await c.get("/v1/dev/demo-users"),
            await c.post("/v1/dev/token", json={"user_id": "1001", "tenant_id": "1001"}),
        ):
            assert r.status_code == 404 and "token" not in r.text


async def test_only_the_embedding_app_may_frame_the_page(seeded_settings: Settings) -> None:
    settings = seeded_settings.model_copy(update={"agent_cors_origins": ["https://app.infrazen.example"]})
    async with in_process(["web", "health"], settings) as c:
        page = await c.get("/")
        csp = page.headers["content-security-policy"]
        assert csp.endswith("frame-ancestors 'self' https://app.infrazen.example")
        assert page.headers["x-frame-options"] == "SAMEORIGIN"
        api = await c.get("/v1/health")
        assert api.headers["x-frame-options"] == "DENY"  # everything else: never framed
