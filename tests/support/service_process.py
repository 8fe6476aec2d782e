"""`infrazen-agent serve` as a separate process, as `make run` starts it (embedded Postgres, Redis
and object store in its data directory), its log lines in a file a test can read."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.servers import free_port

CLI = [sys.executable, "-m", "infrazen_agent.cli"]
SECRET = "cli-test-secret-0123456789abcdef-0123"


def service_env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "S3_"))}
    env.update(
        AGENT_DATA_DIR=str(data_dir),
        AGENT_PORT=str(port),
        AGENT_SERVICE_JWT_SECRET=SECRET,
        AGENT_LOAD_DEMO="false",
        LLM_OFFLINE="true",
        AGENT_WORKERS="1",  # tests/test_serving.py runs several
    )
    env.update(extra)
    return env


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 90, log: Path | None = None) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            out = log.read_text() if log else (proc.stdout.read().decode() if proc.stdout else "")
            raise AssertionError(f"serve exited early: {out}")
        try:
            if httpx.get(f"{url}/v1/ready", timeout=2).status_code == 200:
                return time.monotonic() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("serve not ready in time")


@dataclass
class Served:
    url: str
    ws_url: str
    log: Path
    pid: int

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serving(data_dir: Path, **env: str) -> Iterator[Served]:
    port = free_port()
    log = data_dir / "service.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([*CLI, "serve"], env=service_env(data_dir, port, **env), stdout=out, stderr=out)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(url, proc, log=log)
            yield Served(url, f"ws://127.0.0.1:{port}", log, proc.pid)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
