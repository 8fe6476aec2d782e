"""Builds the ASGI app of one function, or of all of them composed (the embedded default).

Components are imported by name so that a function only loads what it serves: the health and
upload functions never import LiteLLM.
"""

from __future__ import annotations

import functools
import gc
import importlib
import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from . import live_gauges
from .config import Settings, get_settings
from .deps import sees_diagnostics
from .errors import error_response, install_error_handlers
from .middleware import RequestContextMiddleware
from .origins import install_cors
from .runtime import Runtime, StartHook

log = logging.getLogger("infrazen_agent.app")
REGISTRY.register(live_gauges.BUDGET)  # the single-process registry; per scrape under workers

GC_YOUNG_THRESHOLD = 50_000  # the collector's first generation once started (default 700); see lifespan
# Each component is the module infrazen_agent.api.<name>, exposing `router` (and optionally `on_start`).
ALL_COMPONENTS = ("health", "upload", "generate_text", "chat", "tools", "web", "mcp")


def _load(component: str) -> tuple[APIRouter, StartHook | None]:
    if component not in ALL_COMPONENTS:
        raise ValueError(f"unknown component {component!r}; known: {', '.join(ALL_COMPONENTS)}")
    module = importlib.import_module(f"infrazen_agent.api.{component}")
    return module.router, getattr(module, "on_start", None)


def create_app(
    components: Sequence[str],
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    title: str | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    runtime = runtime or Runtime(settings)
    loaded = [_load(name) for name in components]
    for _, hook in loaded:
        if hook is not None and hook not in runtime.start_hooks:
            runtime.start_hooks.append(hook)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.ensure_started()
        # What start-up built (modules, LiteLLM's tables, clients) lives as long as the process:
        # out of the collector's generations, full collections stay short while answers stream.
        gc.freeze()
        # A burst keeps thousands of young objects alive at once (every turn's frames, buffers,
        # messages); with the default 700 they are scanned again and again and pushed on into
        # full collections. A larger young generation lets most die first (bench/burst_bench:
        # a quarter of the collector's time, no full collection in a burst, RSS unchanged).
        gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=title or f"InfraZen Agent ({', '.join(components)})",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served below from the package: no CDN (a blank page offline otherwise)
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.components = tuple(components)
    install_error_handlers(app)
    install_cors(app, settings)  # inside the request context: preflights are logged too
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.agent_max_body_bytes,
        max_upload_bytes=settings.upload_max_bytes * 4 // 3 + 64 * 1024,  # base64 and multipart overhead
        max_import_bytes=settings.import_max_bytes + 64 * 1024,  # multipart overhead
    )

    # Every function answers the OpenFaaS probes and exposes its metrics.
    from .api import probes

    app.include_router(probes.router)
    for router, _ in loaded:
        app.include_router(router)

    _install_docs(app)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if not sees_diagnostics(request):
            return error_response(401, "unauthorized", "metrics need an admin token (AGENT_DIAGNOSTICS=admin)")
        await live_gauges.refresh(runtime)
        return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)

    return app


def _registry() -> CollectorRegistry:
    """This process's metrics, or every worker's under `serve --workers` (serving.py)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(live_gauges.BUDGET)
    return registry


_DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


@functools.cache  # Swagger UI's bundle is 1.5 MB: read once per process
def _docs_file(name: str) -> bytes:
    from importlib import resources

    return (resources.files("swagger_ui") / "static" / name).read_bytes()


def _install_docs(app: FastAPI) -> None:
    """Swagger UI 5 (OpenAPI 3.1) at /docs from the `swagger-ui-py` package's files: works offline;
    "Authorize" takes a token (the bearer scheme every authenticated route declares) and "Try it
    out" sends it."""
    from fastapi.openapi.docs import get_swagger_ui_html

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon-32x32.png",
            swagger_ui_parameters={"persistAuthorization": False, "tryItOutEnabled": True},
        )

    @app.get("/docs/assets/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> Response:
        if name not in _DOCS_ASSETS:
            return error_response(404, "not_found", "no such file")
        return Response(
            _docs_file(name), media_type=_DOCS_ASSETS[name], headers={"Cache-Control": "public, max-age=86400"}
        )
