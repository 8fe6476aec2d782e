"""Schemathesis over the service's own OpenAPI, through real HTTP against the service on the seeded
demo data: no generated request, with any kind of token or none, makes it answer 5xx. (An attack
ran 25,375 such cases before the guardrails; this keeps the property in CI.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from infrazen_agent.app import ALL_COMPONENTS, create_app
from infrazen_agent.config import Settings
from tests.support.data_fixtures import MAIN_TENANT
from tests.support.servers import live_server

pytestmark = pytest.mark.slow

ST = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or shutil.which("schemathesis")


def _schemathesis(url: str, cwd: Path, headers: dict[str, str], examples: int) -> tuple[int, str]:
    cmd = [str(ST), "run", f"{url}/openapi.json", "--checks", "not_a_server_error"]
    # one worker: schemathesis's own threads race in CPython 3.11's compiler ("AST constructor
    # recursion depth mismatch", a runtime error of the tool, not of the service)
    cmd += ["--max-examples", str(examples), "--generation-deterministic", "--workers", "1"]
    cmd += ["--request-timeout", "20", "--suppress-health-check", "all", "--warnings", "off"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, cwd=cwd)
    return proc.returncode, proc.stdout[-12000:] + proc.stderr[-2000:]


@pytest.mark.skipif(ST is None, reason="schemathesis comes with the dev extras")
@pytest.mark.parametrize("who", ["admin", "viewer", "demo", "no_token"])
def test_no_generated_request_makes_a_server_error(
    who: str, seeded_settings: Settings, auth: Callable[..., dict[str, str]], tmp_path: Path
) -> None:
    headers = {
        "admin": auth("fuzz-admin", MAIN_TENANT, roles=["admin"]),
        "viewer": auth("fuzz-viewer", MAIN_TENANT, roles=["viewer"]),
        "demo": auth("fuzz-demo", MAIN_TENANT, demo=True),
        "no_token": {},
    }[who]
    app = create_app(ALL_COMPONENTS, seeded_settings)
    operations = sum(len(methods) for methods in app.openapi()["paths"].values())
    with live_server(app) as server:
        rc, out = _schemathesis(server.url, tmp_path, headers, examples=20)
    assert rc == 0, out
    assert f"Tested: {operations}" in out, out  # every operation was exercised, none skipped
    counts = re.search(r"(\d+) generated, (\d+) passed", out)
    assert counts is not None and int(counts.group(1)) >= 500 and counts.group(1) == counts.group(2), out
