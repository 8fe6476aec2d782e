"""The composed app's start-up: what it built is kept out of the collector's generations and the
young generation is wide enough for a burst (bench/burst_bench measures the effect)."""

from __future__ import annotations

import gc

import httpx

from infrazen_agent.app import GC_YOUNG_THRESHOLD, create_app
from infrazen_agent.config import Settings
from tests.support.servers import live_server


def test_start_up_freezes_what_it_built_and_widens_the_young_generation(settings: Settings) -> None:
    before = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)  # the interpreter's default, whatever ran before
    try:
        with live_server(create_app(["health"], settings)) as server:
            assert httpx.get(f"{server.url}/v1/health").status_code == 200
            assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, 10, 10)
            assert gc.get_freeze_count() > 10_000  # the modules, the app, the clients
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
