"""The Lambda recipe for the three HTTP functions, run here as Lambda runs it: the entry point
of infra/lambda/Dockerfile (`python -m awslambdaric main.handler`, the function's Mangum
handler) against a local Lambda runtime API, one API Gateway v2 event (tests/events/apigw_v2)
for every HTTP route each function serves, and the answers checked."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Route

from infrazen_agent.app import create_app
from infrazen_agent.auth import mint_token
from infrazen_agent.config import Settings
from tests.support.data_fixtures import MAIN_TENANT, DemoIds
from tests.support.lambda_runtime import LambdaRuntimeAPI
from tests.support.service_process import SECRET

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "tests" / "events" / "apigw_v2"
COMPONENT = {"health": "health", "upload": "upload", "generate_text": "generate_text"}
# event file -> the status its answer must have (the order is the order they are sent in)
EXPECTED: dict[str, dict[str, int]] = {
    "health": {"health": 200, "ready": 200},
    "upload": {
        "upload_multipart": 201,
        "upload_info": 200,
        "upload_delete": 204,
        "legacy_upload": 200,
        "import_focus_not_admin": 403,  # imports are an admin's (the token is an analyst's)
        "import_status_not_admin": 403,
    },
    "generate_text": {
        "recommendation_text": 200,
        "reports_list": 200,
        "report_status_unknown": 404,
        "report_file_unknown": 404,
        "reports_create_invalid": 422,
        "reports_data_invalid": 422,
        "reports_render_invalid": 422,
        "usage_not_admin": 403,
    },
}
COMMON = {"probe_health": 200, "probe_ready": 200, "metrics": 200, "openapi": 200, "docs": 200, "docs_asset": 200}


def _routes(function: str) -> set[str]:
    """Every "METHOD /path" the function's app serves (HEAD aside)."""
    app = create_app([COMPONENT[function]], Settings(_env_file=None))  # type: ignore[call-arg]

    def walk(routes: list[Any]) -> Iterator[Route]:
        for route in routes:
            if isinstance(route, Route):
                yield route
            else:
                yield from walk(getattr(getattr(route, "original_router", route), "routes", []))

    return {f"{m} {r.path}" for r in walk(app.routes) for m in (r.methods or set()) - {"HEAD"}}


def _event(folder: str, name: str, values: dict[str, str]) -> dict[str, Any]:
    text = (EVENTS / folder / f"{name}.json").read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    event: dict[str, Any] = json.loads(text)
    if "body" in event:
        raw = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
        event["headers"]["content-length"] = str(len(raw))
    return event


@pytest.mark.parametrize("function", sorted(EXPECTED))
def test_every_route_has_an_event(function: str) -> None:
    keys = {json.loads(p.read_text())["routeKey"] for p in (EVENTS / function).glob("*.json")}
    keys |= {json.loads(p.read_text())["routeKey"] for p in (EVENTS / "common").glob("*.json")}
    assert _routes(function) - keys == set(), "routes with no API Gateway event"
    assert {p.stem for p in (EVENTS / function).glob("*.json")} == set(EXPECTED[function])


@pytest.mark.slow
@pytest.mark.parametrize("function", sorted(EXPECTED))
def test_the_lambda_entry_point_answers_every_event(
    function: str, seeded_db: str, redis_url: str, demo: DemoIds, tmp_path: Path
) -> None:
    settings = Settings(_env_file=None, agent_service_jwt_secret=SECRET)  # type: ignore[call-arg]
    values = {
        "token": mint_token(settings, user="1001", tenant=MAIN_TENANT, roles=["analyst"]),
        "recommendation_id": str(demo.recommendation(MAIN_TENANT, "cross_provider_server")),
    }
    api = LambdaRuntimeAPI().start()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "LAMBDA_TASK_ROOT": str(ROOT / "functions" / function),
        "DATABASE_URL": seeded_db,
        "REDIS_URL": redis_url,
        "AGENT_SERVICE_JWT_SECRET": SECRET,
        "AGENT_DATA_DIR": str(tmp_path / "data"),  # /tmp on Lambda (the Dockerfile's AGENT_DATA_DIR)
        "AGENT_LOAD_DEMO": "false",
        "LLM_OFFLINE": "true",
        "AGENT_CORS_ORIGINS": "https://app.infrazen.example",  # the InfraZen page: the legacy upload needs no token
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    log = (tmp_path / "lambda.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "awslambdaric", "main.handler"],
        cwd=ROOT / "functions" / function,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        answers: dict[str, dict[str, Any]] = {}
        for name, status in {**EXPECTED[function], **COMMON}.items():
            folder = "common" if name in COMMON else function
            answer = api.invoke(_event(folder, name, values))
            assert answer["statusCode"] == status, (name, answer, (tmp_path / "lambda.log").read_text()[-2000:])
            answers[name] = answer
            if name == "upload_multipart":
                values["upload_id"] = json.loads(answer["body"])["upload_id"]
        for name, answer in answers.items():
            headers = {k.lower(): v for k, v in answer["headers"].items()}
            assert headers.get("x-request-id"), name
            if headers.get("content-type", "").startswith("application/json") and answer["statusCode"] >= 400:
                error = json.loads(answer["body"])["error"]
                assert error["code"] and error["message"] and error["request_id"] == headers["x-request-id"], name
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        api.stop()
        log.close()
    assert api.init_errors == []
    if function == "generate_text":
        text = json.loads(answers["recommendation_text"]["body"])
        assert text["recommendation_id"] and text["summary"], text
    if function == "health":
        assert json.loads(answers["ready"]["body"])["status"] == "ready"
