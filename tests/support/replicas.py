"""Several `infrazen-agent serve` processes (one worker each, as the systemd template unit runs
them) sharing one Postgres, one Redis and one object-store folder: the phase-1 deployment."""

from __future__ import annotations

import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from .servers import free_port
from .service_process import CLI, service_env, wait_ready


@dataclass
class Replica:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind (a crash, the OOM killer)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def metric(self, name: str, **labels: str) -> float:
        """The sum of this replica's own /metrics samples of `name` that carry `labels`."""
        total = 0.0
        for line in httpx.get(f"{self.url}/metrics", timeout=5).text.splitlines():
            series, _, value = line.rpartition(" ")
            metric, _, rest = series.partition("{")
            if metric != name:
                continue
            found = dict(re.findall(r'(\w+)="([^"]*)"', rest))
            if all(found.get(k) == v for k, v in labels.items()):
                total += float(value)
        return total

    def log_lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()


@contextmanager
def running_replicas(data_dir: Path, count: int, **env: str) -> Iterator[list[Replica]]:
    """`count` replicas on free ports, started together; each is stopped (SIGINT) at the end
    unless a test killed it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    started: list[Replica] = []
    try:
        for index in range(count):
            port = free_port()
            log = data_dir / f"replica-{index}.log"
            environment = service_env(data_dir, port, **env)
            with log.open("wb") as out:
                proc = subprocess.Popen([*CLI, "serve"], env=environment, stdout=out, stderr=out)
            started.append(Replica(port, proc, log))
        for replica in started:
            wait_ready(replica.url, replica.proc, log=replica.log)
        yield started
    finally:
        for replica in started:
            if replica.alive():
                replica.proc.send_signal(signal.SIGINT)
        for replica in started:
            try:
                replica.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                replica.proc.kill()
