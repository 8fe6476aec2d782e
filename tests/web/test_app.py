"""The web app in Chromium against the service as `make run` starts it (the embedded default,
demo data), with the scripted model server as its model: sign in as a demo user, the
recommendation list, a recommendation's text and alternatives, a Russian question answered with
streamed deltas and a tool step, a number's source, cancel, English. Screenshots of each screen
go to $WEB_ARTIFACTS (default .artifacts/web, not committed); the first load is measured."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from infrazen_agent.wording import format_money
from tests.support.browser import browser, skip_without_chromium
from tests.support.llm_server import Reply, ScriptedLLMServer, ScriptedToolCall
from tests.support.service_process import Served, serving

ARTIFACTS = Path(os.environ.get("WEB_ARTIFACTS", Path(__file__).parents[2] / ".artifacts" / "web"))

pytestmark = [pytest.mark.slow, pytest.mark.browser]

__all__ = ["browser"]  # the fixture

skip_without_chromium()


@pytest.fixture(scope="module")
def model() -> Iterator[ScriptedLLMServer]:
    server = ScriptedLLMServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def service(model: ScriptedLLMServer) -> Iterator[Served]:
    data_dir = Path(tempfile.mkdtemp(prefix="iza-web-", dir="/tmp"))
    env = {
        "AGENT_LOAD_DEMO": "true",
        "LLM_OFFLINE": "false",
        "LLM_API_BASE": model.url,
        "LLM_API_KEY": "test",
        "LLM_MODEL_TEXT": "openai/scripted-text",
        "LLM_MODEL_VISION": "openai/scripted-vision",
        "LLM_FALLBACK_MODELS": "",
    }
    try:
        with serving(data_dir, **env) as served:
            yield served
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def _token(service: Served) -> str:
    """The demo owner's token, from the dev sign-in the page uses."""
    token: str = httpx.post(f"{service.url}/v1/dev/token", json={"user_id": "1001", "tenant_id": "1001"}).json()[
        "token"
    ]
    return token


def _savings(service: Served, rec_id: int) -> float:
    """The recommendation's monthly savings, read through the API as the signed-in user."""
    token = _token(service)
    r = httpx.post(
        f"{service.url}/v1/tools/get_recommendation",
        json={"recommendation_id": rec_id},
        headers={"Authorization": f"Bearer {token}"},
    )
    return float(r.json()["data"]["savings_monthly"]["amount"])


def test_first_load_is_small_and_interactive_fast(browser: Any, service: Served) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="ru-RU", bypass_csp=True)
    transferred: list[int] = []
    page.on("response", lambda r: transferred.append(len(r.body()) if r.ok and r.request.method == "GET" else 0))
    t0 = time.monotonic()
    page.goto(service.url + "/")
    page.wait_for_selector("#demo-users .card")
    interactive_s = time.monotonic() - t0
    total = sum(transferred)
    print(json.dumps({"first_load_bytes": total, "interactive_s": round(interactive_s, 3)}))
    assert total < 300_000 and interactive_s < 1.0
    headers = page.evaluate("async () => (await fetch('/')).headers.get('content-security-policy')")
    assert "script-src 'self'" in headers and "http" not in headers.replace("https:", "")
    page.close()


def test_a_demo_user_reads_a_recommendation_and_chats_about_it(
    browser: Any, service: Served, model: ScriptedLLMServer
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="ru-RU", bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(service.url + "/")
    page.wait_for_selector("#demo-users .card")
    assert page.inner_text("#signin-title") == "Вход"
    _shot(page, "01-sign-in")
    page.click('#demo-users .card[data-user="1001"]')
    page.wait_for_selector("#rec-rows button.link")
    rows = page.eval_on_selector_all("#rec-rows tr", "rs => rs.map(r => [...r.cells].map(c => c.innerText))")
    assert len(rows) >= 6 and all("₽" in r[2] and "₽" in r[3] for r in rows)
    # effort and risk of the rows in view, from each recommendation's own text
    page.wait_for_function("document.querySelector('#rec-rows tr td.effort').textContent.includes('/5')")
    first_effort = page.inner_text("#rec-rows tr >> nth=0 >> td.effort")
    assert page.inner_text("#rec-rows tr >> nth=0 >> td.risk-cell") in ("низкий", "средний", "высокий")
    monthly = [float(r[2].split("₽")[0].replace("\u00a0", "").replace(" ", "").replace(",", ".")) for r in rows]
    assert monthly == sorted(monthly, reverse=True), "sorted by savings"
    _shot(page, "02-recommendations")

    page.click("#rec-rows button.link >> nth=0")
    page.wait_for_selector("#rec-detail h2")
    detail = page.inner_text("#rec-detail")
    for heading in ("Кратко", "Как посчитано", "Риски", "Следующие шаги", "Экономия"):
        assert heading in detail
    assert first_effort in detail, "the list's effort is the text's"
    _shot(page, "03-recommendation-text")

    rec_id = int(page.get_attribute("#rec-rows button.link >> nth=0", "data-rec") or 0)
    figure = format_money(_savings(service, rec_id), "RUB", "ru", "month")
    answer = f"Переезд сэкономит {figure}. Главный риск — короткий простой при переключении."
    model.reset()
    model.script(
        Reply(tool_calls=[ScriptedToolCall("estimate_migration_effort", json.dumps({"recommendation_id": rec_id}))]),
        Reply(text=answer, chunk_size=3, delay_between_chunks_s=0.06),
    )
    page.click("#open-rec-chat")
    page.wait_for_function("document.getElementById('chat-state').textContent.includes('на связи')")
    page.fill("#chat-input", "Сколько сэкономим и какие риски?")
    page.press("#chat-input", "Enter")
    page.wait_for_selector(".msg.assistant .step.done", timeout=20_000)
    assert "оцениваю трудоёмкость" in page.inner_text(".msg.assistant .steps")
    assert page.get_attribute(".msg.assistant .step.done", "title") == "estimate_migration_effort"
    page.wait_for_function("document.querySelector('.msg.assistant .body').textContent.length > 3")
    partial = page.inner_text(".msg.assistant .body")
    assert 0 < len(partial) < len(answer), "deltas show before the answer is complete"
    page.wait_for_selector(".msg.assistant button.num", timeout=20_000)
    assert page.inner_text(".msg.assistant .body") == answer
    page.click(".msg.assistant button.num")
    page.wait_for_selector("#source:not([hidden])")
    source = page.inner_text("#source")
    assert "savings" in source and "Источник" in source, source
    _shot(page, "04-chat-number-source")
    page.click("#source button")

    model.script(Reply(text="медленно " * 60, delay_between_chunks_s=0.05))
    page.fill("#chat-input", "А подробнее?")
    page.press("#chat-input", "Enter")
    page.wait_for_function(
        "document.querySelectorAll('.msg.assistant').length === 2 && !document.getElementById('chat-cancel').disabled"
    )
    page.wait_for_function(
        "document.querySelectorAll('.msg.assistant')[1].querySelector('.body').textContent.length > 5"
    )
    page.click("#chat-cancel")
    page.wait_for_selector(".msg.assistant >> nth=1 >> text=Ответ остановлен", timeout=20_000)
    _shot(page, "05-chat-cancelled")

    invented = "Экономия составит 999 999,99 ₽/мес."
    model.script(Reply(text=invented), Reply(text=invented))  # the answer, and its corrective re-ask
    page.fill("#chat-input", "А если всё сразу?")
    page.press("#chat-input", "Enter")
    page.wait_for_selector(".msg.assistant >> nth=2 >> button.num.untraced", timeout=20_000)
    page.click(".msg.assistant >> nth=2 >> button.num.untraced")
    assert "Не подтверждено данными" in page.inner_text("#source")
    page.click("#source button")

    hostile = (
        'Итог:\n\n<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>\n\n'
        "| Шаг | Что |\n|---|---|\n| 1 | **Проверить** `db` |\n\n- пункт <b onclick=alert(1)>жирный</b>"
    )
    model.script(Reply(text=hostile))
    page.fill("#chat-input", "Покажи таблицей")
    page.press("#chat-input", "Enter")
    page.wait_for_selector(".msg.assistant >> nth=3 >> table.md", timeout=20_000)
    last = page.locator(".msg.assistant >> nth=3")
    assert last.locator("img, script, b[onclick]").count() == 0, "a model's HTML stays text"
    assert "<img src=x" in last.inner_text() and last.locator("table.md td strong").inner_text() == "Проверить"
    assert page.evaluate("window.pwned === undefined")

    page.click("#lang")
    assert page.inner_text("#tabs").replace("\n", " ").strip().startswith("Recommendations")
    assert page.inner_text("#chat-send") == "Send"
    assert page.inner_text("#recs-total").startswith("Open:") and "RUB/month" in page.inner_text("#recs-total")
    assert page.inner_text("#chat-state") == "Assistant online" and page.inner_text("#chat-title").startswith("Chat:")
    page.wait_for_selector("#rec-detail >> text=How it is calculated", timeout=20_000)
    _shot(page, "06-english")
    assert errors == [], errors
    page.close()


def test_without_a_demo_user_the_page_takes_a_token_and_says_when_it_is_expired(browser: Any, service: Served) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="ru-RU", bypass_csp=True)  # a phone
    page.goto(service.url + "/#token=not-a-token")
    page.wait_for_selector("#notice:not([hidden])", timeout=20_000)
    assert "Войдите снова" in page.inner_text("#notice")
    assert page.is_visible("#signin")
    assert "token" not in page.url
    _shot(page, "07-phone-expired")
    page.close()


def test_the_api_docs_work_offline_and_authorize_then_try_it_out_succeeds(browser: Any, service: Served) -> None:
    token = _token(service)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def only_localhost(route: Any) -> None:
        if route.request.url.startswith(service.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_localhost)  # offline: nothing but the service answers
    page.goto(service.url + "/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    page.click(".btn.authorize")
    page.fill(".auth-container input", token)
    page.click(".auth-btn-wrapper .btn.modal-btn.auth.authorize")
    page.click(".auth-btn-wrapper .btn-done")
    page.click("#operations-tools-list_tools_v1_tools_get .opblock-summary")
    try_it = page.locator("#operations-tools-list_tools_v1_tools_get .try-out__btn")
    if try_it.count() and "Cancel" not in try_it.inner_text():
        try_it.click()
    page.click("#operations-tools-list_tools_v1_tools_get .execute")
    cell = "#operations-tools-list_tools_v1_tools_get .live-responses-table tbody .response-col_status"
    page.wait_for_selector(cell)
    status = page.inner_text(cell)
    _shot(page, "08-api-docs")
    assert status.strip().startswith("200"), status
    assert outside == [], outside
    page.close()


def test_a_pasted_screenshot_is_previewed_uploaded_and_sent_with_the_question(
    browser: Any, service: Served, model: ScriptedLLMServer
) -> None:
    from tests.api.test_upload import png_bytes

    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="ru-RU", bypass_csp=True)
    page.goto(service.url + "/")
    page.click('#demo-users .card[data-user="1001"]')
    page.wait_for_selector("#rec-rows button.link")
    page.click('#tabs button[data-tab="analytics"]')
    page.wait_for_selector("#trend svg polyline", timeout=20_000)
    assert page.locator("#kpis .kpi").count() == 5
    points = page.get_attribute("#trend svg polyline", "points") or ""
    assert len(points.split()) >= 28, "a point per day of the 30-day range"
    token = _token(service)
    auth = {"Authorization": f"Bearer {token}"}
    overview = httpx.post(f"{service.url}/v1/tools/get_analytics_overview", json={"days": 30}, headers=auth).json()
    total = overview["data"]["total_spend"]
    assert page.inner_text("#kpis .kpi >> nth=0").endswith(format_money(total["amount"], total["currency"], "ru"))
    found = httpx.post(f"{service.url}/v1/tools/get_anomalies", json={"days": 30, "limit": 20}, headers=auth).json()
    assert page.locator("#trend circle.anomaly").count() == len(found["data"]["anomalies"])
    assert page.locator("#by-service li").count() >= 3 and page.locator("#by-provider li").count() >= 2
    _shot(page, "10-analytics")
    page.click("#an-open")
    page.wait_for_function("document.getElementById('chat-state').textContent.includes('на связи')")
    b64 = __import__("base64").b64encode(png_bytes(320, 200)).decode()
    page.evaluate(
        """b64 => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const data = new DataTransfer();
            data.items.add(new File([bytes], "bill.png", {type: "image/png"}));
            document.getElementById("chat-input").dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        b64,
    )
    page.wait_for_selector("#attachments .thumb.ready img", timeout=20_000)
    assert page.get_attribute("#attachments .thumb progress", "value") == "100"
    model.reset()
    # The vision model is first asked the kind of screen: a non-JSON answer, so Tesseract reads it.
    model.script(Reply(text="-"), Reply(text="На скриншоте счёт за месяц, без расхождений с данными."))
    page.fill("#chat-input", "Что на скриншоте?")
    page.press("#chat-input", "Enter")
    page.wait_for_selector(".msg.assistant >> text=На скриншоте счёт", timeout=20_000)
    assert page.locator(".msg.user img.sent").count() == 1 and page.locator("#attachments .thumb").count() == 0
    [user] = [m for m in model.requests[-1]["messages"] if m["role"] == "user" and isinstance(m["content"], list)]
    assert any(p.get("type") == "image_url" for p in user["content"]), user
    steps = page.locator(".msg.assistant").last.inner_text()
    assert "читаю скриншот" in steps or "reading the screenshot" in steps, steps
    _shot(page, "09-chat-screenshot")
    page.close()


def test_a_report_is_made_from_the_analytics_page_and_from_the_chat(
    browser: Any, service: Served, model: ScriptedLLMServer
) -> None:
    # the page's own CSP in force: the report opened as a blob must still get its style
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(service.url + "/")
    page.wait_for_selector("#demo-users .card")
    page.click('#demo-users .card[data-user="1001"]')
    page.wait_for_selector("#rec-rows button.link")
    page.click('#tabs button[data-tab="analytics"]')
    page.wait_for_selector("#rep-form")
    page.select_option("#rep-persona", "cfo")
    page.click("#rep-make")
    page.wait_for_selector("#rep-list li.report.ready", timeout=60_000)
    item = page.inner_text("#rep-list li.report.ready")
    assert "Отчёт FinOps: финансовый директор" in item and "готов" in item
    _shot(page, "10-report-ready")
    with page.expect_download() as got:
        page.click("#rep-list li.report.ready >> text=Скачать PDF")
    pdf = Path(got.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    with context.expect_page() as opened:
        page.click("#rep-list li.report.ready >> text=Открыть HTML")
    report_page = opened.value
    report_page.wait_for_load_state()
    assert "Сценарии экономии" in report_page.inner_text("body")
    assert report_page.eval_on_selector("h1", "h => getComputedStyle(h).fontSize") == "24px"  # styled
    report_page.set_viewport_size({"width": 1100, "height": 1400})
    report_page.screenshot(path=str(ARTIFACTS / "11-report-html.png"))
    report_page.close()

    model.reset()
    model.script(
        Reply(tool_calls=[ScriptedToolCall("create_report", json.dumps({"persona": "cto", "days": 30}))]),
        Reply(text="Предлагаю подготовить отчёт для технического директора — подтвердите."),
    )
    page.click("#an-open")
    page.wait_for_selector("#chat-state:has-text('на связи')")
    page.fill("#chat-input", "Сделай отчёт для техдиректора")
    page.press("#chat-input", "Enter")
    page.wait_for_selector("#chat-log .confirm button")
    assert "технический директор" in page.inner_text("#chat-log .confirm")
    _shot(page, "12-report-proposed")
    page.click("#chat-log .confirm >> text=Подтвердить")
    page.wait_for_selector("#chat-log li.report.ready", timeout=60_000)
    card = page.inner_text("#chat-log li.report.ready")
    assert "технический директор" in card and "Скачать PDF" in card
    _shot(page, "13-report-in-chat")
    assert not errors, errors
    context.close()
