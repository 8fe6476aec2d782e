"""Hot state in Redis: the one-turn lock belongs to its holder; the recent list round-trips."""

from __future__ import annotations

from infrazen_agent.chat.hot_state import HotState
from infrazen_agent.runtime import Runtime


async def test_lock_is_exclusive_and_only_its_holder_releases_it(runtime: Runtime) -> None:
    hot = HotState(runtime.redis)
    assert await hot.acquire("s1", "turn_a")
    assert not await hot.acquire("s1", "turn_b")
    assert await hot.running_turn("s1") == "turn_a"
    assert not await hot.extend("s1", "turn_b")
    await hot.release("s1", "turn_b")  # not the holder: no effect
    assert await hot.running_turn("s1") == "turn_a"
    assert await hot.extend("s1", "turn_a")
    await hot.release("s1", "turn_a")
    assert await hot.running_turn("s1") is None
    assert await hot.acquire("s1", "turn_b")


async def test_recent_messages_distinguish_empty_from_unknown(runtime: Runtime) -> None:
    hot = HotState(runtime.redis)
    assert (await hot.turn_inputs("s2")) == (None, None)
    await hot.put_recent("s2", [])
    await hot.put_pack("s2", {"scope": "analytics", "tokens": 10})
    assert (await hot.turn_inputs("s2")) == ({"scope": "analytics", "tokens": 10}, [])
    await hot.put_recent("s2", [{"role": "user", "content": f"q{i}"} for i in range(40)])
    _, recent = await hot.turn_inputs("s2")
    assert recent is not None and len(recent) == 16 and recent[-1]["content"] == "q39"


async def test_finishing_a_turn_stores_recent_and_session_and_releases_only_its_own_lock(runtime: Runtime) -> None:
    from infrazen_agent.chat.sessions import ChatSession

    hot = HotState(runtime.redis)
    session = ChatSession(id="s3", tenant_id="t", user_id="u", scope="analytics")
    assert await hot.acquire("s3", "turn_a")
    await hot.finish_turn("s3", "turn_b", [{"role": "user", "content": "q"}], session)  # not the holder
    assert await hot.running_turn("s3") == "turn_a"
    await hot.finish_turn("s3", "turn_a", [{"role": "user", "content": "q"}], session)
    assert await hot.running_turn("s3") is None
    assert (await hot.turn_inputs("s3"))[1] == [{"role": "user", "content": "q"}]
    assert await hot.get_session("s3") == session
    await hot.finish_turn("s3", "turn_c", None, None)  # a turn that was not stored
    assert (await hot.turn_inputs("s3"))[1] is None  # no cached history: rebuilt from Postgres
