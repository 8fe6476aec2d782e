"""Personal data and secrets never reach a model: the patterns (found / left alone, as rates),
placeholders stable within a turn and restored for the user (also across streamed deltas), and
end to end: a seeded tenant's PII in names, tags, page context and the user's message is in
none of the scripted model's recorded requests, while the user reads the originals."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from infrazen_agent.config import Settings
from infrazen_agent.guard.pii import Redactor
from tests.chat.clients import Chat, running_chat, top_recommendation
from tests.chat.seeded import database_url
from tests.support.llm_server import Reply, ScriptedLLMServer

__all__ = ["database_url"]

PII = {
    "EMAIL": ["anna.smirnova@romashka.ru", "ops+alerts@corp.example.com"],
    "PHONE": ["+7 (495) 123-45-67", "8 916 555 12 34", "+79161234567", "+44 20 7946 0958", "+1-202-555-0143"],
    "IP": ["10.0.12.5", "192.168.1.100/24", "2001:db8:85a3::8a2e:370:7334", "fe80::1"],
    "MAC": ["00:1A:2B:3C:4D:5E", "aa-bb-cc-dd-ee-ff"],
    "CARD": ["4111 1111 1111 1111", "5500-0000-0000-0004"],
    "INN": ["ИНН 7707083893", "ИНН: 500100732259"],
    "SNILS": ["112-233-445 95"],
    "PASSPORT": ["паспорт 45 08 123456"],
    "SECRET": [
        "sk-live-4f9aX2bQ7rT1yU8iO3pL6kJ5",
        "sk_test_51HxYzAbCdEfGhIjKlMn",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_1234567890abcdefghijABCDEFGHIJ123456",
        "xoxb-1234567890-abcdefghijkl",
        "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW",
        "glpat-xxxxXXXX1234yyyyYYYY",
        "y0_AgAAAABkZXYtdG9rZW4tZm9yLXRlc3RzLTEyMzQ1Ng",
        "Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MGFiY2RlZkdISUpLTE1O",
    ],
    "TOKEN": ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
    "URL_CREDENTIALS": ["postgres://admin:s3cr3tP4ss@db.internal:5432/app"],
}
NOT_PII = [
    "14 252,74 ₽/мес",
    "1 375 832,47 RUB/month",
    "$1,234.50 a month",
    "2025-06-30",
    "30.06.2025",
    "10:30:00",
    "Ubuntu 22.04",
    "PostgreSQL 16.2",
    "recommendation 5034",
    "resource 12345678",
    "s3.large.8",
    "8 vCPU, 32 ГБ",
    "+25 % к прошлому месяцу",
    "−12,5 %",
    "ru-9a / ru-central1-b",
    "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
    "up_AbCdEfGhIjKlMnOpQrStUvWx",
    "web-01, db_main_2, k8s-node-17",
    "в 3 раза дешевле",
    "8 800 000 ₽ в год",
    "Q3 2025",
    "CPU p95 63,5 % за 30 дней",
]


def test_every_kind_is_found_and_ordinary_figures_are_left_alone() -> None:
    found = missed = 0
    for kind, values in PII.items():
        for value in values:
            red = Redactor()
            out = red.redact(f"Контакт: {value}, проверьте.")
            if value not in out and f"[{kind}_1]" in out:
                found += 1
            else:
                missed += 1
                print("missed", kind, value, "->", out)
    false = [v for v in NOT_PII if Redactor().redact(v) != v]
    total = sum(len(v) for v in PII.values())
    print(json.dumps({"pii_found": f"{found}/{total}", "ordinary_changed": f"{len(false)}/{len(NOT_PII)}"}))
    assert missed == 0 and false == [], false


def test_placeholders_are_stable_within_a_turn_and_restored() -> None:
    red = Redactor()
    a = red.redact("Пишите anna@romashka.ru или ops@romashka.ru; anna@romashka.ru — главная.")
    assert a == "Пишите [EMAIL_1] или [EMAIL_2]; [EMAIL_1] — главная."
    assert red.redact("снова anna@romashka.ru") == "снова [EMAIL_1]"
    answer = "Ответ для [EMAIL_2] и [EMAIL_1]; [EMAIL_9] не было."
    assert red.restore(answer) == "Ответ для ops@romashka.ru и anna@romashka.ru; [EMAIL_9] не было."
    assert Redactor().restore("[EMAIL_1]") == "[EMAIL_1]"  # another turn's placeholders mean nothing


def test_streamed_placeholders_are_restored_wherever_the_deltas_split() -> None:
    red = Redactor()
    red.redact("IP 10.0.12.5, почта anna@romashka.ru")
    answer = "Сервер [IP_1] шлёт отчёты на [EMAIL_1]. Готово [x] и [IP_"
    for size in range(1, 12):
        stream = red.streamer()
        pieces = [stream.feed(answer[i : i + size]) for i in range(0, len(answer), size)]
        assert "".join(pieces) + stream.flush() == red.restore(answer)
    assert red.restore(answer).startswith("Сервер 10.0.12.5 шлёт отчёты на anna@romashka.ru.")


SEEDED = {
    "name": "mail-relay anna.smirnova@romashka.ru 10.0.12.5",
    "tag": "+7 (495) 123-45-67",
    "page": "AKIAIOSFODNN7EXAMPLE",
    "user": "ghp_1234567890abcdefghijABCDEFGHIJ123456",
}
_ANY_PII = re.compile("|".join(re.escape(v) for v in [*SEEDED.values(), "anna.smirnova@romashka.ru", "10.0.12.5"]))


@pytest.fixture
def chat(llm_settings: Callable[..., Settings]) -> Iterator[Chat]:
    with running_chat(llm_settings()) as c:
        yield c


async def test_no_seeded_pii_reaches_the_model_and_the_user_reads_the_originals(
    chat: Chat, llm_server: ScriptedLLMServer
) -> None:
    rec = top_recommendation(chat.settings)
    with psycopg.connect(chat.settings.database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE resources SET name = %s, tags = jsonb_build_object('owner', %s::text)"
            " WHERE id = (SELECT resource_id FROM recommendations WHERE id = %s)",
            (SEEDED["name"], SEEDED["tag"], rec["id"]),
        )
    from tests.support.llm_server import ScriptedToolCall

    llm_server.script(
        Reply(tool_calls=[ScriptedToolCall("get_recommendation", json.dumps({"recommendation_id": rec["id"]}), "c1")]),
        Reply(text="Сервер [IP_1] (владелец [PHONE_1]) пишет на [EMAIL_1]; ключ [SECRET_1] отозвать."),
    )
    started = await chat.start(
        {"scope": "recommendation", "recommendation_id": rec["id"], "page_context": {"note": SEEDED["page"]}}
    )
    async with chat.ws(started["session_id"]) as ws:
        events = await ws.ask(f"Что с сервером? Мой токен {SEEDED['user']}, телефон +7 916 555 12 34")
    final = events[-1]
    assert final["type"] == "message", final
    sent = json.dumps(llm_server.requests, ensure_ascii=False)
    assert llm_server.requests and not _ANY_PII.search(sent), _ANY_PII.findall(sent)[:5]
    assert "[EMAIL_1]" in sent and "[SECRET_" in sent
    content: str = final["content"]
    assert "anna.smirnova@romashka.ru" in content and "10.0.12.5" in content  # restored for this user
    assert not re.search(r"\[(EMAIL|IP|PHONE|SECRET)_\d+\]", content)
    tool_args: list[Any] = [e["arguments"] for e in events if e["type"] == "tool_call"]
    assert tool_args == [{"recommendation_id": rec["id"]}]


def test_texts_known_clean_are_not_scanned_again_and_nothing_dirty_is_taken_for_clean() -> None:
    from infrazen_agent.guard import pii

    clean = "Расходы за месяц по сервисам. " * 40
    dirty = clean + " пишите anna.smirnova@romashka.ru"
    first = Redactor()
    assert first.redact(clean) == clean and clean in pii._CLEAN
    assert "anna.smirnova" not in first.redact(dirty) and dirty not in pii._CLEAN
    again = Redactor()  # another turn: the dirty text is redacted again, never cached as clean
    assert again.redact(dirty).endswith("[EMAIL_1]") and again.restore(again.redact(dirty)) == dirty
    assert again.redact(clean) == clean
