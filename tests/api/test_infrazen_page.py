"""The InfraZen chat page, in Chromium, against the service as `make run` starts it: a stand-in
page faithful to the real client's protocol (tests/support/infrazen_page), served from another
origin with a token endpoint like the Flask app's. Upload without a header, a wrong secret, a
reconnect, errors and rendering, and no token in any log line."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from tests.api.test_upload import png_bytes
from tests.support.browser import browser, skip_without_chromium
from tests.support.servers import free_port
from tests.support.service_process import SECRET, Served, serving

PAGE_DIR = Path(__file__).parents[1] / "support" / "infrazen_page"

pytestmark = [pytest.mark.slow, pytest.mark.browser]

__all__ = ["browser"]  # the fixture

skip_without_chromium()


class _Page(SimpleHTTPRequestHandler):
    """The Flask app's part: the page's files, and `/token` minting the app's legacy token."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(PAGE_DIR), **kwargs)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/token":
            super().do_GET()
            return
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        now = int(time.time())
        claims: dict[str, Any] = {"user_id": 1001, "iat": now, "exp": now + 86400, "scenario": "analytics"}
        claims["context"] = {"time_range_days": 30}
        secret = SECRET if q.get("mode", "good") == "good" else "a-wrong-secret-" + "x" * 30
        body = json.dumps({"token": jwt.encode(claims, secret, algorithm="HS256")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def service(page_origin: str) -> Iterator[Served]:
    data_dir = Path(tempfile.mkdtemp(prefix="iza-page-", dir="/tmp"))
    try:
        with serving(data_dir, AGENT_CORS_ORIGINS=page_origin, AGENT_LOAD_DEMO="true") as served:
            yield served
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _open(browser: Any, page_origin: str, service: Served, **params: str) -> Any:
    page = browser.new_page()
    query = "&".join(f"{k}={v}" for k, v in {"agent": service.url, "retry_ms": "100", **params}.items())
    page.goto(f"{page_origin}/index.html?{query}")
    return page


def _messages(page: Any, kind: str) -> list[dict[str, str]]:
    return list(
        page.eval_on_selector_all(
            f'.message[data-type="{kind}"]',
            "els => els.map(e => ({text: e.innerText, html: e.innerHTML, ts: e.dataset.timestamp,"
            " error: e.classList.contains('error')}))",
        )
    )


def test_upload_without_a_header_then_ask_then_reconnect(browser: Any, page_origin: str, service: Served) -> None:
    page = _open(browser, page_origin, service)
    page.wait_for_selector('.message[data-type="system"]')
    page.set_input_files("#file", files=[{"name": "bill.png", "mimeType": "image/png", "buffer": png_bytes(64, 32)}])
    page.wait_for_function("document.getElementById('status').textContent.length > 0")
    assert page.inner_text("#status") == "Изображение загружено"
    page.fill("#text", "Что на скриншоте и какие у нас аномалии?")
    page.click("#send")
    page.wait_for_selector('.message[data-type="assistant"]', timeout=30_000)
    [answer] = _messages(page, "assistant")
    assert not answer["error"] and "скриншот" in answer["text"].lower()  # read and reconciled first
    # Only what the client renders: no raw markdown left in what the user reads.
    for raw in ("##", "`", "|", "](", "\n- ", "\n* "):
        assert raw not in answer["text"], (raw, answer["text"])
    assert not any(w.startswith("_") or w.endswith("_") for w in answer["text"].split())
    assert "<strong>" in answer["html"]

    # A malformed image id and a busy session: Russian sentences, not English codes.
    page.fill("#text", "[image:../../etc/passwd] А это?")
    page.click("#send")
    page.wait_for_function("document.querySelectorAll('.message.error').length > 0", timeout=15_000)
    error = [m for m in _messages(page, "assistant") if m["error"]][-1]["text"]
    assert "Изображение не найдено" in error

    # Reconnect: the replayed history keeps the stored timestamps.
    time.sleep(1.2)
    reloaded = time.time()
    page.reload()
    page.wait_for_function("document.querySelectorAll('.message[data-type=\"assistant\"]').length >= 1")
    replayed = _messages(page, "user") + _messages(page, "assistant")
    assert replayed
    for m in replayed:
        assert datetime.fromisoformat(m["ts"].replace("Z", "+00:00")).timestamp() < reloaded - 1, m
    page.close()
    assert "eyJ" not in service.log_text()


def test_a_wrong_secret_stops_after_five_tries_and_the_log_says_why(
    browser: Any, page_origin: str, service: Served
) -> None:
    page = _open(browser, page_origin, service, mode="bad")
    page.wait_for_function("window.chatState && window.chatState.gaveUp", timeout=20_000)
    state = page.evaluate("({opened: chatState.opened, connects: chatState.connects})")
    assert state == {"opened": 0, "connects": 6}  # the first try and 5 retries, none opened
    assert page.inner_text("#status") == "Соединение потеряно. Обновите страницу."
    time.sleep(0.5)
    log = service.log_text()
    refused = [line for line in log.splitlines() if "infrazen chat refused" in line]
    assert len(refused) >= 6 and all("token signature not valid" in line for line in refused[-6:])
    assert "token=[redacted]" in log  # uvicorn's handshake lines, with the token taken out
    assert "eyJ" not in log
    page.close()


def test_the_upload_route_answers_the_pages_preflight(page_origin: str, service: Served) -> None:
    r = httpx.options(
        f"{service.url}/v1/chat/upload",
        headers={"Origin": page_origin, "Access-Control-Request-Method": "POST"},
    )
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == page_origin
