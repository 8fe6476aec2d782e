"""Hot state in Redis: the one-turn lock belongs to its holder and passes to the messages waiting
for it in order; the recent list round-trips."""

from __future__ import annotations

import time
from typing import Any

from infrazen_agent.chat.hot_state import QUEUE_MAX, HotState
from infrazen_agent.guard.rate import window
from infrazen_agent.runtime import Runtime


def _entry(turn_id: str, client_message_id: str | None = None) -> dict[str, Any]:
    return {"turn_id": turn_id, "content": "q", "client_message_id": client_message_id}


async def test_the_lock_is_exclusive_and_passes_to_waiting_messages_in_order(runtime: Runtime) -> None:
    hot = HotState(runtime.redis)
    outcome, head, _, _ = await hot.admit("s1", _entry("turn_a"))
    assert (outcome, head["turn_id"]) == ("run", "turn_a")
    assert await hot.running_turn("s1") == "turn_a"
    assert (await hot.admit("s1", _entry("turn_b")))[:2] == ("queued", 1)
    assert (await hot.admit("s1", _entry("turn_c", "m-c")))[:2] == ("queued", 2)
    assert (await hot.admit("s1", _entry("turn_x", "m-c")))[:2] == ("dup", "turn_c")  # a resend
    assert not await hot.extend("s1", "turn_b")
    assert await hot.advance("s1", hot.value_of("turn_b")) is None  # not the holder: no effect
    assert await hot.running_turn("s1") == "turn_a"
    assert await hot.extend("s1", "turn_a")
    nxt = await hot.advance("s1", hot.value_of("turn_a"))
    assert nxt is not None and nxt["turn_id"] == "turn_b" and await hot.running_turn("s1") == "turn_b"
    assert [e["turn_id"] for e in await hot.queued("s1")] == ["turn_c"]
    assert await hot.drop_queued("s1", "turn_c") is not None and await hot.queued("s1") == []
    assert await hot.advance("s1", hot.value_of("turn_b")) is None
    assert await hot.running_turn("s1") is None


async def test_the_queue_is_bounded(runtime: Runtime) -> None:
    hot = HotState(runtime.redis)
    assert (await hot.admit("s4", _entry("t0")))[0] == "run"
    outcomes = [(await hot.admit("s4", _entry(f"t{i}")))[0] for i in range(1, QUEUE_MAX + 3)]
    assert outcomes == ["queued"] * QUEUE_MAX + ["full", "full"]


async def test_a_message_is_admitted_in_the_script_that_queues_it(runtime: Runtime) -> None:
    """The sender's message window is taken with the queueing: refused messages are not queued,
    and neither a resend of a waiting message nor one refused as the queue is full is counted."""
    hot = HotState(runtime.redis)
    now = time.time()
    mine, theirs = window("msg:t1:u1", 3, 60, now=now), window("msg:t2:u1", 3, 60, now=now)
    assert (await hot.admit("s7", _entry("t1", "m1"), mine))[0] == "run"
    assert (await hot.admit("s7", _entry("t2", "m2"), mine))[:2] == ("queued", 1)
    assert (await hot.admit("s7", _entry("t2b", "m2"), mine))[:2] == ("dup", "t2")  # a resend: not counted
    assert (await hot.admit("s7", _entry("t3"), mine))[:2] == ("queued", 2)
    assert (await hot.admit("s7", _entry("t4"), mine))[0] == "limited"  # the 4th in the window
    assert [e["turn_id"] for e in await hot.queued("s7")] == ["t2", "t3"]  # the refused one is not queued
    assert (await hot.admit("s8", _entry("u1"), theirs))[0] == "run"  # another tenant's user: own window
    for i in range(QUEUE_MAX):
        assert (await hot.admit("s8", _entry(f"u{i + 2}")))[0] == "queued"  # unlimited: no window given
    assert (await hot.admit("s8", _entry("u_full"), theirs))[0] == "full"  # refused as full: not counted
    assert int(await runtime.redis.get(theirs.current) or 0) == 1
    assert int(await runtime.redis.get(mine.current) or 0) == 3


async def test_a_free_lock_runs_the_oldest_waiting_message_first(runtime: Runtime) -> None:
    """Messages left waiting (their holder shut down) are not overtaken by a new one."""
    hot = HotState(runtime.redis)
    await hot.admit("s5", _entry("t_old_run"))
    await hot.admit("s5", _entry("t_waiting"))
    await hot.finish_turn("s5", "t_old_run", None, None, advance=False)  # shutdown: released, queue kept
    outcome, head, _, _ = await hot.admit("s5", _entry("t_new"))
    assert (outcome, head["turn_id"]) == ("run", "t_waiting")
    assert [e["turn_id"] for e in await hot.queued("s5")] == ["t_new"]
    # a lock that expired with messages waiting: the queue's head takes it
    await runtime.redis.delete("chat:s:s5:lock")
    nxt = await hot.advance("s5", "")
    assert nxt is not None and nxt["turn_id"] == "t_new"


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
    assert (await hot.admit("s3", _entry("turn_a")))[0] == "run"
    await hot.finish_turn("s3", "turn_b", [{"role": "user", "content": "q"}], session)  # not the holder
    assert await hot.running_turn("s3") == "turn_a"
    assert await hot.finish_turn("s3", "turn_a", [{"role": "user", "content": "q"}], session) is None
    assert await hot.running_turn("s3") is None
    assert (await hot.turn_inputs("s3"))[1] == [{"role": "user", "content": "q"}]
    assert await hot.get_session("s3") == session
    await hot.finish_turn("s3", "turn_c", None, None)  # a turn that was not stored
    assert (await hot.turn_inputs("s3"))[1] is None  # no cached history: rebuilt from Postgres


async def test_a_message_given_back_on_shutdown_waits_at_the_head_again(runtime: Runtime) -> None:
    hot = HotState(runtime.redis)
    await hot.admit("s6", _entry("t_run"))
    await hot.admit("s6", _entry("t_next"))
    await hot.admit("s6", _entry("t_last"))
    given = await hot.advance("s6", hot.value_of("t_run"))
    assert given is not None and given["turn_id"] == "t_next"
    await hot.give_back("s6", given)  # this process is stopping: it will not run it
    assert await hot.running_turn("s6") is None
    assert [e["turn_id"] for e in await hot.queued("s6")] == ["t_next", "t_last"]
