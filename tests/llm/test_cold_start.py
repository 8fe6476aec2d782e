"""Cold start: the health and upload functions never import LiteLLM (≈2.7 s and ≈130 MB); the
model-calling functions import it only when a configured model is not served by the direct
OpenAI-compatible client. Each check runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, os, sys, time
t0 = time.perf_counter()
from infrazen_agent.app import create_app
app = create_app({components!r})
t_app = time.perf_counter() - t0
import infrazen_agent.llm  # the llm package itself must stay light
light = "litellm" not in sys.modules
t1 = time.perf_counter()
if {load_litellm!r}:
    infrazen_agent.llm.load_litellm()
print(json.dumps({{"litellm": "litellm" in sys.modules, "llm_package_light": light,
                  "local_cost_map": os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP"),
                  "create_app_s": t_app, "litellm_s": time.perf_counter() - t1,
                  "total_s": time.perf_counter() - t0}}))
"""


def probe(components: list[str], *, load_litellm: bool = False) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "LITELLM_", "AGENT_"))}
    env["AGENT_SERVICE_JWT_SECRET"] = "cold-start-test-secret-0123456789abcdef"
    code = _PROBE.format(components=components, load_litellm=load_litellm)
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("component", ["health", "upload"])
def test_health_and_upload_apps_do_not_import_litellm(component: str) -> None:
    result = probe([component])
    assert result["litellm"] is False
    # LiteLLM alone takes seconds; without it the app builds well under that.
    assert result["create_app_s"] < 5


def test_chat_function_cold_start_is_measured(capsys: pytest.CaptureFixture[str]) -> None:
    result = probe(["chat", "tools"], load_litellm=True)
    assert result["litellm"] is True and result["llm_package_light"] is True
    # Set by the library (not the environment, stripped here): the price map comes from the
    # package, never the network (that would block ~5 s on a closed network).
    assert result["local_cost_map"] == "True"
    assert result["total_s"] < 30  # generous: 2 shared cores; the figure is printed for the docs
    with capsys.disabled():
        print(
            f"\nchat function cold start: create_app {result['create_app_s']:.2f} s, "
            f"litellm import {result['litellm_s']:.2f} s, total {result['total_s']:.2f} s"
        )


_STARTED = """
import asyncio, json, sys
from infrazen_agent.config import Settings
from infrazen_agent.llm import get_gateway
from infrazen_agent.runtime import Runtime

async def main():
    runtime = Runtime(Settings())
    await runtime.ensure_started()
    gateway = get_gateway(runtime)
    online = gateway.is_online()
    await runtime.stop()
    print(json.dumps({"online": online, "litellm": "litellm" in sys.modules, "openai": "openai" in sys.modules}))

asyncio.run(main())
"""


@pytest.mark.parametrize(
    ("text_model", "vision_model", "loads"),
    [
        ("openai/qwen2.5", "openai/qwen2.5-vl", False),  # the direct client serves both
        ("openai/qwen2.5", "mistral/mistral-large-latest", True),  # one model needs LiteLLM
        # The providers' own clients (llm/providers/) serve these: no LiteLLM either.
        ("openrouter/openai/gpt-4o-mini", "openrouter/openai/gpt-4o-mini", False),
        ("anthropic/claude-haiku-4-5", "gigachat/GigaChat-2-Max", False),
        ("ollama/qwen2.5:7b", "ollama/qwen2.5vl:7b", False),
    ],
)
def test_litellm_is_imported_only_for_a_model_the_direct_client_does_not_serve(
    text_model: str, vision_model: str, loads: bool, database_url: str, redis_url: str
) -> None:
    prefixes = ("LLM_", "LITELLM_", "AGENT_", "OPENROUTER", "ANTHROPIC", "GIGACHAT", "OLLAMA")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(
        AGENT_SERVICE_JWT_SECRET="cold-start-test-secret-0123456789abcdef",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        AGENT_LOAD_DEMO="false",
        LLM_API_BASE="http://127.0.0.1:9/v1",
        LLM_API_KEY="unused",
        OPENROUTER_API_KEY="unused",
        ANTHROPIC_API_KEY="unused",
        GIGACHAT_CREDENTIALS="unused",
        LLM_MODEL_TEXT=text_model,
        LLM_MODEL_VISION=vision_model,
    )
    out = subprocess.run(
        [sys.executable, "-c", _STARTED], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"online": True, "litellm": loads, "openai": loads}, out.stderr[-2000:]
