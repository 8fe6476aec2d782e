"""The four function folders are thin adapters over the library, deployable as the stack says."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ["health", "upload", "generate_text", "chat"]
HTTP_ONLY = ["health", "upload", "generate_text"]


def load_function(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"fn_{name}", ROOT / "functions" / name / "main.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_folder_is_complete_and_thin(name: str) -> None:
    folder = ROOT / "functions" / name
    assert {"main.py", "requirements.txt", "Dockerfile"} <= {p.name for p in folder.iterdir()}
    main = (folder / "main.py").read_text()
    code_lines = [ln for ln in main.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", '"'))]
    assert len(code_lines) <= 12, "a function is an adapter, not a place for logic"
    docker = (folder / "Dockerfile").read_text()
    assert "USER 10001" in docker and '--port", "8080"' in docker
    assert "./shared" in (folder / "requirements.txt").read_text()


@pytest.mark.parametrize("name", FUNCTIONS)
async def test_function_app_serves_probes(name: str) -> None:
    module = load_function(name)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=module.app), base_url="http://f") as c:
        assert (await c.get("/_/health")).json() == {"status": "ok"}
        assert (await c.get("/metrics")).status_code == 200
    assert (name in HTTP_ONLY) == hasattr(module, "handler")


def test_mangum_handler_answers_an_api_gateway_event() -> None:
    module = load_function("health")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/v1/health",
        "rawQueryString": "",
        "headers": {"host": "lambda", "x-request-id": "lambda-req-1"},
        "requestContext": {
            "http": {"method": "GET", "path": "/v1/health", "sourceIp": "1.2.3.4", "protocol": "HTTP/1.1"},
            "stage": "$default",
            "requestId": "r",
        },
        "isBase64Encoded": False,
    }
    result = module.handler(event, None)
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["status"] == "ok"
    assert result["headers"]["x-request-id"] == "lambda-req-1"


def test_stack_yml_lists_the_four_functions() -> None:
    stack = yaml.safe_load((ROOT / "stack.yml").read_text())
    assert stack["provider"]["name"] == "openfaas"
    assert "./shared" in stack["configuration"]["copy"]
    handlers = {fn["handler"] for fn in stack["functions"].values()}
    assert handlers == {f"./functions/{n}" for n in FUNCTIONS}
    for fn in stack["functions"].values():
        assert fn["lang"] == "dockerfile"
        assert (ROOT / fn["handler"] / "Dockerfile").exists()
        assert "agent_service_jwt_secret" in fn["secrets"]
        for key in fn.get("environment", {}):
            assert "secret" not in key.lower(), "secrets go in files, not environment"


@pytest.mark.parametrize("name", ["health", "upload"])
def test_http_only_functions_never_import_litellm(name: str) -> None:
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('m', {str(ROOT / 'functions' / name / 'main.py')!r})"
        "\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "print('litellm' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "AGENT_LOAD_DEMO": "false"},
    )
    assert out.stdout.strip() == "False"
