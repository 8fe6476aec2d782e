"""The `infrazen-agent` command as a newcomer uses it: serve (embedded Postgres, Redis and object
store), token, migrate; clean shutdown with no orphaned processes; data kept across restarts."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port
from tests.support.service_process import CLI, SECRET, service_env, wait_ready


def processes_mentioning(fragment: str) -> list[int]:
    found = []
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            cmdline = (pid_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if fragment in cmdline and ("postgres" in cmdline or "redis-server" in cmdline):
            found.append(int(pid_dir.name))
    return found


@pytest.fixture
def data_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="iza-cli-", dir="/tmp"))
    yield path
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    return service_env(data_dir, port, **extra)


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> float:
    return wait_ready(url, proc, timeout)


def _serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*CLI, "serve"], env=_env(data_dir, port), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _token(data_dir: Path, *args: str) -> str:
    out = subprocess.run([*CLI, "token", *args], env=_env(data_dir, 0), capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.slow
def test_serve_ready_token_stop_restart_keeps_data(data_dir: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _serve(data_dir, port)
    try:
        _wait_ready(url, proc)
        token = _token(data_dir, "--user", "u1", "--tenant", "t1", "--role", "analyst")
        png = (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
            b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
            b"\x00\x00\x00\x00IEND\xaeB`\x82"
        )
        r = httpx.post(
            f"{url}/v1/upload",
            headers={"Authorization": f"Bearer {token}"},
            files={"file": ("p.png", png, "image/png")},
        )
        assert r.status_code == 201, r.text
        upload_id = r.json()["upload_id"]
        assert processes_mentioning(str(data_dir)), "embedded servers should be running"
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    deadline = time.monotonic() + 10
    while processes_mentioning(str(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_mentioning(str(data_dir)) == [], "orphaned postgres/redis after Ctrl-C"

    proc = _serve(data_dir, port)
    try:
        _wait_ready(url, proc)
        r = httpx.get(f"{url}/v1/upload/{upload_id}", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, "the upload from the first run survives the restart"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    deadline = time.monotonic() + 10
    while processes_mentioning(str(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_mentioning(str(data_dir)) == [], "orphaned postgres/redis after SIGTERM"


def test_prod_without_secret_refuses_to_start(data_dir: Path) -> None:
    env = _env(data_dir, free_port(), AGENT_ENV="prod")
    env.pop("AGENT_SERVICE_JWT_SECRET")
    res = subprocess.run([*CLI, "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "AGENT_SERVICE_JWT_SECRET" in res.stderr and "refusing to start" in res.stderr
    assert processes_mentioning(str(data_dir)) == []


def test_token_command_mints_a_verifiable_token(data_dir: Path) -> None:
    from infrazen_agent.auth import verify_token
    from infrazen_agent.config import Settings

    token = _token(data_dir, "--user", "alice", "--tenant", "acme", "--role", "admin", "--demo", "--ttl", "120")
    settings = Settings(_env_file=None, agent_service_jwt_secret=SECRET)  # type: ignore[call-arg]
    p = verify_token(settings, token)
    assert (p.user_id, p.tenant_id, p.roles, p.demo) == ("alice", "acme", ("admin",), True)


def test_migrate_is_idempotent(pg_admin_url: str, database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    first = subprocess.run([*CLI, "migrate"], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([*CLI, "migrate"], env=env, capture_output=True, text=True, check=True)
    assert '"applied": [1' in first.stdout
    assert second.stdout.strip() == '{"applied": []}'


@pytest.mark.slow
def test_cli_beside_serve_leaves_it_alone_and_crash_leftovers_are_taken_over(data_dir: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _serve(data_dir, port)
    try:
        _wait_ready(url, proc)
        # A second process on the same data dir (migrate starts/adopts the embedded postgres).
        subprocess.run([*CLI, "migrate"], env=_env(data_dir, 0), capture_output=True, check=True, timeout=60)
        assert httpx.get(f"{url}/v1/ready", timeout=5).status_code == 200, "serve lost its database"
    finally:
        proc.kill()  # a crash: nothing gets to stop postgres and redis
        proc.wait(timeout=30)
    assert processes_mentioning(str(data_dir)), "the crash leaves the servers running"
    proc = _serve(data_dir, port)
    try:
        _wait_ready(url, proc)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    deadline = time.monotonic() + 10
    while processes_mentioning(str(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_mentioning(str(data_dir)) == [], "leftovers of the crashed run were not taken over"


def test_every_option_of_every_command_has_help_text() -> None:
    import argparse

    from infrazen_agent.cli import build_parser
    from infrazen_agent.commands import load_all

    load_all()
    parser = build_parser()
    missing = []

    def walk(p: argparse.ArgumentParser, path: str) -> None:
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{path} {name}")
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")

    walk(parser, "infrazen-agent")
    assert not missing, missing
