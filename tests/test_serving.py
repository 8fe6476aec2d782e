"""`serve --workers N`: one port, N worker processes on the embedded default. The supervisor
starts Postgres and Redis once and seeds once; any worker serves any request (a chat session
started on one is answered on any, every tab sees the answer), `/metrics` adds up every
worker's counters, and Ctrl-C leaves no worker, Postgres or Redis behind."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import websockets

from tests.support.servers import free_port
from tests.support.service_process import CLI, service_env, wait_ready
from tests.test_cli import data_dir, processes_mentioning

__all__ = ["data_dir"]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


def _python_workers(pid: int) -> list[int]:
    out = []
    for child in _children(pid):
        try:
            cmd = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmd:  # not the resource tracker
            out.append(child)
    return out


def _token(data_dir: Path) -> str:
    env = service_env(data_dir, 0)
    cmd = [*CLI, "token", "--user", "1001", "--tenant", "1001"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.slow
def test_several_workers_share_one_port_and_the_embedded_servers(data_dir: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = data_dir / "serve.log"
    env = service_env(data_dir, port, AGENT_LOAD_DEMO="true", AGENT_WORKERS="2")
    with log.open("wb") as out:
        proc = subprocess.Popen([*CLI, "serve"], env=env, stdout=out, stderr=out)
    try:
        wait_ready(url, proc, log=log)
        deadline = time.monotonic() + 30
        while len(_python_workers(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_python_workers(proc.pid)) == 2, _children(proc.pid)
        deadline = time.monotonic() + 30
        while log.read_text().count('"runtime started"') < 3 and time.monotonic() < deadline:
            time.sleep(0.1)  # the supervisor's preparation, then each worker's start
        text = log.read_text()
        assert text.count('"runtime started"') == 3, text[-3000:]
        assert text.count("demo dataset loaded on first start") == 1  # seeded once, by the supervisor

        for _ in range(40):
            assert httpx.get(f"{url}/v1/health", timeout=5).status_code == 200
        metrics = httpx.get(f"{url}/metrics", timeout=5).text
        served = sum(
            float(v)
            for v in re.findall(r'agent_http_requests_total\{[^}]*route="/v1/health"[^}]*\} ([0-9.e+]+)', metrics)
        )
        assert served >= 40, "one scrape adds up every worker's counter"

        token = _token(data_dir)
        answers = asyncio.run(_chat_on_many_connections(url, token))
        assert len(answers) == 6 and len(set(answers)) == 1 and answers[0], answers
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
    assert code == 0
    deadline = time.monotonic() + 15
    while (processes_mentioning(str(data_dir)) or _children(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_mentioning(str(data_dir)) == [], "orphaned postgres/redis after Ctrl-C"


async def _chat_on_many_connections(url: str, token: str) -> list[str]:
    """Six tabs on one session (the kernel spreads their connections over the workers): one asks,
    every tab gets the same answer."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        started = (await client.post("/v1/chat/start", json={"scope": "analytics"}, headers=headers)).json()
    ws_url = f"{started['ws_url'].replace('localhost', '127.0.0.1')}&token={token}"
    tabs = [await websockets.connect(ws_url) for _ in range(6)]
    try:
        for tab in tabs:
            assert json.loads(await tab.recv())["type"] == "ready"
        await tabs[0].send(json.dumps({"type": "message", "content": "Какие тренды?"}))

        async def answer(tab: websockets.ClientConnection) -> str:
            while True:
                event = json.loads(await asyncio.wait_for(tab.recv(), 30))
                if event["type"] == "message":
                    return str(event["content"])

        return list(await asyncio.gather(*(answer(t) for t in tabs)))
    finally:
        for tab in tabs:
            await tab.close()


def test_the_start_up_banner_says_what_to_do_next() -> None:
    from infrazen_agent.serving import banner

    text = banner("0.0.0.0", 8123)
    assert "http://127.0.0.1:8123/" in text and "http://127.0.0.1:8123/docs" in text  # a wildcard bind: localhost
    assert "infrazen-agent token --user 1001 --tenant 1001" in text and "Ctrl-C" in text
    assert "http://10.0.0.5:9000/docs" in banner("10.0.0.5", 9000)
