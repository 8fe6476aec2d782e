"""Context packs on the demo data: within their token budgets, with the facts the scope needs,
tenant-scoped, and the compaction and fitting rules on their own."""

from __future__ import annotations

import pytest

from infrazen_agent.auth import Principal
from infrazen_agent.chat.sessions import ChatSession
from infrazen_agent.context.packs import BUDGETS, build_pack, compact, fill_arguments, fit, render
from infrazen_agent.context.tokens import estimate_tokens
from infrazen_agent.errors import NotFound
from infrazen_agent.runtime import Runtime

OWNER = Principal(user_id="1001", tenant_id="1001")


def _rec_session(rec_id: int, tenant: str = "1001") -> ChatSession:
    return ChatSession(
        id="cs_test", tenant_id=tenant, user_id="1001", scope="recommendation", recommendation_id=str(rec_id)
    )


async def _rec_ids(runtime: Runtime) -> dict[str, int]:
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT DISTINCT ON (rec_type) rec_type, id FROM recommendations WHERE tenant_id = '1001'"
            " ORDER BY rec_type, savings_monthly DESC"
        )
        return {r["rec_type"]: r["id"] for r in await cur.fetchall()}


async def test_recommendation_packs_fit_and_hold_the_facts(runtime: Runtime) -> None:
    sizes = {}
    for rec_type, rec_id in (await _rec_ids(runtime)).items():
        pack = await build_pack(runtime, OWNER, _rec_session(rec_id))
        sizes[rec_type] = pack["tokens"]
        assert pack["tokens"] <= BUDGETS["recommendation"], (rec_type, pack["tokens"])
        assert pack["tokens"] == estimate_tokens(render(pack))
        data = pack["data"]
        assert data["recommendation"]["id"] == rec_id and "savings_monthly" in data["recommendation"]
        assert data["resource"]["id"] == pack["ids"]["resource_id"]
        if rec_type.startswith("cross_provider"):
            alternatives = data["alternatives"]["alternatives"]
            # every alternative the tool found (at most 5) is kept, none cut for size
            assert 3 <= len(alternatives["rows"]) <= 5 and "more_not_shown" not in alternatives
            assert "parity" in alternatives["columns"]
            assert "prices" in data and data["snapshot"]["window_days"] > 0
    assert {"cross_provider_server", "rightsize_cpu"} <= set(sizes)


async def test_analytics_packs_fit_for_short_and_long_ranges(runtime: Runtime) -> None:
    for time_range in ({"days": 7}, {"days": 30}, {"days": 180}):
        session = ChatSession(id="cs_a", tenant_id="1001", user_id="1001", scope="analytics", time_range=time_range)
        pack = await build_pack(runtime, OWNER, session)
        assert pack["tokens"] <= BUDGETS["analytics"], (time_range, pack["tokens"])
        kept = set(pack["data"]) | set(pack.get("omitted_for_size", []))
        assert kept == {"overview", "trend", "services", "providers", "anomalies", "top_recommendations"}
        assert "overview" in pack["data"] and "missing" not in pack


async def test_a_pack_is_built_with_the_principals_tenant_only(runtime: Runtime) -> None:
    rec_id = next(iter((await _rec_ids(runtime)).values()))
    globex = Principal(user_id="g-ops", tenant_id="globex")
    with pytest.raises(NotFound):
        await build_pack(runtime, globex, _rec_session(rec_id, tenant="globex"))
    session = ChatSession(id="cs_g", tenant_id="globex", user_id="g-ops", scope="analytics", time_range={"days": 30})
    pack = await build_pack(runtime, globex, session)
    assert pack["data"]["overview"]["currency"] == "USD"  # globex's data, not 1001's roubles
    assert "RUB" not in render(pack)


def test_compact_money_sizes_tables_and_noise() -> None:
    data = {
        "created_at": "x",
        "cost": {"amount": 5236.0, "currency": "RUB", "period": "month"},
        "fee": {"amount": 1234.5, "currency": "USD", "period": "range"},
        "spec": {"vcpu": 4, "ram_gb": 8.0, "disk_gb": 80, "disk_type": "ssd", "cpu_class": None, "nodes": 1},
        "items": [{"a": 1, "b": 0.031875}, {"a": 2, "b": 12.3456}, {"a": 3, "b": 1.0}],
        "none": None,
    }
    out = compact(data, cap=2)
    assert out == {
        "cost": "5,236.00 RUB/month",  # the English money format of infrazen_agent.wording
        "fee": "$1,234.50",
        "spec": "4 vCPU / 8 GB RAM / 80 GB ssd",
        "items": {"columns": ["a", "b"], "rows": [[1, 0.03188], [2, 12.35]], "more_not_shown": 1},
    }


def test_fit_shrinks_and_drops_the_least_important_first() -> None:
    long = [{"k": i, "v": "text " * 10} for i in range(8)]
    pack = {"scope": "x", "data": {"first": {"items": long}, "alternatives": {"items": long}, "last": {"items": long}}}
    fitted = fit(pack, 200, ["first", "alternatives", "last"], {"last": "summary of last"})
    assert fitted["tokens"] <= 200
    assert fitted["omitted_for_size"] == ["last"]
    assert fitted["summaries_of_omitted"] == {"last": "summary of last"}
    assert len(fitted["data"]["alternatives"]["items"]["rows"]) == 5  # top-5 kept whole
    assert len(fitted["data"]["first"]["items"]["rows"]) < 5


def test_fill_arguments_by_parameter_name() -> None:
    spec = {"function": {"parameters": {"properties": {"resource_id": {}, "limit": {}}, "required": ["resource_id"]}}}
    assert fill_arguments(spec, {"resource_id": 7, "limit": 5, "days": 3}) == {"resource_id": 7, "limit": 5}
    assert fill_arguments(spec, {"limit": 5}) is None
