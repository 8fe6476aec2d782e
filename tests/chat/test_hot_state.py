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
