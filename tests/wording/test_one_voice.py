"""One voice: a recommendation's monthly savings reads the same in its recommendation text (every
prose field and both HTML fields) and in the offline chat's answer about it, in both languages,
and in no other format anywhere — all over real HTTP and WebSocket on the demo data."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest

from infrazen_agent.app import create_app
from infrazen_agent.config import Settings
from infrazen_agent.data.model import REC_TYPES
from infrazen_agent.wording import Lang, format_money
from tests.chat.clients import Chat, query
from tests.support.data_fixtures import MAIN_TENANT, USD_TENANT, DemoIds
from tests.support.servers import live_server

QUESTION = {"ru": "Сколько мы сэкономим?", "en": "How much will we save?"}
TEXT_FIELDS = ("title", "summary", "details", "text")
HTML_FIELDS = ("short_description_html", "detailed_description_html")
MUST_SHOW = ("title", "summary", "text", *HTML_FIELDS)  # "details" is about the resource and effort

# A written amount next to a currency, in any convention ("5 236,50 ₽", "5236.50 RUB", "$5,236.5").
_AMOUNT = r"\d+(?:[ \u00a0\u202f,.]\d+)*"
_MONEY = re.compile(
    rf"(?:[$€]\s?(?P<pre>{_AMOUNT}))|(?P<num>{_AMOUNT})\s?(?:₽|руб|RUB|USD|EUR|\$|€)",
)


@pytest.fixture
def database_url(seeded_db: str) -> str:
    """`settings` (and so the service) on the demo dataset."""
    return seeded_db


@pytest.fixture
def service(settings: Settings) -> Iterator[Chat]:
    """The chat and the recommendation text in one service under uvicorn."""
    with live_server(create_app(["chat", "generate_text"], settings)) as server:
        yield Chat(server, settings)


def _readings(written: str) -> set[float]:
    """Every value the written amount could mean (Russian, English or ungrouped)."""
    bare = re.sub(r"[ \u00a0\u202f]", "", written)
    out = set()
    for group, decimal in ((",", "."), (".", ",")):
        head, sep, tail = bare.rpartition(decimal)
        text = f"{head.replace(group, '')}.{tail}" if sep else tail.replace(group, "")
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            out.add(float(text))
    return out


def _other_formats(text: str, expected: str, amount: float) -> list[str]:
    """Amounts within one unit of `amount` (so also a rounded one) written other than `expected`."""
    rest = text.replace(expected, " ")
    found = []
    for m in _MONEY.finditer(rest):
        written = m.group("pre") or m.group("num")
        if any(abs(v - amount) < 1 for v in _readings(written)):
            found.append(m.group(0))
    return found


def _visible(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


async def _text_surfaces(service: Chat, rec_id: int, lang: Lang, user: str, tenant: str) -> dict[str, str]:
    async with service.http() as c:
        r = await c.post(
            "/v1/generate/recommendation-text",
            json={"recommendation_id": rec_id, "language": lang},
            headers=service.headers(user, tenant),
        )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["language"] == lang
    return {**{f: str(body[f]) for f in TEXT_FIELDS}, **{f: _visible(str(body[f])) for f in HTML_FIELDS}}


async def _chat_answer(service: Chat, rec_id: int, lang: Lang, user: str, tenant: str) -> str:
    started = await service.start({"scope": "recommendation", "recommendation_id": rec_id}, user, tenant)
    async with service.ws(started["session_id"], user, tenant) as ws:
        events = await ws.ask(QUESTION[lang])
    final = events[-1]
    assert final["type"] == "message" and final["mode"] == "offline", final
    assert final["grounding"]["ok"] is True, final["grounding"]
    return str(final["content"])


async def _assert_one_voice(service: Chat, rec_id: int, user: str, tenant: str) -> None:
    (saving,) = query(service.settings, "SELECT savings_monthly, currency FROM recommendations WHERE id = %s", rec_id)
    amount, currency = float(saving["savings_monthly"]), str(saving["currency"])
    for lang in ("ru", "en"):
        expected = format_money(amount, currency, lang, "month")
        surfaces = await _text_surfaces(service, rec_id, lang, user, tenant)
        surfaces["offline chat"] = await _chat_answer(service, rec_id, lang, user, tenant)
        for name, text in surfaces.items():
            if name in MUST_SHOW or name == "offline chat":
                assert expected in text, (lang, name, expected, text)
            assert not _other_formats(text, expected, amount), (lang, name, expected, text)


@pytest.mark.parametrize("rec_type", REC_TYPES)
async def test_savings_read_the_same_everywhere(service: Chat, demo: DemoIds, rec_type: str) -> None:
    await _assert_one_voice(service, demo.recommendation(MAIN_TENANT, rec_type), demo.owner(MAIN_TENANT), MAIN_TENANT)


async def test_dollar_savings_read_the_same_everywhere(service: Chat, demo: DemoIds) -> None:
    recs: dict[str, Any] = demo.tenant(USD_TENANT)["recommendations"]
    rec_type = next(t for t in REC_TYPES if recs.get(t, {}).get("ids"))
    await _assert_one_voice(service, demo.recommendation(USD_TENANT, rec_type), demo.owner(USD_TENANT), USD_TENANT)


def test_the_checker_sees_other_formats() -> None:
    """The negative check itself can fail: every other writing of 5 236,50 ₽ is caught."""
    expected = format_money(5236.5, "RUB", "ru", "month")
    for other in ("5 236,50 ₽", "5236.50 RUB", "5,236.50 RUB/month", "5 237 ₽", "5\u00a0236,5\u00a0₽", "$5,236.50"):
        assert _other_formats(f"экономия {expected}, или {other}", expected, 5236.5) == [other.split("/")[0]]
    assert not _other_formats(f"экономия {expected}; за год 62 838,00 ₽; 63,5 %", expected, 5236.5)
