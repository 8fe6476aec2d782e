"""Debian's nginx in the foreground, in a folder of its own, serving a site file of ours
(infra/nginx/infrazen-agent.conf) with only its addresses changed."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .binaries import require

SITE = Path(__file__).resolve().parents[2] / "infra" / "nginx" / "infrazen-agent.conf"
DEFAULT_UPSTREAMS = ("127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003")


def site_for(listen_port: int, upstream_ports: list[int]) -> str:
    """The shipped site file, listening on 127.0.0.1:<listen_port> in front of the given
    replicas instead of 8001-8003; nothing else changes."""
    text = SITE.read_text()
    assert len(upstream_ports) == len(DEFAULT_UPSTREAMS)
    for default, port in zip(DEFAULT_UPSTREAMS, upstream_ports, strict=True):
        assert f"server {default} " in text, default
        text = text.replace(f"server {default} ", f"server 127.0.0.1:{port} ")
    text, listens = re.subn(r"^(\s*)listen 80;", rf"\1listen 127.0.0.1:{listen_port};", text, flags=re.M)
    assert listens == 1
    return text


def _main_config(root: Path, site: str) -> str:
    temp = "\n".join(
        f"    {kind}_temp_path {root / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
worker_processes 1;
pid {root / "nginx.pid"};
error_log {root / "error.log"} info;
events {{ worker_connections 4096; }}  # a proxied WebSocket holds two
http {{
    access_log {root / "access.log"};
{temp}
{site}
}}
"""


@contextmanager
def running_nginx(site: str) -> Iterator[Path]:
    """nginx serving `site` (server blocks and what goes with them, as in sites-enabled) until
    the block ends; yields its folder (access.log, error.log). Run as root, its workers are
    `nobody`, as in production: the folder is one they can enter."""
    nginx = require("nginx", "nginx")
    root = Path(tempfile.mkdtemp(prefix="iza-nginx-", dir="/tmp"))
    root.chmod(0o755)
    conf = root / "nginx.conf"
    conf.write_text(_main_config(root, site))
    check = subprocess.run(
        [nginx, "-t", "-p", str(root), "-e", str(root / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    port = int(re.search(r"listen 127\.0\.0\.1:(\d+);", site).group(1))  # type: ignore[union-attr]
    proc = subprocess.Popen(
        [nginx, "-p", str(root), "-e", str(root / "error.log"), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert proc.poll() is None, (root / "error.log").read_text()
                assert time.monotonic() < deadline, "nginx did not listen"
                time.sleep(0.05)
        yield root
    finally:
        proc.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight, then exit
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)
