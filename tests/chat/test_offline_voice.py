"""One voice: an offline answer is in the language of the question, over every intent of both
chats and every recommendation type. A Russian answer may hold Latin words only where they are
names (resources, SKUs, regions, services, providers) or a fixed technical vocabulary; an English
answer holds no Cyrillic at all. The questions are the labelled set's (tests/chat/data/), one per
intent and language."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from infrazen_agent.config import Settings

from .clients import Chat, query, top_recommendation

DATA = Path(__file__).parent / "data" / "intent_questions.json"
REC_TYPES = (
    "cross_provider_server",
    "cross_provider_dbaas",
    "rightsize_cpu",
    "stopped_server",
    "old_snapshot",
    "unused_ip",
)
# Latin words a Russian sentence uses as they are (units, acronyms, product names).
_TECHNICAL = (
    "vcpu cpu ram p95 ssd hdd nvme iam dns sku ip infrazen kubernetes postgresql mysql redis kafka focus finops "
    "s3 pdf html cfo cto api selectel yandex cloud beget vk rub usd "
    # terms the knowledge base's Russian guides keep in Latin, as Russian engineers write them
    "openstack terraform qcow2 ttl iops flavor init raw vertical pod autoscaler requests p99 commitments"
)
TECHNICAL = frozenset(_TECHNICAL.split())
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def _questions(scope: str) -> dict[tuple[str, str], str]:
    """The first labelled question of each (intent, language) of a scope."""
    out: dict[tuple[str, str], str] = {}
    for row in json.loads(DATA.read_text(encoding="utf-8")):
        if row["scope"] == scope:
            out.setdefault((row["intent"], row["lang"]), row["q"])
    return out


def _tenant_name(settings: Settings, tenant: str) -> str:
    return str(query(settings, "SELECT name FROM tenants WHERE id = %s", tenant)[0]["name"])


def _names(settings: Settings, tenant: str) -> set[str]:
    """Every Latin word of the tenant's own names: resources, SKUs, regions, services."""
    rows = query(
        settings,
        "SELECT name || ' ' || service || ' ' || region || ' ' || coalesce(sku, '') AS t FROM resources"
        " WHERE tenant_id = %s UNION ALL SELECT coalesce(target_sku, '') || ' ' || coalesce(target_region, '')"
        " FROM recommendations WHERE tenant_id = %s UNION ALL SELECT sku || ' ' || region || ' ' || service"
        " FROM price_catalog",
        tenant,
        tenant,
    )
    return {w.lower() for r in rows for w in _LATIN.findall(str(r["t"]))}


def _leaks(content: str, lang: str, names: set[str], own: str = "") -> list[str]:
    content = content.replace(own, " ") if own else content  # the tenant's own name, in any language
    content = re.sub(r"#[\w-]+", " ", content)  # source anchors of the knowledge base (selectel-ru#migration)
    if lang == "en":
        return [line for line in content.splitlines() if _CYRILLIC.search(line)]
    body = content.replace("`", " ")
    return sorted({w for w in _LATIN.findall(body) if w.lower() not in names and w.lower() not in TECHNICAL})


async def _ask(
    chat: Chat, body: dict[str, Any], questions: dict[tuple[str, str], str], user: str = "1001"
) -> list[tuple[str, str, str]]:
    started = await chat.start(body, user=user)
    out = []
    async with chat.ws(started["session_id"], user=user) as ws:
        for (intent, lang), question in sorted(questions.items()):
            # At a person's pace: a connection may send 10 frames a second (bursts of 20), and
            # offline answers come back in tens of ms, so back-to-back questions get refused.
            await asyncio.sleep(0.12)
            try:
                events = await ws.ask(question)
            except TimeoutError as exc:
                raise AssertionError(f"no answer to {question!r} ({body})") from exc
            final = events[-1]
            assert final["type"] == "message", (question, final)
            assert final["grounding"]["ok"] is True, (question, final["grounding"]["untraced"], final["content"])
            # the question's own words may come back ("Что такое rightsizing?")
            own_words = "|".join(map(re.escape, _LATIN.findall(question)))
            content = re.sub(rf"\b(?:{own_words})\b", " ", str(final["content"]), flags=re.I) if own_words else ""
            content = content or str(final["content"])
            out.append((f"{intent}/{lang}: {question}", lang, content))
    return out


async def test_recommendation_answers_keep_one_language_over_every_intent_and_type(offline_chat: Chat) -> None:
    names, own = _names(offline_chat.settings, "1001"), _tenant_name(offline_chat.settings, "1001")
    questions = _questions("recommendation")
    leaks = {}
    turns = 0
    for rec_type in REC_TYPES:
        rec = top_recommendation(offline_chat.settings, rec_type=rec_type)
        for label, lang, content in await _ask(
            # a user per type: 22 turns each stay inside one user's turns-a-minute limit
            offline_chat,
            {"scope": "recommendation", "recommendation_id": rec["id"]},
            questions,
            user=f"voice-{rec_type}",
        ):
            turns += 1
            found = _leaks(content, lang, names, own)
            if found:
                leaks[f"{rec_type} {label}"] = found
    assert turns == len(REC_TYPES) * len(questions) >= 6 * 20
    assert not leaks, json.dumps(leaks, ensure_ascii=False, indent=1)


async def test_analytics_answers_keep_one_language_over_every_intent(offline_chat: Chat) -> None:
    names, own = _names(offline_chat.settings, "1001"), _tenant_name(offline_chat.settings, "1001")
    questions = _questions("analytics")
    answers = await _ask(offline_chat, {"scope": "analytics", "time_range": {"days": 30}}, questions)
    assert len(answers) == len(questions) >= 24
    leaks = {label: found for label, lang, content in answers if (found := _leaks(content, lang, names, own))}
    assert not leaks, json.dumps(leaks, ensure_ascii=False, indent=1)


def test_the_leak_check_catches_what_it_must() -> None:
    """The checker itself: an English word in Russian, or Cyrillic in English, is caught; names are not."""
    names = {"batch", "09", "sel", "std"}
    assert _leaks("Переезд batch-09: экономия 5 ₽/мес, 4 vCPU", "ru", names) == []
    assert _leaks("Переезд batch-09: saves 5 ₽/мес", "ru", names) == ["saves"]
    assert _leaks("risk: high", "ru", names) == ["high", "risk"]
    assert _leaks("Move batch-09: saves 5 RUB/month", "en", names) == []
    assert _leaks("top: Переезд batch-09", "en", names) == ["top: Переезд batch-09"]
