"""`serve`: the composed app on one port, in one process or in several (one per core by default).

With several, this process is the supervisor: it starts the embedded Postgres and Redis once (when
no DATABASE_URL / REDIS_URL is set), migrates and seeds once, and hands their URLs to the worker
processes in the environment; uvicorn's supervisor then runs the workers on one shared socket
(the kernel spreads the connections), restarts a worker that dies and stops them all on SIGTERM.
Chat sessions, turn locks, queues and fan-out live in Redis, so any worker serves any request.
Metrics are gathered from every worker (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .config import Settings

log = logging.getLogger("infrazen_agent.serving")

COMPONENTS_ENV = "AGENT_SERVE_COMPONENTS"  # what a worker process serves (set by the supervisor)


def _uvicorn_options() -> dict[str, Any]:
    return {
        "log_config": None,
        "ws_ping_interval": 20,
        "ws_ping_timeout": 20,
        "ws_max_size": 1024 * 1024,  # chat frames are small (limit 64 KB); refuse 16 MB ones unread
        # Deltas are a few dozen bytes: compressing each costs CPU on every event and a zlib
        # context per connection (most of an idle connection's memory) for almost no saving.
        "ws_per_message_deflate": False,
        "timeout_graceful_shutdown": 10,
    }


def worker_count(requested: int) -> int:
    return requested if requested > 0 else max(1, len(os.sched_getaffinity(0)))


def banner(host: str, port: int) -> str:
    """What a newcomer does next, printed once the data is ready (stderr: stdout stays clean)."""
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    return (
        f"\nInfraZen Agent on {url}\n"
        f"  web app   {url}/\n"
        f"  API docs  {url}/docs\n"
        "  a token   .venv/bin/infrazen-agent token --user 1001 --tenant 1001 --role analyst\n"
        "  the demo  .venv/bin/infrazen-agent demo\n"
        "  stop      Ctrl-C\n"
    )


def serve_workers(settings: Settings, components: Sequence[str], *, host: str, port: int, workers: int) -> None:
    import uvicorn

    from .app import create_app

    count = worker_count(workers)
    if count == 1:
        app = create_app(components, settings, title="InfraZen Agent (embedded)")
        print(banner(host, port), file=sys.stderr, flush=True)
        uvicorn.run(app, host=host, port=port, **_uvicorn_options())
        return
    from .runtime import Runtime

    # Started, migrated and seeded here once; the runtime's pools are closed again, the embedded
    # servers keep running until the workers are gone.
    runtime = Runtime(settings)
    asyncio.run(_prepare(runtime))
    metrics_dir = tempfile.mkdtemp(prefix="iza-metrics-")
    os.environ.update(
        {
            "DATABASE_URL": runtime.database_url or "",
            "REDIS_URL": runtime.redis_url or "",
            COMPONENTS_ENV: ",".join(components),
            "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
        }
    )
    log.info("serving", extra={"workers": count, "host": host, "port": port, "embedded": runtime.embedded})
    print(banner(host, port), file=sys.stderr, flush=True)
    try:
        uvicorn.run(
            "infrazen_agent.serving:worker_app", factory=True, host=host, port=port, workers=count, **_uvicorn_options()
        )
    finally:
        runtime.stop_embedded_now()
        shutil.rmtree(metrics_dir, ignore_errors=True)


async def _prepare(runtime: Any) -> None:
    from .api.tools import on_start as load_demo

    runtime.start_hooks.append(load_demo)  # the first start's demo data, before any worker reads it
    await runtime.ensure_started()
    await runtime.stop(keep_embedded=True)


def worker_app() -> Any:
    """The app of one worker process (uvicorn's factory), from the environment the supervisor set."""
    from .app import create_app
    from .config import get_settings
    from .logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)
    _forget_dead_workers()
    from .app import ALL_COMPONENTS

    components = os.environ.get(COMPONENTS_ENV, ",".join(ALL_COMPONENTS)).split(",")
    return create_app(components, settings, title="InfraZen Agent (embedded)")


def _forget_dead_workers() -> None:
    """A worker that died (the supervisor starts this one in its place) left its files of live
    gauges behind: they are dropped, so that its open connections are not counted for ever."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    from prometheus_client import multiprocess

    for path in Path(folder).glob("gauge_live*_*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            multiprocess.mark_process_dead(int(pid), folder)  # type: ignore[no-untyped-call]
